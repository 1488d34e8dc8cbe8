// Black-box tests run the compiled CLI (dist/), exactly as users do: bundle once per test run.
// (Type errors are test/meta/typecheck.test.ts's business.)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  // A vitest run nested inside this one (test/unit/tools.test.ts) uses the outer run's bundle: rebuilding
  // dist/ under the CLI tests still running outside would make them fail now and then.
  if (process.env.STORYFEED_TEST_NESTED === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: root, stdio: 'inherit' });
}
