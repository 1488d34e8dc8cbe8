// A tiny WebSub hub stub on 127.0.0.1 that records every POST and answers from a script.
import http from 'node:http';

export interface HubRequest {
  method: string;
  contentType: string | undefined;
  body: string;
  params: Record<string, string>;
}

export interface HubStub {
  url: string;
  requests: HubRequest[];
  close(): Promise<void>;
}

/** `answers` is consumed one per request; the last one repeats. 'hang' never answers. */
export async function startHub(answers: Array<number | 'hang' | { status: number; headers?: Record<string, string> }>): Promise<HubStub> {
  const requests: HubRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', contentType: req.headers['content-type'], body, params: Object.fromEntries(new URLSearchParams(body)) });
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      if (answer === 'hang') return;
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      res.writeHead(status, headers);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hub`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
