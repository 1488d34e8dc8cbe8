// How many connections the server holds and for how long. Every connection is a file descriptor,
// and the builder in the same process needs descriptors too (entries, temp files, renames,
// workers): idle sockets must never use them up (EMFILE).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type { Socket } from 'node:net';

/** The default time a connection has to send a request's headers, idle fresh connections included. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const CONNECTIONS_CEILING = 4096;

/**
 * The default connection cap: half the soft RLIMIT_NOFILE (every connection is one descriptor;
 * the other half stays for the builder), at most 4,096.
 */
export function defaultMaxConnections(): number {
  const soft = softFileLimit();
  if (soft === undefined) return CONNECTIONS_CEILING;
  return Math.max(1, Math.min(CONNECTIONS_CEILING, Math.floor(soft / 2)));
}

function softFileLimit(): number | undefined {
  const parse = (text: string | undefined) => {
    if (!text || /^unlimited$/i.test(text)) return undefined;
    const n = Number(text);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  };
  try {
    // "Max open files            1024                 524288               files"
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (line) return parse(line[1]);
  } catch {
    // No /proc (macOS, whose default soft limit is 256): ask a shell, which inherits our limits.
  }
  try {
    return parse(execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2_000 }).trim());
  } catch {
    return undefined;
  }
}

/**
 * Node's timeouts for a server whose requests are small GETs: `headersTimeout` bounds a request's
 * headers and also a fresh connection that never sends any (Node checks every
 * `connectionsCheckingInterval`, 30 s by default — far too coarse, so it follows the timeout);
 * an idle keep-alive connection goes after `keepAliveTimeout`, never later than the headers
 * timeout; a response a client will not read is dropped after 30 s of silence.
 */
export function serverTimeouts(headersTimeoutMs: number): http.ServerOptions & { timeout: number } {
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: Math.max(headersTimeoutMs, DEFAULT_HEADERS_TIMEOUT_MS),
    keepAliveTimeout: Math.min(5_000, headersTimeoutMs),
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
    timeout: 30_000,
  };
}

/**
 * Hold at most `cap` connections. A connection over the cap makes the oldest one that is not
 * being answered (idle keep-alive, or still sending its headers) go, so that a flood of idle
 * sockets can neither starve a real reader nor the builder; when every one is being answered, the
 * newcomer goes. `server.maxConnections` (cap + 1, for the newcomer being judged) is the backstop
 * Node applies before any of this runs.
 */
export function capConnections(server: http.Server, cap: number): void {
  const open = new Set<Socket>(); // insertion order: oldest first
  // Requests being answered per connection (pipelined requests can overlap their responses).
  const answering = new Map<Socket, number>();
  server.maxConnections = cap + 1;
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      answering.delete(socket);
    });
    if (open.size <= cap) return;
    for (const old of open) {
      if (old === socket || answering.has(old)) continue;
      open.delete(old);
      old.destroy();
      return;
    }
    open.delete(socket);
    socket.destroy();
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (answering.get(socket) ?? 1) - 1;
      if (left > 0) answering.set(socket, left);
      else answering.delete(socket);
    });
  });
}
