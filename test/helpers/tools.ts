// The programs some tests need and nobody here wrote: Debian's checkers (xmllint, jing, the
// Universal Feed Parser, newsboat), Chromium, Hugo, GNU time, libfaketime, and Python moto's S3 server.
//
// On a developer's machine without one, the tests that need it are skipped, and the run says which
// program is missing and how to install it. Under CI (CI=true) nothing is skipped: a missing program
// fails the tests that need it, so a CI machine can never go green by lacking a checker.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const STRICT = /^(1|true)$/i.test(process.env['CI'] ?? '');

export type Tool = 'xmllint' | 'jing' | 'feedparser' | 'newsboat' | 'chromium' | 'hugo' | 'time' | 'libfaketime' | 'moto_server';

/** libfaketime's library (Debian's path): LD_PRELOAD moves a process's clock (test/service/clock.test.ts). */
export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

const INSTALL: Record<Tool, string> = {
  xmllint: 'apt-get install -y libxml2-utils',
  jing: 'apt-get install -y jing',
  feedparser: 'apt-get install -y python3-feedparser',
  newsboat: 'apt-get install -y newsboat',
  chromium: 'apt-get install -y chromium',
  hugo: 'apt-get install -y hugo',
  time: 'apt-get install -y time',
  libfaketime: 'apt-get install -y libfaketime',
  moto_server: 'pip install "moto[server]"',
};

const PROBES: Record<Tool, () => boolean> = {
  xmllint: () => onPath('xmllint'),
  jing: () => onPath('jing'),
  feedparser: () => spawnSync('/usr/bin/python3', ['-c', 'import feedparser'], { stdio: 'ignore' }).status === 0,
  newsboat: () => onPath('newsboat'),
  chromium: () => existsSync('/usr/bin/chromium'),
  hugo: () => onPath('hugo'),
  time: () => existsSync('/usr/bin/time'),
  libfaketime: () => existsSync(LIBFAKETIME),
  moto_server: () => onPath('moto_server'),
};

// STORYFEED_TEST_WITHOUT=xmllint,jing (or `all`) makes tools count as missing: how the skip path
// itself is tested (test/meta/tools.test.ts) on a machine that has them all.
const hidden = new Set((process.env['STORYFEED_TEST_WITHOUT'] ?? '').split(',').map((s) => s.trim()).filter(Boolean));

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

const known = new Map<Tool, boolean>();

export function hasTool(tool: Tool): boolean {
  let has = known.get(tool);
  if (has === undefined) {
    has = !hidden.has('all') && !hidden.has(tool) && PROBES[tool]();
    known.set(tool, has);
  }
  return has;
}

/** One plain sentence: which program is missing, how to get it, and what happened to its tests. */
export function missingMessage(tool: Tool): string {
  return `${tool} is not installed (${INSTALL[tool]}): ${STRICT ? 'CI=true, so the tests that need it fail' : 'the checks that need it were skipped'}`;
}

const told = new Set<Tool>();

/** Say once per test file that a tool is missing (vitest shows it with the file's output). */
function tell(tool: Tool): void {
  if (told.has(tool)) return;
  told.add(tool);
  console.warn(`[storyfeed tests] ${missingMessage(tool)}`);
}

/**
 * Skip a test or suite that needs these tools when one is missing, except under CI. Use as
 * `describe.skipIf(skipWithout('chromium'))(...)`; the name of a skipped suite should say why
 * (see `withoutNote`).
 */
export function skipWithout(...tools: Tool[]): boolean {
  const missing = tools.filter((t) => !hasTool(t));
  for (const t of missing) tell(t);
  return missing.length > 0 && !STRICT;
}

/** A suffix for a test name: " (skipped: jing is not installed …)" when it will be skipped. */
export function withoutNote(...tools: Tool[]): string {
  const missing = tools.filter((t) => !hasTool(t));
  return missing.length > 0 && !STRICT ? ` (skipped: ${missing.map(missingMessage).join('; ')})` : '';
}

/**
 * For a checker inside a test that needs others too: with the tool missing, no problem under a
 * developer's run (its check is skipped, and said so), a problem under CI.
 */
export function checkerMissing(tool: Tool): Array<{ checker: string; message: string }> {
  tell(tool);
  return STRICT ? [{ checker: tool, message: missingMessage(tool) }] : [];
}
