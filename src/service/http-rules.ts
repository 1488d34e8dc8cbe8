// The server's HTTP rules that need no disk and no socket: which request targets are ours
// (RFC 9112 §3.2), how many header fields a request may carry, and who may read what across
// origins (the Fetch standard's CORS protocol). serve.ts applies them.

import { hostname } from 'node:os';
import { MEDIA_TYPES } from '../core/formats.js';

/** Request header fields per request; more get 431 (RFC 6585 §5). Browsers send about 20. */
export const MAX_HEADERS = 100;
/** The methods the server knows, for Allow (RFC 9110 §10.2.1) on 405 and OPTIONS. */
export const ALLOW = 'GET, HEAD, OPTIONS';

/**
 * An absolute-form request target (RFC 9112 §3.2.2, which a server MUST accept): the origin-form
 * path it names when its authority is ours, `misdirected` for another host or scheme (421,
 * RFC 9110 §15.5.20), `bad` when it is no URI at all (400). The Host header field is ignored for
 * it, as §3.2.2 requires.
 */
export function absoluteTarget(target: string, own: { hosts: ReadonlySet<string>; port: number }): { path: string } | 'misdirected' | 'bad' {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([/?][^#]*)?$/.exec(target);
  if (!m) return 'bad';
  const [, scheme = '', authority = '', rest = '/'] = m;
  // RFC 9110 §4.2.4: userinfo in an http(s) URI is an error.
  if (authority.includes('@')) return 'bad';
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d*))?$/.exec(authority);
  if (!hp) return 'bad';
  if (scheme.toLowerCase() !== 'http') return 'misdirected';
  const host = normalizeHost(hp[1] ?? '');
  // RFC 3986 §3.2.3: an empty port is the scheme's default.
  const port = hp[2] ? Number(hp[2]) : 80;
  if (!own.hosts.has(host) || port !== own.port) return 'misdirected';
  return { path: rest.startsWith('?') ? `/${rest}` : rest };
}

/** Lower case, no trailing dot, IPv6 in brackets, IPv4-mapped IPv6 as plain IPv4. */
export function normalizeHost(host: string): string {
  let h = host.toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped) return mapped[1]!;
  return h.includes(':') ? `[${h}]` : h;
}

const WILDCARD = new Set(['0.0.0.0', '[::]']);
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

/**
 * The host names a connection may call us by in an absolute-form target: the address we listen
 * on (unless it is a wildcard), the address this connection reached, the machine's name, and
 * `localhost` when that address is a loopback one.
 */
export function ownHosts(listenHost: string, localAddress: string | undefined): Set<string> {
  const hosts = new Set<string>();
  const listen = normalizeHost(listenHost);
  if (!WILDCARD.has(listen)) hosts.add(listen);
  if (localAddress) hosts.add(normalizeHost(localAddress));
  hosts.add(normalizeHost(hostname()));
  if ([...hosts].some((h) => LOOPBACK.test(h))) for (const h of ['localhost', '127.0.0.1', '[::1]']) hosts.add(h);
  return hosts;
}

/**
 * Feeds and JSON indexes are public: a newsroom's page script on another origin may read them.
 * Pages and the rest are not opened to scripts elsewhere.
 */
export function isCrossOriginReadable(registeredType: string): boolean {
  return [MEDIA_TYPES.rss, MEDIA_TYPES.atom, MEDIA_TYPES.json].includes(registeredType) || /^application\/json\b/.test(registeredType);
}

/**
 * CORS response headers for a public resource (Fetch standard §3.2.3): any origin, no
 * credentials (so `*` is allowed). ETag is exposed so scripts can revalidate; Last-Modified is a
 * safelisted response header already. Fixed text: nothing is echoed from the request.
 */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag',
};

/**
 * A CORS preflight's answer (Fetch standard §3.2.3): the safe methods and the request headers a
 * reader's script sends for revalidation, cached by the browser for a day.
 */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD',
  'Access-Control-Allow-Headers': 'Accept, If-None-Match, If-Modified-Since, Cache-Control',
  'Access-Control-Max-Age': '86400',
};

/** A preflight carries Origin and Access-Control-Request-Method (Fetch standard §3.2.2). */
export function isPreflight(headers: { origin?: string | undefined; 'access-control-request-method'?: string | string[] | undefined }): boolean {
  return headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}
