/**
 * One writer of the relation folders at a time: the daemon's periodic pass and an
 * operator's `relation write` may run together. The lock file holds the writer's pid;
 * a lock whose process is gone is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOCK_FILE } from './paths';
import { processAlive } from '../store/lock';

export class RelationBusyError extends Error {
  constructor(readonly pid: number) {
    super(`Another process (pid ${pid}) is writing the relation files.`);
    this.name = 'RelationBusyError';
  }
}


function tryTake(file: string): number | undefined {
  try {
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      fs.writeSync(fd, `${process.pid}\n`);
    } finally {
      fs.closeSync(fd);
    }
    return undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let pid = NaN;
  try {
    pid = parseInt(fs.readFileSync(file, 'utf8'), 10);
  } catch {
    /* removed meanwhile, or not written yet */
  }
  if (Number.isFinite(pid) && pid !== process.pid && !processAlive(pid)) {
    fs.rmSync(file, { force: true });
    return tryTake(file);
  }
  return Number.isFinite(pid) ? pid : -1;
}

/** Runs fn holding the lock in `dir`, waiting up to waitMs for another holder. */
export async function withRelationLock<T>(dir: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const file = path.join(dir, LOCK_FILE);
  // Counted in polls, not read from a clock: this waits for another process, it is no domain time.
  for (let polls = Math.ceil(waitMs / 100); ; polls--) {
    const holder = tryTake(file);
    if (holder === undefined) break;
    if (polls <= 0) throw new RelationBusyError(holder);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
