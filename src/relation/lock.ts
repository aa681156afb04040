/**
 * One writer of the relation folders at a time: the daemon's periodic pass and an
 * operator's `relation write` may run together. The lock is the OS's, on the folder;
 * the .lock file only names the holder's pid for the message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOCK_FILE } from './paths';
import { releaseFolder, tryLockFolder } from '../store/lock';

export class RelationBusyError extends Error {
  constructor(readonly pid: number) {
    super(`Another process (pid ${pid}) is writing the relation files.`);
    this.name = 'RelationBusyError';
  }
}


/**
 * Takes the OS lock on the relation folder (see store/lock.ts: a killed writer holds
 * nothing; deleting the note admits no one), then writes the note naming the holder.
 * Returns the descriptor, or the noted holder's pid (-1 when unknown) while another
 * process holds it.
 */
function tryTake(dir: string, file: string): { fd: number } | { holder: number } {
  const fd = tryLockFolder(dir);
  if (fd === undefined) {
    let pid = NaN;
    try {
      pid = parseInt(fs.readFileSync(file, 'utf8'), 10);
    } catch {
      /* not written yet, or removed */
    }
    return { holder: Number.isFinite(pid) ? pid : -1 };
  }
  fs.writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return { fd };
}

/** Runs fn holding the lock in `dir`, waiting up to waitMs for another holder. */
export async function withRelationLock<T>(dir: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const file = path.join(dir, LOCK_FILE);
  let fd: number;
  // Counted in polls, not read from a clock: this waits for another process, it is no domain time.
  for (let polls = Math.ceil(waitMs / 100); ; polls--) {
    const r = tryTake(dir, file);
    if ('fd' in r) {
      fd = r.fd;
      break;
    }
    if (polls <= 0) throw new RelationBusyError(r.holder);
    await new Promise((res) => setTimeout(res, 100));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
    releaseFolder(fd);
  }
}
