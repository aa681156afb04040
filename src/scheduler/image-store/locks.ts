/**
 * The two OS locks of the image store, both flock(2) (fs-ext, as src/store/lock.ts uses
 * it), so the kernel drops them when their holder dies, however it dies:
 *
 * - gc.lock: a sweep holds it exclusively from its first look to its last unlink; a
 *   writer holds it shared while it commits (checks its chunks, fsyncs, links its
 *   manifest). So a commit never meets a sweep half-way, while writers commit side by side.
 * - each staging folder: its writer holds it exclusively for its whole life. open()
 *   cleans only staging folders it can lock itself, that is, the ones whose writer is
 *   gone (killed, or its process ended without commit or abort); a writer alive in
 *   another process, another thread or another ImageStore of this thread is left alone.
 */
import fs from 'node:fs';

// fs-ext ships no types; this is the one function used, as its README documents it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { flockSync } = require('fs-ext') as { flockSync(fd: number, flags: 'sh' | 'ex' | 'shnb' | 'exnb' | 'un'): void };

const wouldBlock = (e: unknown) => {
  const c = (e as NodeJS.ErrnoException).code;
  return c === 'EAGAIN' || c === 'EWOULDBLOCK';
};

/** Runs `fn` holding gc.lock (waits for it), shared or exclusive. */
export function withStoreLock<T>(lockFile: string, mode: 'sh' | 'ex', fn: () => T): T {
  const fd = fs.openSync(lockFile, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    flockSync(fd, mode);
    return fn();
  } finally {
    fs.closeSync(fd); // releases the lock
  }
}

/** Locks a folder exclusively without waiting: the descriptor holding it, or undefined when another holds it. */
export function tryLockDir(dir: string): number | undefined {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    flockSync(fd, 'exnb');
    return fd;
  } catch (e) {
    fs.closeSync(fd);
    if (wouldBlock(e)) return undefined;
    throw e;
  }
}

export function unlockDir(fd: number): void {
  fs.closeSync(fd);
}
