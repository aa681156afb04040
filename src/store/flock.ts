/**
 * flock(2), the one way this project takes OS locks (the data folder, the relation
 * writer's folder, the image store's gc.lock and staging folders). Node has none: fs-ext
 * provides it, a native addon that must not be loaded by more than one thread over a
 * process's life (a second thread loading it kills the process: its init resets
 * process-global V8 handles, reproduced on Node 20). So it is loaded here, on the main
 * thread only, at the first lock. A worker thread that needs locks registers a delegate
 * (the image store's worker asks the main thread: flocks belong to the process's open
 * files, so the main thread locking a descriptor the worker opened is that descriptor's
 * lock); any other worker thread gets a clean error instead of a crashed process.
 */
import { isMainThread } from 'node:worker_threads';

export type FlockMode = 'sh' | 'ex' | 'shnb' | 'exnb' | 'un';
type Flock = (fd: number, mode: FlockMode) => void;

let native: Flock | undefined;
let delegate: Flock | undefined;

export function flockSync(fd: number, mode: FlockMode): void {
  if (!isMainThread) {
    if (!delegate) throw new Error('flock is taken on the main thread only (fs-ext cannot be loaded by a second thread), and this worker thread has no delegate for it');
    return delegate(fd, mode);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  native ??= (require('fs-ext') as { flockSync: Flock }).flockSync;
  native(fd, mode);
}

/** A worker thread's way to lock: every flockSync of this thread goes to `fn`. */
export function delegateFlock(fn: Flock): void {
  if (isMainThread) throw new Error('the main thread locks through fs-ext itself');
  delegate = fn;
}
