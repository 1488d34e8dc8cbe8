// Start `storyfeed start` as a child process on a free port and follow its JSON log.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './cli.js';

export interface LogLine {
  event: string;
  [key: string]: unknown;
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  logs: LogLine[];
  stderr: () => string;
  /** Wait for a log line matching `predicate` that arrives after index `from`. */
  waitFor(predicate: (line: LogLine) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<LogLine>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/** `openFiles`: run under `ulimit -n` (through /bin/sh, which `exec`s node: the child is node). */
export async function startServiceProcess(cwd: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, limits: { openFiles?: number } = {}): Promise<ServiceProcess> {
  const argv = [CLI, 'start', '--entries', 'entries', '--out', 'out', '--port', '0', ...args];
  const [command, commandArgs] = limits.openFiles === undefined ? [process.execPath, argv] : ['/bin/sh', ['-c', `ulimit -n ${limits.openFiles} && exec "$0" "$@"`, process.execPath, ...argv]];
  const child = spawn(command, commandArgs, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let stderr = '';
  let buffer = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ event: 'unparsed', line });
      }
      for (const w of waiters) w();
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const waitFor: ServiceProcess['waitFor'] = (predicate, options = {}) =>
    new Promise((resolve, reject) => {
      const from = options.from ?? 0;
      const check = () => {
        const found = logs.slice(from).find(predicate);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for a log line; got:\n${logs.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr}`));
      }, options.timeoutMs ?? 15_000);
      waiters.add(check);
      check();
    });

  const start = await waitFor((l) => l.event === 'start');
  return {
    child,
    url: String(start['url']),
    logs,
    stderr: () => stderr,
    waitFor,
    async stop(signal = 'SIGTERM') {
      const t0 = performance.now();
      child.kill(signal);
      const code = await exited;
      return { code, ms: performance.now() - t0 };
    },
  };
}
