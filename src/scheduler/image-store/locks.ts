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

import { flockSync } from '../../store/flock';

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

/** A staging folder's lock: the one non-blocking folder lock of the store room (flock on a read-only descriptor). */
export { tryLockFolder as tryLockDir, releaseFolder as unlockDir } from '../../store/lock';
