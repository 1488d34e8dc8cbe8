import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every file below `dir`, as relative paths with forward slashes, sorted. */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.isDirectory()) out.push(...(await listFiles(path.join(dir, d.name), `${prefix}${d.name}/`)));
    else out.push(`${prefix}${d.name}`);
  }
  return out.sort();
}
