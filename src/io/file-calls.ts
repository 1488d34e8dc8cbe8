// The writer's file calls, made the cheap way (issue 17). A promise call (fs/promises) is a round
// trip through libuv's thread pool: a futex wake-up there and an eventfd write back, which on this
// kind of virtual machine cost more than the call itself (strace of a cold 10,000-entry newsroom
// build: 371,360 futex calls and 98,502 epoll waits for ~110,000 file calls). Calls that the page
// cache answers at once (open, write, close, rename, link, mkdir) are made synchronously; only
// fsync, which waits on the disk, goes to the pool, so that several are in flight while this
// thread renders the next documents. The build runs on a thread of its own in the service.

import { closeSync, fsync, openSync, writevSync } from 'node:fs';

/** fsync a descriptor on the thread pool: the one call here that waits on the disk. */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** Write the buffers to a new file (`wx`: never an existing one), fsynced when `durable`. */
export async function writeNewFile(file: string, contents: readonly Uint8Array[], length: number, durable: boolean): Promise<void> {
  const fd = openSync(file, 'wx', 0o644);
  try {
    // libuv writes every buffer (in IOV_MAX chunks, retrying short writes); say so if it did not.
    const wrote = contents.length === 0 ? 0 : writevSync(fd, contents as Uint8Array[]);
    if (wrote !== length) throw new Error(`short write to ${file}: ${wrote} of ${length} bytes`);
    if (durable) await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a folder, so that the renames and removals in it survive a power loss (best effort: not every platform allows it). */
export async function syncFolder(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    await fsyncFd(fd);
  } catch {
    // best effort
  } finally {
    closeSync(fd);
  }
}
