// `storyfeed publish` and `storyfeed start --publish` as users run them (dist/cli.js in a child
// process) against moto_server: exit codes, one plain sentence on failure, the service's retries.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireOutputLock } from '../../src/io/output-lock.js';
import { CLI, runCli } from '../helpers/cli.js';
import { createBucket, exists, freePort, getObject, putRaw, motoClient, startCountingProxy, startMoto, TEST_CREDENTIALS, type CountingProxy, type Moto } from '../helpers/moto.js';
import { startServiceProcess } from '../helpers/service.js';
import { newsroomEntryText, newsroomStoryText, newsroomText } from '../helpers/newsroom.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';

const BUCKET = 'cli-feeds';

async function builtStory(cleanups: Array<() => Promise<void>>, storyExtra = '') {
  const folder = await tempFolder({
    'entries/_story.md': storyText(storyExtra),
    'entries/a.md': entryText({ slug: 'a', extra: 'tags: [talks]\n' }),
  });
  cleanups.push(folder.cleanup);
  const built = await runCli(['build', '--now', '2026-05-27T00:00:00Z'], { cwd: folder.dir });
  expect(built.code).toBe(0);
  return folder.dir;
}

/** One line on stderr, no stack trace. */
function plainSentence(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |Error:|internal error/);
  return lines[0]!;
}

describe.skipIf(skipWithout('moto_server'))(`storyfeed publish, storyfeed start --publish (moto_server)${withoutNote('moto_server')}`, () => {
  let moto: Moto;
  let strict: Moto;
  let client: S3Client;
  let proxy: CountingProxy;
  const cleanups: Array<() => Promise<void>> = [];
  let unavailable: Error | undefined;

  beforeAll(async () => {
    try {
      [moto, strict] = await Promise.all([startMoto(), startMoto({ auth: true })]);
      client = motoClient(moto.endpoint);
      await createBucket(client, BUCKET);
      proxy = await startCountingProxy(moto.endpoint, BUCKET);
    } catch (error) {
      // Under CI=true a missing moto_server fails every test here, by name, with the reason.
      unavailable = error as Error;
    }
  });
  beforeEach(() => {
    if (unavailable) throw unavailable;
  });
  afterAll(async () => {
    await proxy?.close();
    client?.destroy();
    await Promise.all([moto?.stop(), strict?.stop()]);
    await Promise.all(cleanups.map((c) => c()));
  });

  it('publishes, then has nothing to do: exit 0 both times', async () => {
    const dir = await builtStory(cleanups);
    const first = await runCli(['publish', '--to', `s3://${BUCKET}/cli/`, '--endpoint', moto.endpoint], { cwd: dir, env: TEST_CREDENTIALS });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^storyfeed publish: uploaded \d+ files \(\d+ bytes\), deleted 0; 0 unchanged; s3:\/\/cli-feeds\/cli\/ at http/);
    expect(await exists(client, BUCKET, 'cli/tags/talks/atom.xml')).toBe(true);
    const second = await runCli(['publish', '--to', `s3://${BUCKET}/cli/`], { cwd: dir, env: { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL_S3: moto.endpoint } });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^storyfeed publish: nothing to do; \d+ unchanged;/);
  });

  it('reads the output folder under the builders\' lock: a build writing it meanwhile is waited for, so its files never mix with the last build\'s (found from outside)', async () => {
    const dir = await builtStory(cleanups);
    const { lock } = await acquireOutputLock(path.join(dir, 'out'), { waitMs: 0 });
    let released = false;
    const publishing = runCli(['publish', '--to', `s3://${BUCKET}/locked/`, '--endpoint', moto.endpoint], { cwd: dir, env: TEST_CREDENTIALS }).then((r) => ({ ...r, afterRelease: released }));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await exists(client, BUCKET, 'locked/rss.xml')).toBe(false);
    released = true;
    await lock.release();
    const r = await publishing;
    expect([r.code, r.stderr, r.afterRelease]).toEqual([0, '', true]);
    expect(await exists(client, BUCKET, 'locked/rss.xml')).toBe(true);
  });

  it('Ctrl-C during the uploads stops them and lets the lease go: the next publish at once finishes the work (found from outside: refused for 60 s)', async () => {
    const files: Record<string, string> = { 'entries/_story.md': storyText() };
    for (let i = 0; i < 150; i += 1) files[`entries/e${i}.md`] = entryText({ slug: `e${i}`, extra: `tags: [t${i}]\n` });
    const folder = await tempFolder(files);
    cleanups.push(folder.cleanup);
    expect((await runCli(['build', '--now', '2026-05-27T00:00:00Z'], { cwd: folder.dir })).code).toBe(0);
    const mark = proxy.log.length;
    const child = spawn(process.execPath, [CLI, 'publish', '--to', `s3://${BUCKET}/interrupted/`, '--endpoint', proxy.endpoint], { cwd: folder.dir, env: { ...process.env, ...TEST_CREDENTIALS }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (!proxy.log.slice(mark).some((r) => r.method === 'PUT' && r.key.startsWith('interrupted/') && !r.key.includes('.storyfeed/'))) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    expect(await closed).toBe(2);
    expect(stderr).toMatch(/^storyfeed publish: stopped before it finished; the lease on s3:\/\/cli-feeds\/interrupted\/ at .* is let go/);
    const again = await runCli(['publish', '--to', `s3://${BUCKET}/interrupted/`, '--endpoint', moto.endpoint], { cwd: folder.dir, env: TEST_CREDENTIALS });
    expect([again.code, again.stderr]).toEqual([0, '']);
    expect(await exists(client, BUCKET, 'interrupted/rss.xml')).toBe(true);
  });

  it('an object it did not upload at a key it writes (a landing page) is refused, nothing changed; --force replaces it once, and it is storyfeed\'s after (found from outside)', async () => {
    const dir = await builtStory(cleanups);
    await putRaw(client, BUCKET, 'landing/index.html', '<h1>our landing page</h1>', 'text/html');
    const refused = await runCli(['publish', '--to', `s3://${BUCKET}/landing/`, '--endpoint', moto.endpoint], { cwd: dir, env: TEST_CREDENTIALS });
    expect(refused.code).toBe(2);
    expect(plainSentence(refused.stderr)).toMatch(/^storyfeed publish: 1 object under s3:\/\/cli-feeds\/landing\/ at .* that storyfeed did not upload would be replaced \(index\.html\); nothing was changed \(publish to another prefix, or add --force once to replace them\)$/);
    expect(await exists(client, BUCKET, 'landing/rss.xml')).toBe(false);
    const forced = await runCli(['publish', '--force', '--to', `s3://${BUCKET}/landing/`, '--endpoint', moto.endpoint], { cwd: dir, env: TEST_CREDENTIALS });
    expect([forced.code, forced.stderr]).toEqual([0, '']);
    expect(await exists(client, BUCKET, 'landing/rss.xml')).toBe(true);
    expect((await runCli(['publish', '--to', `s3://${BUCKET}/landing/`, '--endpoint', moto.endpoint], { cwd: dir, env: TEST_CREDENTIALS })).code).toBe(0);
  });

  it("a newsroom story with a ttl of its own: its objects carry it as Cache-Control, the rest the newsroom's, also after a patch run", async () => {
    const folder = await tempFolder({
      'entries/_newsroom.md': newsroomText('ttl: 30\n'),
      'entries/talks/_story.md': newsroomStoryText('talks'),
      // Newer than storm's: the newsroom feed (item_limit 3) holds these, so storm's edit is a patch run.
      ...Object.fromEntries(['a', 'b', 'c'].map((n, i) => [`entries/talks/${n}.md`, newsroomEntryText('talks', n, `2026-05-26T1${i + 1}:00:00Z`)])),
      'entries/storm/_story.md': newsroomStoryText('storm', 'ttl: 1\n'),
      'entries/storm/a.md': newsroomEntryText('storm', 'a', '2026-05-26T10:00:00Z'),
      // The newest of a story is on the front page: storm's edit is its older entry.
      'entries/storm/b.md': newsroomEntryText('storm', 'b', '2026-05-26T10:30:00Z'),
    });
    cleanups.push(folder.cleanup);
    const build = () => runCli(['build', '--now', '2026-05-27T00:00:00Z'], { cwd: folder.dir });
    expect((await build()).code).toBe(0);
    const publishTo = () => runCli(['publish', '--to', `s3://${BUCKET}/ttl/`, '--endpoint', moto.endpoint], { cwd: folder.dir, env: TEST_CREDENTIALS });
    expect((await publishTo()).code).toBe(0);
    const control = async (key: string) => (await getObject(client, BUCKET, `ttl/${key}`)).cacheControl;
    expect(await control('storm/rss.xml')).toBe('public, max-age=60, stale-while-revalidate=60');
    expect(await control('storm/index.html')).toBe('public, max-age=60, stale-while-revalidate=60');
    for (const key of ['talks/rss.xml', 'rss.xml', 'index.html']) expect(await control(key), key).toBe('public, max-age=1800, stale-while-revalidate=1800');
    // An edit is a patch run, which keeps the manifest's head: storm's next upload keeps its ttl.
    await writeFile(path.join(folder.dir, 'entries/storm/a.md'), newsroomEntryText('storm', 'a', '2026-05-26T10:00:00Z').replace('Body of storm a.', 'Body of storm a, edited.'));
    expect((await build()).stdout).toMatch(/patched \d+ of \d+ outputs in place/);
    const second = await publishTo();
    expect(second.stdout).not.toContain('nothing to do');
    expect(await control('storm/rss.xml')).toBe('public, max-age=60, stale-while-revalidate=60');
    expect((await getObject(client, BUCKET, 'ttl/storm/rss.xml')).body.toString()).toContain('edited');
    // `start --publish` uploads with the same rule.
    const service = await startServiceProcess(folder.dir, ['--publish', `s3://${BUCKET}/ttl-service/`, '--endpoint', moto.endpoint], TEST_CREDENTIALS);
    cleanups.push(async () => void (await service.stop()));
    expect(await service.waitFor((l) => l.event === 'publish')).toMatchObject({ ok: true });
    expect((await getObject(client, BUCKET, 'ttl-service/storm/rss.xml')).cacheControl).toBe('public, max-age=60, stale-while-revalidate=60');
    expect((await getObject(client, BUCKET, 'ttl-service/talks/rss.xml')).cacheControl).toBe('public, max-age=1800, stale-while-revalidate=1800');
  });

  it('`publish:` in _story.md is where both commands publish when no address is given', async () => {
    const dir = await builtStory(cleanups, `publish: s3://${BUCKET}/from-story\n`);
    const r = await runCli(['publish', '--endpoint', moto.endpoint], { cwd: dir, env: TEST_CREDENTIALS });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/; s3:\/\/cli-feeds\/from-story\/ at /);
    expect(await exists(client, BUCKET, 'from-story/rss.xml')).toBe(true);

    const other = await builtStory(cleanups, `publish: s3://${BUCKET}/service-from-story/\n`);
    const service = await startServiceProcess(other, ['--endpoint', moto.endpoint], TEST_CREDENTIALS);
    cleanups.push(async () => void (await service.stop()));
    expect(await service.waitFor((l) => l.event === 'publish')).toMatchObject({ ok: true, to: `s3://${BUCKET}/service-from-story/ at ${moto.endpoint}` });
    expect(await exists(client, BUCKET, 'service-from-story/rss.xml')).toBe(true);
  });

  it.each([
    ['a missing bucket', () => ['--to', 's3://no-such-bucket/x/', '--endpoint', moto.endpoint], {}, /^storyfeed publish: the bucket `no-such-bucket` does not exist \(s3:\/\/no-such-bucket\/x\/ at http:\/\/127\.0\.0\.1:\d+\); create it or fix --to$/],
    ['wrong credentials', () => ['--to', `s3://${BUCKET}/x/`, '--endpoint', strict.endpoint], { AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG0', AWS_SECRET_ACCESS_KEY: 'wrong' }, /^storyfeed publish: the credentials were refused by s3:\/\/cli-feeds\/x\/ at http:\/\/127\.0\.0\.1:\d+ \(InvalidAccessKeyId\); check AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY or the AWS profile$/],
    ['an endpoint nobody answers', async () => ['--to', `s3://${BUCKET}/x/`, '--endpoint', `http://127.0.0.1:${await freePort()}`], {}, /^storyfeed publish: cannot reach s3:\/\/cli-feeds\/x\/ at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) while trying to (read \.storyfeed\/publish\.json|list the prefix); check the endpoint and the network$/],
    ['no --to and no publish: in the story', () => [], {}, /^storyfeed publish: say where with --to s3:\/\/BUCKET\[\/PREFIX\/\]/],
    ['a --to that is no s3:// address', () => ['--to', 'https://example.org/'], {}, /^storyfeed publish: --to `https:\/\/example\.org\/` is not an s3:\/\/BUCKET\[\/PREFIX\/\] address; write e\.g\./],
  ] as const)('%s: exit 2 with one plain sentence', async (_name, args, env, sentence) => {
    const dir = await builtStory(cleanups);
    const r = await runCli(['publish', ...(await args())], { cwd: dir, env: { ...TEST_CREDENTIALS, ...env } });
    expect(r.code).toBe(2);
    if (sentence.source.includes('say where')) expect(r.stderr.split('\n')[0]).toMatch(sentence);
    else expect(plainSentence(r.stderr)).toMatch(sentence);
  });

  it('start --publish with an entry held back: a new development\'s page and tag feeds go out with the feeds that link to them, and publish of that folder is not called out of date (found from outside: the last clean run\'s manifest kept them out)', async () => {
    const dir = await builtStory(cleanups);
    const service = await startServiceProcess(dir, ['--publish', `s3://${BUCKET}/held/`, '--endpoint', moto.endpoint], TEST_CREDENTIALS);
    cleanups.push(async () => void (await service.stop()));
    await service.waitFor((l) => l.event === 'publish' && l['ok'] === true);
    const mark = service.logs.length;
    // One broken entry (held back) and one new development, with a tag of its own, at once.
    await writeFile(path.join(dir, 'entries', 'broken.md'), '---\ntitle: [unclosed\n---\nbody\n');
    await writeFile(path.join(dir, 'entries', 'b.md'), entryText({ slug: 'b', published: '2026-05-26T10:00:00Z', extra: 'tags: [only-b]\n' }));
    const build = await service.waitFor((l) => l.event === 'build' && Array.isArray(l['changed']) && (l['changed'] as string[]).includes('rss.xml'), { from: mark });
    expect(JSON.stringify(build['rejected'])).toContain('broken.md');
    await service.waitFor((l) => l.event === 'publish' && l['ok'] === true, { from: mark });
    expect((await getObject(client, BUCKET, 'held/rss.xml')).body.toString()).toContain('Development b');
    for (const key of ['held/b/index.html', 'held/tags/only-b/atom.xml', 'held/tags/only-b/index.html']) expect([key, await exists(client, BUCKET, key)]).toEqual([key, true]);
    // The CLI may publish the folder the service keeps (to another prefix): it is not out of date.
    const cli = await runCli(['publish', '--to', `s3://${BUCKET}/held-cli/`, '--endpoint', moto.endpoint], { cwd: dir, env: TEST_CREDENTIALS });
    expect([cli.code, cli.stderr]).toEqual([0, '']);
    expect(await exists(client, BUCKET, 'held-cli/b/index.html')).toBe(true);
  });

  it('start --publish on a newsroom whose story cannot compile at start-up: that story\'s last published files stay in the bucket while the others publish', async () => {
    const folder = await tempFolder({
      'entries/_newsroom.md': newsroomText(),
      'entries/talks/_story.md': newsroomStoryText('talks'),
      'entries/talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'),
      'entries/storm/_story.md': newsroomStoryText('storm'),
      'entries/storm/a.md': newsroomEntryText('storm', 'a', '2026-05-26T10:00:00Z'),
    });
    cleanups.push(folder.cleanup);
    expect((await runCli(['build'], { cwd: folder.dir })).code).toBe(0);
    // A fault before the service starts: storm's settings break, and the service has no last good version of them.
    await writeFile(path.join(folder.dir, 'entries/storm/_story.md'), '---\ntitle: [unclosed\n---\n');
    await writeFile(path.join(folder.dir, 'entries/talks/b.md'), newsroomEntryText('talks', 'b', '2026-05-27T09:00:00Z'));
    const service = await startServiceProcess(folder.dir, ['--publish', `s3://${BUCKET}/left-out/`, '--endpoint', moto.endpoint], TEST_CREDENTIALS);
    cleanups.push(async () => void (await service.stop()));
    const published = await service.waitFor((l) => l.event === 'publish');
    expect(published['ok']).toBe(true);
    expect((await getObject(client, BUCKET, 'left-out/talks/atom.xml')).body.toString()).toContain('talks b');
    for (const key of ['left-out/storm/atom.xml', 'left-out/storm/index.html', 'left-out/storm/a/index.html']) expect([key, await exists(client, BUCKET, key)]).toEqual([key, true]);
  });

  it('start --publish: publishes after the first run and after a change; a failure is logged, retried, and never stops the builds', async () => {
    const dir = await builtStory(cleanups);
    const service = await startServiceProcess(dir, ['--publish', `s3://${BUCKET}/service/`, '--endpoint', proxy.endpoint], TEST_CREDENTIALS);
    cleanups.push(async () => void (await service.stop()));
    const first = await service.waitFor((l) => l.event === 'publish');
    expect(first).toMatchObject({ ok: true, to: `s3://${BUCKET}/service/ at ${proxy.endpoint}`, deleted: 0 });
    expect(first['uploaded']).toBeGreaterThan(0);

    // The storage goes away: the next run still builds and serves; the publish fails and is retried.
    proxy.down = true;
    let mark = service.logs.length;
    await writeFile(path.join(dir, 'entries', 'b.md'), entryText({ slug: 'b', published: '2026-05-26T10:00:00Z', extra: 'tags: [talks]\n' }));
    const build = await service.waitFor((l) => l.event === 'build' && l['ok'] === true && (l['changed'] as string[]).length > 0, { from: mark });
    expect(build['changed']).toContain('rss.xml');
    const failed = await service.waitFor((l) => l.event === 'publish', { from: mark });
    expect(failed).toMatchObject({ ok: false, attempt: 1 });
    expect(String(failed['error'])).toMatch(/^cannot reach s3:\/\/cli-feeds\/service\/ at .* \(.+\) while trying to .*; check the endpoint and the network$/);
    expect(failed['retry_in_ms']).toBe(2000);
    const served = await fetch(`${service.url}rss.xml`);
    expect(await served.text()).toContain('Development b');

    mark = service.logs.length;
    proxy.down = false;
    const recovered = await service.waitFor((l) => l.event === 'publish' && l['ok'] === true, { from: mark, timeoutMs: 30_000 });
    expect(recovered['uploaded']).toBeGreaterThan(0);
    expect(await exists(client, BUCKET, 'service/rss.xml')).toBe(true);
    const { body } = await import('../helpers/moto.js').then((m) => m.getObject(client, BUCKET, 'service/rss.xml'));
    expect(body.toString()).toContain('Development b');
  });
});
