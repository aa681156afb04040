/**
 * Who has the store open, so that a write-ahead log deleted or damaged after an
 * unclean stop is noticed instead of silently dropping acknowledged transactions.
 *
 * Why markers: SQLite deletes the WAL when the last connection closes cleanly (it has
 * checkpointed everything into the store first), and makes a new empty one when a
 * connection opens and finds none. So "no WAL" is normal after a clean close and a
 * loss after a crash, and SQLite cannot tell the two apart. Every writable open leaves
 * one marker file in <data>/vvol-provider.db.open/ (named <pid>.<start time>.<n>, 0600,
 * fsynced when the store runs synchronous FULL) and removes it when it closes cleanly.
 * One file per open, not one shared file: each process only creates and removes its
 * own, so no read-modify-write needs a lock (the daemon and the CLI open the store at
 * the same time).
 *
 * At open, before SQLite sees the WAL: markers of processes that are gone (killed;
 * zombies count as gone) with no live opener left mean the last connection did not
 * close, so its committed work may still sit in the WAL; the WAL must then be there and
 * verify (wal.ts). If it does, SQLite recovers it and the new opener takes the dead
 * markers over (its own marker now stands for that work until it closes cleanly). When
 * a live opener is present, it is the one responsible and nothing is checked. A clean
 * close that finds the WAL gone afterwards (it, or another connection closing at the
 * same time, checkpointed everything) also removes the markers of openers that died
 * while it was open. So the CLI recovering a SIGKILLed daemon's WAL is no false alarm.
 */
import fs from 'node:fs';
import path from 'node:path';
import { processAlive, processStartTime } from './lock';
import { inspectWal, WalState } from './wal';
import { DATA_NAMES } from '../sys/layout';

export interface Opener {
  pid: number;
  startTime?: string;
  /** What the marker says the process was (the script it ran), for messages. */
  program?: string;
  file: string;
}

/** An open that went wrong before the store reached SQLite: the opener that did not close and what became of the WAL. */
export interface LostWal {
  opener: Opener;
  wal: Extract<WalState, { state: 'missing' } | { state: 'damaged' }>;
}

const NAME = /^(\d+)\.(\d*)\.\d+$/;
let opens = 0;

export function markerDir(storeFile: string): string {
  return path.join(path.dirname(storeFile), DATA_NAMES.storeOpenMarkers);
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function listOpeners(storeFile: string): Opener[] {
  const dir = markerDir(storeFile);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: Opener[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    let program: string | undefined;
    try {
      program = (JSON.parse(fs.readFileSync(file, 'utf8')) as { program?: unknown }).program as string | undefined;
    } catch {
      /* written half-way or removed meanwhile: the name says enough */
    }
    out.push({ pid: Number(m[1]), startTime: m[2] || undefined, program: typeof program === 'string' ? program : undefined, file });
  }
  return out;
}

const gone = (o: Opener) => !processAlive(o.pid, o.startTime);

/**
 * Checks, before SQLite opens the store, that an unclean stop did not leave its WAL
 * deleted or damaged. Returns the dead openers to take over after the open, or the
 * loss. A failed check is looked at again when the markers changed meanwhile (a
 * concurrent opener registered, or a clean close tidied up), so a race with another
 * opener is no false alarm.
 */
export function checkOpeners(storeFile: string): { dead: Opener[]; lost?: LostWal } {
  let before = listOpeners(storeFile);
  for (let attempt = 0; ; attempt++) {
    const dead = before.filter(gone);
    if (!dead.length || dead.length < before.length) return { dead };
    const wal = inspectWal(`${storeFile}-wal`);
    if (wal.state !== 'missing' && wal.state !== 'damaged') return { dead };
    const after = listOpeners(storeFile);
    const same = after.length === before.length && after.every((o) => before.some((b) => b.file === o.file));
    if (same || attempt >= 3) return { dead, lost: { opener: dead[0], wal } };
    before = after;
  }
}

/** One open's marker; `close` removes it (and, when the WAL is gone, the markers of openers that died meanwhile). */
export class OpenMarker {
  private constructor(readonly file: string, private readonly storeFile: string, private readonly durable: boolean) {}

  static create(storeFile: string, durable: boolean): OpenMarker {
    const dir = markerDir(storeFile);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${process.pid}.${processStartTime(process.pid) ?? ''}.${++opens}`);
    const fd = fs.openSync(file, 'w', 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify({ pid: process.pid, program: path.basename(process.argv[1] ?? process.argv0) })}\n`);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // Without synchronous FULL the store itself only survives a process kill, which the
    // page cache does too: the marker needs no fsync then.
    if (durable) fsyncDir(dir);
    return new OpenMarker(file, storeFile, durable);
  }

  /** Removes the markers of dead openers whose work this open has taken over. */
  takeOver(dead: Opener[]): void {
    for (const o of dead) fs.rmSync(o.file, { force: true });
  }

  /** After SQLite closed the connection cleanly. */
  close(): void {
    if (!fs.existsSync(`${this.storeFile}-wal`)) this.takeOver(listOpeners(this.storeFile).filter(gone));
    fs.rmSync(this.file, { force: true });
    if (this.durable) fsyncDir(markerDir(this.storeFile));
  }
}
