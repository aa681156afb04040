/**
 * Content-addressed chunk files: the sha256 of a chunk's content names its file, and the
 * file holds the content as-is (UTF-8), so a read checks itself by hashing what it got
 * against its own name. A chunk is written under a temp name in its writer's staging
 * folder and renamed into chunks/xx/ (an atomic create: a reader or a crash never sees a
 * half-written chunk); it is fsynced once, when the image that first stored it commits
 * (writer.ts), not here, so that putChunk stays a handful of system calls.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chunkDir, chunkPath, StoreLayout } from './layout';

export function hashContent(content: Buffer): string {
  return crypto.createHash('sha256').update(content).digest('hex');
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/**
 * What the store holds under `hash`, compared with `content`: 'same', 'missing', or
 * 'different' (a damaged file, which the caller then rewrites with the right content).
 */
export function compareChunk(l: StoreLayout, hash: string, content: Buffer): 'same' | 'missing' | 'different' {
  const file = chunkPath(l, hash);
  // existsSync first: a new chunk is the common case of a first backup, and a thrown ENOENT costs more than the look.
  if (!fs.existsSync(file)) return 'missing';
  let cur: Buffer;
  try {
    cur = fs.readFileSync(file);
  } catch (e) {
    if (code(e) === 'ENOENT') return 'missing';
    throw e;
  }
  return cur.equals(content) ? 'same' : 'different';
}

/** Writes a chunk under a temp name in `tempDir` and renames it into place; returns its path. */
export function writeChunkFile(l: StoreLayout, tempDir: string, hash: string, content: Buffer): string {
  const tmp = path.join(tempDir, `${hash}.tmp`);
  const target = chunkPath(l, hash);
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    if (code(e) !== 'ENOENT' || !fs.existsSync(tmp)) throw e;
    // The fan-out folder was removed by hand: make it again.
    fs.mkdirSync(chunkDir(l, hash), { recursive: true, mode: 0o700 });
    fs.renameSync(tmp, target);
  }
  return target;
}

export type ChunkRead = { ok: true; content: Buffer } | { ok: false; problem: string };

/** Reads a chunk and checks it against its hash; never throws for a missing or damaged file. */
export function readChunk(l: StoreLayout, hash: string): ChunkRead {
  let content: Buffer;
  try {
    content = fs.readFileSync(chunkPath(l, hash));
  } catch (e) {
    if (code(e) === 'ENOENT') return { ok: false, problem: `its chunk file ${hash.slice(0, 16)}… is missing` };
    return { ok: false, problem: `its chunk file ${hash.slice(0, 16)}… cannot be read (${code(e) ?? String(e)})` };
  }
  if (hashContent(content) !== hash) return { ok: false, problem: `its chunk file ${hash.slice(0, 16)}… is damaged (the content does not match its hash)` };
  return { ok: true, content };
}

/** Opens a file read-only, fsyncs it, closes it. */
export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
