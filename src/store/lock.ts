/**
 * One daemon per data folder. The lock file holds the owner's pid; a lock whose pid
 * is gone (the owner was killed) is taken over, so a SIGKILL never leaves the folder
 * unusable.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A second daemon on a folder that another one holds. */
export class DataFolderLockedError extends Error {
  constructor(message: string, readonly pid?: number) {
    super(message);
    this.name = 'DataFolderLockedError';
  }
}

export interface DataLock {
  release(): void;
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireDataLock(dataDir: string, owner = 'vvol-provider'): DataLock {
  const file = path.join(dataDir, 'provider.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n${owner}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return {
        release() {
          try {
            const pid = parseInt(fs.readFileSync(file, 'utf8'), 10);
            if (pid === process.pid) fs.unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isFinite(pid) && pid !== process.pid && processAlive(pid)) {
        throw new DataFolderLockedError(
          `Another provider (pid ${pid}) is already running on the data folder ${dataDir}. Stop it first, or start this one with a different VASA_PROVIDER_DATA.`,
          pid,
        );
      }
      // A stale lock from a process that no longer exists: take it over.
      fs.rmSync(file, { force: true });
    }
  }
  throw new DataFolderLockedError(`Could not take the lock file ${file}.`);
}
