/**
 * Garbage: chunks no image needs any more, found by reading what refers to chunks, not
 * by keeping counts. A chunk is alive while a manifest in images/ or the refs file of
 * a staging folder names it (every 64-hex-digit run in them counts). Counts kept in a
 * file could drift from the manifests after a crash; the manifests cannot drift from
 * themselves.
 *
 * A sweep is given candidates (the chunks of a deleted or aborted image, the refs of a
 * dead staging folder, or every chunk for a full gc) and runs under gc.lock held
 * exclusively, in two phases, so that a writer that is not locked out (putChunk takes
 * no lock) never loses a chunk it has just found in the store:
 *
 *   1. drop the candidates something names; move the rest to trash/chunks/;
 *   2. read the refs files and manifests again, move back what is named now, unlink the rest.
 *
 * A writer appends a hash to its refs file before it looks the chunk up, so a writer
 * that found a chunk before phase 1 moved it is seen by phase 2's second reading, and
 * one that looks after the move finds it missing and writes it again. Refs files are
 * read before manifests, so an image that commits (manifest linked, then staging
 * removed) during a reading is seen in one or the other. A sweep killed half-way leaves
 * chunks in trash/: the next sweep judges them first, and a commit moves back any of its
 * own it finds there (writer.ts).
 *
 * A manifest that is damaged may no longer name every chunk its image had, so while
 * one is (its hash does not match), a sweep removes nothing: it reports the image in
 * heldBy and keeps its candidates in trash/pending/ for the next sweep, after the image
 * is deleted (or its manifest put back).
 *
 * Cost: a sweep reads every manifest once or twice (stopping early once no candidate is
 * left), proportional to the number of images, with a set of hashes in memory, no index.
 * A manifest found whole is not parsed again by this thread while its file is unchanged.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync } from '../../sys/atomic-file';
import { chunkDir, chunkPath, FANOUT, HASH_RULE, imageIdOf, STAGING_REFS, StoreLayout } from './layout';
import { tryLockDir, unlockDir, withStoreLock } from './locks';
import { hashesIn, parseManifest } from './manifest';

export interface SweepResult {
  /** Chunk files removed and their bytes. */
  chunks: number;
  bytes: number;
  /** Images whose manifest is damaged: while there is one, a sweep removes nothing. */
  heldBy: string[];
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw e;
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (e) {
    // Gone meanwhile (a writer committed or aborted), or not a file: it names nothing.
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR' || code(e) === 'EISDIR') return undefined;
    throw e;
  }
}

/** Manifests this thread found whole, by path: the file's identity then (inode, size, mtime). */
const foundWhole = new Map<string, string>();

/** A manifest's text; its image id goes into `damaged` when it is not whole. */
function manifestText(file: string, name: string, damaged: string[]): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    const text = fs.readFileSync(fd, 'utf8');
    const id = imageIdOf(name);
    if (id === undefined) return text; // not a manifest name: its hashes still count
    const seen = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (foundWhole.get(file) !== seen) {
      if (parseManifest(text, id).ok) foundWhole.set(file, seen);
      else {
        foundWhole.delete(file);
        damaged.push(id);
      }
    }
    return text;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The members of `hashes` that a staging refs file (but those of `ignore`) or a
 * manifest names, and the damaged manifests met on the way. Stops reading once every
 * member is named (then nothing is to be removed, and `damaged` may be incomplete).
 */
function named(l: StoreLayout, hashes: ReadonlySet<string>, ignore: ReadonlySet<string>): { found: Set<string>; damaged: string[] } {
  const found = new Set<string>();
  const damaged: string[] = [];
  const visit = (text: string | undefined): boolean => {
    if (text !== undefined) for (const m of hashesIn(text)) if (hashes.has(m[0])) found.add(m[0]);
    return found.size === hashes.size;
  };
  for (const name of listDir(l.staging)) {
    if (!ignore.has(name) && visit(readText(path.join(l.staging, name, STAGING_REFS)))) return { found, damaged };
  }
  for (const name of listDir(l.images)) {
    if (visit(manifestText(path.join(l.images, name), name, damaged))) return { found, damaged };
  }
  return { found, damaged };
}

/**
 * Removes the candidates nothing names (and judges what an earlier sweep left in
 * trash/chunks/). The caller holds gc.lock exclusively. `ignore`: staging folders whose
 * refs do not count (the writer aborting, dead writers being cleaned).
 */
function sweep(l: StoreLayout, candidates: Iterable<string>, ignore: ReadonlySet<string> = new Set()): SweepResult {
  const trashed = new Set<string>();
  for (const name of listDir(l.trashChunks)) {
    if (HASH_RULE.test(name)) trashed.add(name);
    else fs.rmSync(path.join(l.trashChunks, name), { force: true, recursive: true });
  }
  const wanted = new Set<string>();
  for (const h of candidates) if (HASH_RULE.test(h) && !trashed.has(h)) wanted.add(h);
  if (wanted.size > 0) {
    const alive = named(l, wanted, ignore).found;
    for (const h of wanted) {
      if (alive.has(h)) continue;
      try {
        fs.renameSync(chunkPath(l, h), path.join(l.trashChunks, h));
        trashed.add(h);
      } catch (e) {
        if (code(e) !== 'ENOENT') throw e;
      }
    }
  }
  const res: SweepResult = { chunks: 0, bytes: 0, heldBy: [] };
  if (trashed.size === 0) return res;
  const { found: keep, damaged } = named(l, trashed, ignore);
  res.heldBy = damaged.sort();
  const restoredDirs = new Set<string>();
  for (const h of trashed) {
    const t = path.join(l.trashChunks, h);
    if (keep.has(h) || damaged.length > 0) {
      fs.renameSync(t, chunkPath(l, h));
      restoredDirs.add(chunkDir(l, h));
    } else {
      const size = fs.statSync(t, { throwIfNoEntry: false })?.size ?? 0;
      fs.rmSync(t, { force: true });
      res.chunks++;
      res.bytes += size;
    }
  }
  for (const d of restoredDirs) fsyncDirSync(d);
  return res;
}

/**
 * A sweep of `candidates` and of every chunk that trash/pending/ names; the pending
 * files go once the sweep was not held back. The caller holds gc.lock exclusively.
 */
function sweepWithPending(l: StoreLayout, candidates: Iterable<string>, ignore: ReadonlySet<string> = new Set()): SweepResult {
  const pending = listDir(l.pending).map((n) => path.join(l.pending, n));
  const all = [...candidates];
  for (const p of pending) for (const m of hashesIn(readText(p) ?? '')) all.push(m[0]);
  const r = sweep(l, all, ignore);
  if (r.heldBy.length === 0) for (const p of pending) fs.rmSync(p, { force: true, recursive: true });
  return r;
}

const tag = () => crypto.randomBytes(4).toString('hex');

/** Every chunk file's hash (for a full gc and for usage). */
export function* chunkFiles(l: StoreLayout): Generator<{ hash: string; file: string }> {
  for (const fan of FANOUT) {
    const dir = path.join(l.chunks, fan);
    for (const name of listDir(dir)) if (HASH_RULE.test(name)) yield { hash: name, file: path.join(dir, name) };
  }
}

/** A full gc: every chunk file is a candidate. */
export function collectGarbage(l: StoreLayout): SweepResult {
  return withStoreLock(l.gcLock, 'ex', () => sweepWithPending(l, [...chunkFiles(l)].map((c) => c.hash)));
}

/**
 * Removes a committed image: its manifest is moved to trash/pending/ (so a crash right
 * after still knows which chunks to judge), then its chunks are swept. False when there
 * was no such image.
 */
export function removeImage(l: StoreLayout, manifestFile: string, imageId: string): boolean {
  return withStoreLock(l.gcLock, 'ex', () => {
    try {
      fs.renameSync(manifestFile, path.join(l.pending, `${imageId}.${tag()}.json`));
    } catch (e) {
      if (code(e) === 'ENOENT') return false;
      throw e;
    }
    fsyncDirSync(path.dirname(manifestFile));
    sweepWithPending(l, []);
    return true;
  });
}

/** Sweeps these candidates (and what is pending), taking gc.lock; `ignore` as for sweep. */
export function sweepCandidates(l: StoreLayout, candidates: Iterable<string>, ignore: ReadonlySet<string> = new Set()): SweepResult {
  return withStoreLock(l.gcLock, 'ex', () => sweepWithPending(l, candidates, ignore));
}

/** After an abort: sweeps what the writer named; if the sweep is held back, its refs wait in trash/pending/. */
export function sweepAborted(l: StoreLayout, stagingName: string, refsFile: string, refs: Iterable<string>): SweepResult {
  return withStoreLock(l.gcLock, 'ex', () => {
    const r = sweepWithPending(l, refs, new Set([stagingName]));
    if (r.heldBy.length > 0) fs.renameSync(refsFile, path.join(l.pending, `${stagingName}.refs`));
    return r;
  });
}

export interface RecoveryResult extends SweepResult {
  /** Staging folders of dead writers removed. */
  staging: number;
}

/**
 * What open() does: removes the staging folders of dead writers (those it can lock),
 * finishes deletions and sweeps a crash interrupted, and sweeps the chunks all of those
 * named. Live writers are left alone.
 */
export function recover(l: StoreLayout): RecoveryResult {
  return withStoreLock(l.gcLock, 'ex', () => {
    const dead: { name: string; dir: string; fd: number }[] = [];
    const candidates: string[] = [];
    try {
      for (const name of listDir(l.staging)) {
        const dir = path.join(l.staging, name);
        if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
          fs.rmSync(dir, { force: true });
          continue;
        }
        const fd = tryLockDir(dir);
        if (fd === undefined) continue; // its writer is alive
        dead.push({ name, dir, fd });
        for (const m of hashesIn(readText(path.join(dir, STAGING_REFS)) ?? '')) candidates.push(m[0]);
      }
      const r = sweepWithPending(l, candidates, new Set(dead.map((d) => d.name)));
      for (const d of dead) {
        if (r.heldBy.length > 0) {
          // Held back: what the dead writer named waits in pending/ for the next sweep.
          try {
            fs.renameSync(path.join(d.dir, STAGING_REFS), path.join(l.pending, `${d.name}.refs`));
          } catch (e) {
            if (code(e) !== 'ENOENT') throw e;
          }
        }
        fs.rmSync(d.dir, { recursive: true, force: true });
      }
      return { ...r, staging: dead.length };
    } finally {
      for (const d of dead) unlockDir(d.fd);
    }
  });
}
