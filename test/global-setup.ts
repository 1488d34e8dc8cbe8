// Black-box tests run the compiled CLI (dist/), exactly as users do: bundle once per test run.
// (Type errors are test/typecheck.test.ts's business.)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: root, stdio: 'inherit' });
}
