/**
 * One daemon per data folder. The lock file holds the owner's pid and that process's
 * start time (Linux /proc), so a lock whose owner is gone (killed) is recognised even
 * when its pid was reused by another process, and is taken over: a SIGKILL never
 * leaves the folder unusable. Taking over a stale lock goes through a claim file
 * created exclusively per dead pid, so two daemons starting at once cannot both win.
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

/** The start time of a process (clock ticks since boot) where /proc tells it. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether a process with this pid exists (EPERM: it exists but is not ours) and, when
 * a start time is given and /proc can tell, is the same process that recorded it.
 */
export function processAlive(pid: number, startTime?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!startTime) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}

interface LockContent {
  pid: number;
  startTime?: string;
}

function readLock(file: string): LockContent | undefined {
  try {
    const [pid, , start] = fs.readFileSync(file, 'utf8').split('\n');
    return { pid: parseInt(pid, 10), startTime: start || undefined };
  } catch {
    return undefined;
  }
}

function writeExclusive(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function acquireDataLock(dataDir: string, owner = 'vvol-provider'): DataLock {
  const file = path.join(dataDir, 'provider.lock');
  const mine = `${process.pid}\n${owner}\n${processStartTime(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeExclusive(file, mine);
      return {
        release() {
          if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = readLock(file);
    if (!held) continue; // removed meanwhile: try again
    if (Number.isFinite(held.pid) && held.pid !== process.pid && processAlive(held.pid, held.startTime)) {
      throw new DataFolderLockedError(
        `Another provider (pid ${held.pid}) is already running on the data folder ${dataDir}. Stop it first, or start this one with a different VASA_PROVIDER_DATA.`,
        held.pid,
      );
    }
    // A stale lock: only the process that creates the claim for this dead pid removes it.
    const claim = `${file}.takeover-${held.pid}`;
    try {
      writeExclusive(claim, `${process.pid}\n`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const claimer = readLock(claim);
      if (claimer && processAlive(claimer.pid)) continue; // someone else is taking it over
      fs.rmSync(claim, { force: true }); // a claimer that died half-way
      continue;
    }
    try {
      if (readLock(file)?.pid === held.pid) fs.rmSync(file, { force: true });
    } finally {
      fs.rmSync(claim, { force: true });
    }
  }
  throw new DataFolderLockedError(`Could not take the lock file ${file}; another provider may be starting on ${dataDir}.`);
}
