<?xml version="1.0" encoding="utf-8"?>
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
        <style>
          body { margin: 0 auto; max-width: 44rem; padding: 1rem 1.25rem; font: 1.0625rem/1.6 system-ui, sans-serif; color: #1b1b1b; background: #fdfdfc; }
          .about { background: #fff4ce; color: #4d3800; padding: .75rem 1rem; border-radius: .5rem; }
          code { word-break: break-all; }
          li { margin: 0 0 1rem; }
          .meta { color: #595959; font-size: .95rem; }
          a { color: #0b57d0; }
        </style>
      </head>
      <body>
        <p class="about"><strong>This is a web feed.</strong> Copy this address into your feed reader to follow the story:
          <code id="feed-url"><xsl:value-of select="$self"/></code></p>
        <h1><xsl:value-of select="$title"/></h1>
        <p><a href="{$home}">Read the story page</a></p>
        <h2>Latest developments</h2>
        <ol>
          <xsl:for-each select="/rss/channel/item">
            <li><a href="{link}"><xsl:value-of select="title"/></a>
              <div class="meta"><xsl:value-of select="pubDate"/></div>
              <div><xsl:value-of select="description"/></div></li>
          </xsl:for-each>
          <xsl:for-each select="/atom:feed/atom:entry">
            <li><a href="{atom:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
              <div class="meta"><xsl:value-of select="atom:published"/></div>
              <div><xsl:value-of select="atom:summary"/></div></li>
          </xsl:for-each>
        </ol>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
