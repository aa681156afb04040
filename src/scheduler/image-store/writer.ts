/**
 * An image being written (ImageWriter): its staging folder, locked by it for its whole
 * life, holds `refs`, the hash of every chunk it uses, appended (one write, no fsync)
 * before the chunk is looked up or stored, so a sweep never takes a chunk it counts on
 * (gc.ts). putChunk hashes the content, and stores it only when the store does not hold
 * it already (deduplicated incremental-forever): a chunk found intact costs a read, a
 * new one a write and a rename; a damaged one found on the way is rewritten.
 *
 * commit makes the image durable and visible, in this order: every chunk file it stored
 * (and any another writer of this thread stored but has not synced yet) is fsynced once,
 * and each fan-out folder it touched once; then, holding gc.lock shared (briefly: no
 * fsync of chunks in it but for a chunk a sweep had moved meanwhile), every chunk it
 * names is checked to be in place, and the manifest is written into staging, fsynced
 * and linked into images/, and images/ is fsynced. Then the staging folder goes. A kill
 * at any point before the link leaves no image (open() cleans the staging folder and the
 * chunks only it named); after it, a whole one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync } from '../../sys/atomic-file';
import { ImageDisk, ImageManifest, ImageManifestDisk, SchedulerError } from '../contract';
import { compareChunk, fsyncFile, hashContent, writeChunkFile } from './chunks';
import { sweepAborted, sweepCandidates } from './gc';
import { chunkDir, chunkPath, manifestPath, STAGING_REFS, stagingName, StoreLayout } from './layout';
import { tryLockDir, unlockDir, withStoreLock } from './locks';
import { distinctHashes, manifestDisk, publishManifest, serializeManifest } from './manifest';

/** A chunk's content is a content token; anything above the array's chunk size (1 MiB) is refused. */
export const MAX_CHUNK_CONTENT_BYTES = 1024 * 1024;
/** 10 TB (the array's largest volume) in 1 MiB chunks, with room. */
const MAX_DISK_CHUNKS = 16 * 1024 * 1024;

/**
 * Chunks written by writers of this thread that no commit has fsynced yet, per store: a
 * writer that finds one of them commits it durably too, even if the writer that stored
 * it has not committed yet. (Writers in other threads or processes keep their own: a
 * chunk one of them stored and has not committed is made durable by its own commit.)
 */
const unsynced = new Map<string, Set<string>>();
function unsyncedOf(dir: string): Set<string> {
  let s = unsynced.get(dir);
  if (!s) unsynced.set(dir, (s = new Set()));
  return s;
}

const invalid = (message: string, field?: string) => new SchedulerError('INVALID', message, field);
const isCount = (v: unknown, max: number) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;

/** Checks disk `i` of an image as addDisk takes it (SchedulerError INVALID); also run by the writer facing the caller (async-writer.ts). */
export function checkDisk(imageId: string, i: number, d: ImageDisk): void {
  if (typeof d !== 'object' || d === null) throw invalid(`Disk ${i} of image ${imageId} is not described.`, 'disk');
  if (typeof d.name !== 'string' || d.name === '' || d.name.length > 255) throw invalid(`Disk ${i} of image ${imageId} needs a name of 1-255 characters.`, 'disk.name');
  if (d.role !== 'config' && d.role !== 'data') throw invalid(`Disk ${JSON.stringify(d.name)}: the role is 'config' or 'data'.`, 'disk.role');
  if (!isCount(d.capacityBytes, Number.MAX_SAFE_INTEGER)) throw invalid(`Disk ${JSON.stringify(d.name)}: the capacity is a whole number of bytes.`, 'disk.capacityBytes');
  if (!isCount(d.chunks, MAX_DISK_CHUNKS)) throw invalid(`Disk ${JSON.stringify(d.name)}: the chunk count is a whole number up to ${MAX_DISK_CHUNKS}.`, 'disk.chunks');
  if (d.policy !== null && typeof d.policy !== 'string') throw invalid(`Disk ${JSON.stringify(d.name)}: the policy is a profile id or null.`, 'disk.policy');
}

/**
 * The synchronous writer: every call is file work done when it returns. The store's
 * ImageWriter (async-writer.ts) runs one in the caller's thread or in the store's
 * worker thread (worker.ts); copyTo and the tests use it directly (ImageStore.stage).
 */
export class StagedImage {
  readonly stagingDir: string;
  private readonly stagingName: string;
  private readonly disks: ImageManifestDisk[] = [];
  /** Every hash written to refs (each once). */
  private readonly refs = new Set<string>();
  /** Chunk files to fsync at commit. */
  private readonly toSync = new Set<string>();
  private bytesStored = 0;
  private state: 'open' | 'committed' | 'aborted' = 'open';
  private refsFd: number;
  private lockFd: number;

  constructor(private readonly l: StoreLayout, readonly imageId: string) {
    this.stagingName = stagingName(imageId, crypto.randomBytes(6).toString('hex'));
    this.stagingDir = path.join(l.staging, this.stagingName);
    fs.mkdirSync(this.stagingDir, { mode: 0o700 });
    const fd = tryLockDir(this.stagingDir);
    if (fd === undefined) throw new SchedulerError('FAILED', `The staging folder ${this.stagingDir} is locked by another process.`);
    this.lockFd = fd;
    try {
      this.refsFd = fs.openSync(path.join(this.stagingDir, STAGING_REFS), 'a', 0o600);
    } catch (e) {
      unlockDir(fd);
      throw e;
    }
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new SchedulerError('CONFLICT', `The image ${this.imageId} is already ${this.state}: nothing more can be written to it.`);
  }

  addDisk(d: ImageDisk): number {
    this.checkOpen();
    const i = this.disks.length;
    checkDisk(this.imageId, i, d);
    this.disks.push(manifestDisk(d, new Array<string | null>(d.chunks).fill(null)));
    return i;
  }

  putChunk(disk: number, index: number, content: string): number {
    this.checkOpen();
    const d = this.disks[disk];
    if (!Number.isInteger(disk) || !d) throw invalid(`The image ${this.imageId} has no disk ${disk}.`, 'disk');
    if (!Number.isInteger(index) || index < 0 || index >= d.chunks) throw invalid(`Disk ${JSON.stringify(d.name)} has chunks 0 to ${d.chunks - 1}, not ${index}.`, 'index');
    if (typeof content !== 'string' || content === '') throw invalid(`Chunk ${index} of disk ${JSON.stringify(d.name)}: the content is a non-empty string (an unwritten chunk is not put).`, 'content');
    const buf = Buffer.from(content, 'utf8');
    if (buf.length > MAX_CHUNK_CONTENT_BYTES) throw invalid(`Chunk ${index} of disk ${JSON.stringify(d.name)} holds more than ${MAX_CHUNK_CONTENT_BYTES} bytes.`, 'content');
    const hash = hashContent(buf);
    const stored = this.storeChunk(hash, buf);
    d.chunkHashes[index] = hash;
    return stored;
  }

  /** Stores content under its hash unless the store has it; the bytes newly stored. (copyTo calls it with content it has checked.) */
  storeChunk(hash: string, content: Buffer): number {
    this.checkOpen();
    if (this.refs.has(hash)) return 0;
    fs.writeSync(this.refsFd, `${hash}\n`); // before the look-up: see gc.ts
    const pending = unsyncedOf(this.l.dir);
    if (compareChunk(this.l, hash, content) === 'same') {
      this.refs.add(hash);
      if (pending.has(hash)) this.toSync.add(hash);
      return 0;
    }
    writeChunkFile(this.l, this.stagingDir, hash, content);
    this.refs.add(hash); // only once stored: a failed write is tried again by the next put
    this.toSync.add(hash);
    pending.add(hash);
    this.bytesStored += content.length;
    return content.length;
  }

  commit(meta: Omit<ImageManifest, 'disks' | 'bytesStored' | 'imageId'>): ImageManifest {
    this.checkOpen();
    if (typeof meta !== 'object' || meta === null) throw invalid(`The image ${this.imageId} needs its run's facts to commit.`, 'meta');
    for (const k of ['runId', 'backupTime', 'startedAt', 'finishedAt', 'bytesRead'] as const) {
      if (typeof meta[k] !== 'number' || !Number.isFinite(meta[k])) throw invalid(`The image ${this.imageId}: ${k} is a number.`, k);
    }
    if (meta.planId !== null && typeof meta.planId !== 'number') throw invalid(`The image ${this.imageId}: planId is a number or null.`, 'planId');
    if (typeof meta.vmId !== 'string' || typeof meta.vmName !== 'string') throw invalid(`The image ${this.imageId}: vmId and vmName are strings.`, 'vmName');
    const m: ImageManifest = {
      imageId: this.imageId,
      runId: meta.runId,
      planId: meta.planId,
      vmId: meta.vmId,
      vmName: meta.vmName,
      backupTime: meta.backupTime,
      startedAt: meta.startedAt,
      finishedAt: meta.finishedAt,
      disks: this.disks,
      bytesRead: meta.bytesRead,
      bytesStored: this.bytesStored,
    };
    this.commitManifest(m);
    return m;
  }

  /** Commits a manifest whose every chunk this writer stored (commit, and copyTo with the source's manifest); returns the manifest file's bytes. */
  commitManifest(m: ImageManifest): number {
    this.checkOpen();
    const { text } = serializeManifest(m);
    const target = manifestPath(this.l, this.imageId);
    const named = distinctHashes(m);
    for (const h of named) {
      if (!this.refs.has(h)) throw new SchedulerError('FAILED', `The image ${this.imageId} names chunk ${h.slice(0, 16)}…, which was not stored with it.`);
    }
    // The long part, without the lock (refs keep sweeps off these chunks; one a sweep
    // holds in trash/ just now is caught below): every new chunk file once, each folder once.
    const missed = new Set<string>();
    const dirs = new Set<string>();
    for (const h of this.toSync) {
      try {
        fsyncFile(chunkPath(this.l, h));
        dirs.add(chunkDir(this.l, h));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        missed.add(h);
      }
    }
    for (const d of dirs) fsyncDirSync(d);
    // The short part, with gc.lock shared (no sweep now): every chunk in place, then the manifest.
    withStoreLock(this.l.gcLock, 'sh', () => {
      if (fs.existsSync(target)) throw new SchedulerError('CONFLICT', `An image ${this.imageId} exists already in the store ${this.l.dir}.`);
      for (const h of named) if (this.ensurePresent(h)) missed.add(h);
      for (const h of missed) {
        fsyncFile(chunkPath(this.l, h));
        fsyncDirSync(chunkDir(this.l, h));
      }
      if (!publishManifest(this.stagingDir, target, text)) throw new SchedulerError('CONFLICT', `An image ${this.imageId} exists already in the store ${this.l.dir}.`);
    });
    this.state = 'committed';
    const pending = unsyncedOf(this.l.dir);
    for (const h of this.toSync) pending.delete(h);
    // A chunk put and then replaced (the same index put twice) is named by nothing now.
    const unused = [...this.refs].filter((h) => !named.has(h));
    if (unused.length > 0) {
      try {
        sweepCandidates(this.l, unused, new Set([this.stagingName]));
      } catch {
        this.dropStaging(false); // committed all the same; the next open() sweeps them
        return Buffer.byteLength(text);
      }
    }
    this.dropStaging();
    return Buffer.byteLength(text);
  }

  /**
   * A chunk this writer counts on must be in chunks/: refs keep sweeps off it, but a
   * sweep killed half-way may have left it in trash/ (no sweep runs now: we hold gc.lock).
   * True when it was moved back from there.
   */
  private ensurePresent(h: string): boolean {
    const file = chunkPath(this.l, h);
    if (fs.existsSync(file)) return false;
    try {
      fs.renameSync(path.join(this.l.trashChunks, h), file);
      return true;
    } catch {
      throw new SchedulerError('FAILED', `The chunk ${h.slice(0, 16)}… of image ${this.imageId} vanished from the store before commit; the image was not committed.`);
    }
  }

  /**
   * Drops the staging image and sweeps the chunks only it named (held back while a
   * manifest is damaged: see gc.ts). Does nothing once committed or aborted.
   */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    try {
      sweepAborted(this.l, this.stagingName, path.join(this.stagingDir, STAGING_REFS), this.refs);
    } catch (e) {
      // Keep the staging folder (its refs name the chunks to judge): the next open() finishes the job.
      this.dropStaging(false);
      throw e;
    }
    this.dropStaging(true);
  }

  /** Closes the refs file, removes the staging folder (unless told not to), releases its lock; never throws (the next open() cleans what is left). */
  private dropStaging(remove = true): void {
    try {
      fs.closeSync(this.refsFd);
    } catch {
      /* already closed */
    }
    try {
      if (remove) fs.rmSync(this.stagingDir, { recursive: true, force: true });
    } catch {
      /* left for open() */
    }
    try {
      unlockDir(this.lockFd);
    } catch {
      /* already closed */
    }
  }
}
