// Where `storyfeed publish` and `publish:` in _story.md send the output folder: an
// `s3://BUCKET[/PREFIX/]` address. Pure, so that the story's front matter is checked with the
// rest of the entries and the CLI flag with the same words.

export interface PublishTarget {
  readonly bucket: string;
  /** '' or a key prefix ending with '/'. */
  readonly prefix: string;
}

// Amazon S3 "General purpose bucket naming rules": 3–63 characters, lowercase letters, digits,
// dots and hyphens, starting and ending with a letter or digit. S3-compatible stores accept a
// superset; the common ground keeps one story portable between them.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parsePublishTarget(text: string): { ok: true; target: PublishTarget } | { ok: false; problem: string } {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(text);
  if (!m) return { ok: false, problem: `\`${text}\` is not an s3://BUCKET[/PREFIX/] address` };
  const bucket = m[1]!;
  if (!BUCKET.test(bucket) || bucket.includes('..')) return { ok: false, problem: `\`${bucket}\` is not a valid bucket name (3–63 lowercase letters, digits, dots and hyphens)` };
  let prefix = m[2] ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  // Keys are joined to file paths: an empty, `.` or `..` segment would name another folder.
  if (prefix !== '' && prefix.slice(0, -1).split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return { ok: false, problem: `the prefix \`${prefix}\` has an empty, \`.\` or \`..\` segment` };
  }
  return { ok: true, target: { bucket, prefix } };
}

export function formatPublishTarget(target: PublishTarget): string {
  return `s3://${target.bucket}/${target.prefix}`;
}
