// TEMPORARY STUB by the lead so the project compiles; the server helper replaces this whole file.
import http from 'node:http';
export interface ServeOptions { readonly outDir: string; readonly host?: string; readonly port?: number; readonly maxAgeSeconds: number; readonly onRequest?: (info: { method: string; path: string; status: number; bytes: number }) => void }
export interface RunningServer { readonly url: string; readonly port: number; close(): Promise<void> }
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const server = http.createServer((_req, res) => { res.statusCode = 404; res.end(); });
  await new Promise<void>((r) => server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://${options.host ?? '127.0.0.1'}:${port}/`, port, close: () => new Promise((r) => server.close(() => r())) };
}
