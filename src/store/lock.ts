/**
 * One daemon per data folder, held by an OS lock: flock(LOCK_EX) on a descriptor of
 * the data folder itself (opened read-only), kept open as long as the daemon runs. The
 * kernel drops the lock when the descriptor closes, so a killed daemon, reaped or still
 * a zombie, holds nothing and the next start takes the folder at once; and since the
 * lock is on the folder, not on a file in it, deleting a file cannot admit a second
 * daemon. Node has no flock: fs-ext provides it (a small native addon).
 *
 * provider.lock is only a note for humans and `vvolctl status`: the holder's pid,
 * program and start time, written after the lock is taken and removed before it is
 * released. Nothing decides on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATA_NAMES } from '../sys/layout';

import { flockSync } from './flock';

export const LOCK_FILE = DATA_NAMES.lockNote;

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

/** /proc/<pid>/stat fields after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The start time of a process (clock ticks since boot) where /proc tells it. */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/**
 * Whether a process with this pid exists (EPERM: it exists but is not ours), is not a
 * zombie (a killed process its parent has not reaped yet: it runs nothing and holds no
 * descriptor), and, when a start time is given and /proc can tell, is the same process
 * that recorded it (pids are reused).
 */
export function processAlive(pid: number, startTime?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const fields = statFields(pid);
  if (!fields) return true; // no /proc: kill(0) is all we know
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return !startTime || fields[19] === startTime;
}

const wouldBlock = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
};

/** The pid the lock note names, when it names one. */
function notedPid(file: string): number | undefined {
  try {
    const pid = parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function writeNote(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Pauses the thread; start-up only (see acquireDataLock). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the data folder for this process or throws DataFolderLockedError. A refusal is
 * tried again for a moment: `dataFolderHolder` (status) holds a shared lock for the
 * instant of its probe, which must not turn away a daemon starting just then.
 */
export function acquireDataLock(dataDir: string, owner = 'vvol-provider'): DataLock {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  const fd = fs.openSync(dataDir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        flockSync(fd, 'exnb');
        break;
      } catch (e) {
        if (!wouldBlock(e)) throw e;
        if (attempt >= 10) {
          const pid = notedPid(file);
          throw new DataFolderLockedError(
            `Another provider${pid ? ` (pid ${pid})` : ''} is already running on the data folder ${dataDir}: it holds the folder's lock. Stop it first, or start this one with a different VASA_PROVIDER_DATA.`,
            pid,
          );
        }
        pause(50);
      }
    }
    writeNote(file, `${process.pid}\n${owner}\n${processStartTime(process.pid) ?? ''}\n`);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      // The note goes first: once unlocked, the next daemon writes its own.
      if (notedPid(file) === process.pid) fs.rmSync(file, { force: true });
      fs.closeSync(fd); // closing the descriptor releases the lock
    },
  };
}

/**
 * Whether a daemon holds the data folder, asked of the OS lock (not of the note), and
 * the pid the note names. Holds a shared lock for the instant of the probe.
 */
export function dataFolderHolder(dataDir: string): { held: boolean; pid?: number } {
  let fd: number;
  try {
    fd = fs.openSync(dataDir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch {
    return { held: false };
  }
  try {
    flockSync(fd, 'shnb');
    return { held: false };
  } catch (e) {
    if (!wouldBlock(e)) throw e;
    return { held: true, pid: notedPid(path.join(dataDir, LOCK_FILE)) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A non-blocking OS lock on a folder (flock LOCK_EX on a read-only descriptor of it):
 * the descriptor when taken (close it, or call releaseFolder, to release), undefined
 * while another process holds it. For folders other than the data folder (the relation
 * files' writer).
 */
export function tryLockFolder(dir: string): number | undefined {
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

export function releaseFolder(fd: number): void {
  fs.closeSync(fd);
}
