// feed.xsl: makes rss.xml and atom.xml readable when opened in a browser, with a "this is a feed"
// notice first. An extra (browsers are dropping XSLT); the real human view is index.html.
// XSLT 1.0 only (the version browsers run), and no disable-output-escaping (Firefox ignores it).
//
// Summaries are HTML in both formats (RSS 2.0 <description>; Atom type="html", RFC 4287 §3.1.1.2):
// storyfeed writes them as escaped plain text, so the view decodes those references once
// (`unescape`) and shows text — never the markup itself.

import { BUILT_IN_ICON } from './page-head.js';

export const FEED_XSL = `<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="atom dc">
  <xsl:output method="html" version="5.0" encoding="utf-8" indent="yes"/>
  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
  <xsl:variable name="home" select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>
  <xsl:template match="/">
    <html lang="{/rss/channel/language | /atom:feed/@xml:lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <link rel="icon" href="${BUILT_IN_ICON.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"/>
        <style>
          :root { color-scheme: light dark; }
          body { margin: 0 auto; max-width: 44rem; padding: 0 1.25rem 1rem; font: 1.0625rem/1.6 system-ui, sans-serif; color: #1b1b1b; background: #fdfdfc; }
          .about { position: sticky; top: 0; z-index: 1; margin: 0 -1.25rem; background: #fff4ce; color: #4d3800; padding: .75rem 1.25rem; }
          /* Chromium puts a banner about XSLT in the top layer, over the top of the page: the notice
             then moves to the bottom edge, where nothing covers it, until the banner is closed. */
          xslt-warning-banner:popover-open ~ .about { position: fixed; top: auto; bottom: 0; left: 0; right: 0; margin: 0; box-shadow: 0 -2px 6px rgba(0,0,0,.25); }
          xslt-warning-banner:popover-open ~ ol { padding-bottom: 6rem; }
          xslt-warning-banner:popover-open ~ h1 { margin-top: 8rem; }
          @media (max-width: 40rem) { xslt-warning-banner:popover-open ~ h1 { margin-top: 16rem; } }
          code { word-break: break-all; }
          li { margin: 0 0 1rem; }
          .meta { color: #595959; font-size: .95rem; }
          a { color: #0b57d0; }
          @media (prefers-color-scheme: dark) {
            body { color: #ececec; background: #141414; }
            .about { background: #3d3200; color: #ffe7a3; }
            .meta { color: #b3b3b3; }
            a { color: #8ab4f8; }
          }
        </style>
      </head>
      <body>
        <p class="about"><strong>This is a web feed: copy its address into your reader</strong> to follow the story.
          <code id="feed-url"><xsl:value-of select="$self"/></code></p>
        <h1><xsl:value-of select="$title"/></h1>
        <p><a href="{$home}">Read the story page</a></p>
        <h2>Latest developments</h2>
        <ol>
          <xsl:for-each select="/rss/channel/item">
            <li><a href="{link}"><xsl:value-of select="title"/></a>
              <div class="meta"><time datetime="{pubDate}"><xsl:call-template name="rfc822"><xsl:with-param name="d" select="normalize-space(pubDate)"/></xsl:call-template></time></div>
              <div><xsl:call-template name="unescape"><xsl:with-param name="s" select="description"/></xsl:call-template></div></li>
          </xsl:for-each>
          <xsl:for-each select="/atom:feed/atom:entry">
            <li><a href="{atom:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
              <div class="meta"><time datetime="{atom:published}"><xsl:call-template name="rfc3339"><xsl:with-param name="d" select="normalize-space(atom:published)"/></xsl:call-template></time></div>
              <div><xsl:call-template name="unescape"><xsl:with-param name="s" select="atom:summary"/></xsl:call-template></div></li>
          </xsl:for-each>
        </ol>
      </body>
    </html>
  </xsl:template>
  <!-- "Tue, 26 May 2026 06:00:00 GMT" (RFC 822 as RSS 2.0 writes it) → "26 May 2026, 06:00 GMT". -->
  <xsl:template name="rfc822">
    <xsl:param name="d"/>
    <xsl:variable name="rest" select="normalize-space(substring-after($d, ','))"/>
    <xsl:value-of select="concat(substring($rest, 1, 11), ', ', substring($rest, 13, 5), ' ', substring($rest, 22))"/>
  </xsl:template>
  <!-- "2026-05-26T06:00:00Z" (RFC 3339) → "26 May 2026, 06:00 UTC" (or the offset as written). -->
  <xsl:template name="rfc3339">
    <xsl:param name="d"/>
    <xsl:variable name="month" select="substring('JanFebMarAprMayJunJulAugSepOctNovDec', 3 * number(substring($d, 6, 2)) - 2, 3)"/>
    <xsl:variable name="zone" select="substring($d, 20)"/>
    <xsl:value-of select="concat(number(substring($d, 9, 2)), ' ', $month, ' ', substring($d, 1, 4), ', ', substring($d, 12, 5), ' ')"/>
    <xsl:choose>
      <xsl:when test="$zone = 'Z' or $zone = ''">UTC</xsl:when>
      <xsl:when test="starts-with($zone, '.') and substring($zone, string-length($zone)) = 'Z'">UTC</xsl:when>
      <xsl:otherwise>UTC<xsl:value-of select="substring($zone, string-length($zone) - 5)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- Escaped text (&amp;lt; &amp;gt; &amp;amp; &amp;quot; &amp;#39;) back to the characters, one reference at a time. -->
  <xsl:template name="unescape">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="contains($s, '&amp;')">
        <xsl:value-of select="substring-before($s, '&amp;')"/>
        <xsl:variable name="rest" select="substring-after($s, '&amp;')"/>
        <xsl:variable name="ref" select="substring-before($rest, ';')"/>
        <xsl:variable name="char">
          <xsl:choose>
            <xsl:when test="$ref = 'amp'">&amp;</xsl:when>
            <xsl:when test="$ref = 'lt'">&lt;</xsl:when>
            <xsl:when test="$ref = 'gt'">&gt;</xsl:when>
            <xsl:when test="$ref = 'quot'">"</xsl:when>
            <xsl:when test="$ref = '#39' or $ref = '#x27' or $ref = 'apos'">'</xsl:when>
          </xsl:choose>
        </xsl:variable>
        <xsl:choose>
          <xsl:when test="string-length($char) = 1">
            <xsl:value-of select="$char"/>
            <xsl:call-template name="unescape"><xsl:with-param name="s" select="substring-after($rest, ';')"/></xsl:call-template>
          </xsl:when>
          <xsl:otherwise>
            <xsl:text>&amp;</xsl:text>
            <xsl:call-template name="unescape"><xsl:with-param name="s" select="$rest"/></xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
`;
