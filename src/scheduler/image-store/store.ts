/**
 * The backup store (ImageStoreApi): a folder of content-addressed chunks shared by every
 * image and one manifest per image (layout.ts). This file holds the store's own
 * operations: open (make or check the folder, then clean what a crash left), begin a
 * writer (writer.ts), read an image back with every chunk checked, verify, delete (the
 * image's manifest, then the chunks nothing else names: gc.ts), list, copy an image into
 * a second store ("another region"), and the store's size.
 *
 * Calls are synchronous file-system work, but for the writers begin() gives: their file
 * work runs in the store's worker thread (worker-client.ts), unless the store was opened
 * with `writers: 'in-thread'` (tests), and stage() gives the synchronous writer itself. Several stores, threads and processes may use one folder at once: the
 * locks and the order of writes that make that safe are described in gc.ts and writer.ts.
 * Errors are SchedulerError: INVALID (a bad id or argument), NOT_FOUND (no such image),
 * CONFLICT (the image exists, or is being written), FAILED (damage found while reading).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../sys/atomic-file';
import { ChunkContent, ImageManifest, ImageReader, ImageStoreApi, ImageWriter, SchedulerError, VerifyResult } from '../contract';
import { InThreadWriter } from './async-writer';
import { readChunk } from './chunks';
import { chunkFiles, collectGarbage, recover, RecoveryResult, removeImage, SweepResult } from './gc';
import { checkImageId, FANOUT, imageIdOf, manifestPath, STORE_FORMAT, STORE_VERSION, stagingImageId, StoreLayout, storeLayout } from './layout';
import { tryLockDir, unlockDir } from './locks';
import { distinctHashes, parseManifest } from './manifest';
import { beginInWorker, closeStoreWorker } from './worker-client';
import { StagedImage } from './writer';

export interface ImageStoreOptions {
  /** Where begin()'s writers do their file work: the store's worker thread (default: the daemon's event loop stays free) or the caller's thread. */
  writers?: 'worker' | 'in-thread';
}

/** verify() lists at most this many problems, then how many more there were. */
export const VERIFY_PROBLEMS_SHOWN = 100;

export interface StoreUsage {
  /** Committed images. */
  images: number;
  /** Chunk files (each content once). */
  chunks: number;
  /** Bytes of the chunk files and manifests. */
  bytes: number;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** Makes the store's folders (a new store) or checks the format marker (an existing one). */
function prepare(l: StoreLayout): void {
  fs.mkdirSync(l.dir, { recursive: true, mode: 0o700 });
  let marker: string | undefined;
  try {
    marker = fs.readFileSync(l.marker, 'utf8');
  } catch (e) {
    if (code(e) !== 'ENOENT') throw e;
  }
  if (marker !== undefined) {
    let doc: { format?: unknown; version?: unknown } = {};
    try {
      doc = JSON.parse(marker) as typeof doc;
    } catch {
      /* reported below */
    }
    if (doc.format !== STORE_FORMAT) throw new SchedulerError('FAILED', `The folder ${l.dir} is not an image store (its store.json is not one this provider wrote).`);
    if (doc.version !== STORE_VERSION) throw new SchedulerError('FAILED', `The image store ${l.dir} has format version ${String(doc.version)}, which this provider does not read.`);
  }
  for (const d of [l.images, l.staging, l.trashChunks, l.pending]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  if (marker === undefined) {
    for (const fan of FANOUT) fs.mkdirSync(path.join(l.chunks, fan), { recursive: true, mode: 0o700 });
    // The marker last: a store is made whole before it says it is one.
    writeFileAtomic(l.marker, `${JSON.stringify({ format: STORE_FORMAT, version: STORE_VERSION })}\n`);
  }
}

/** A committed image read back; every chunk is checked against its hash as it is read. */
class StoredImage implements ImageReader {
  constructor(
    private readonly l: StoreLayout,
    readonly manifest: ImageManifest,
  ) {}

  chunk(disk: number, index: number): ChunkContent {
    const m = this.manifest;
    const d = Number.isInteger(disk) ? m.disks[disk] : undefined;
    if (!d) throw new SchedulerError('INVALID', `The image ${m.imageId} has no disk ${disk}.`, 'disk');
    if (!Number.isInteger(index) || index < 0 || index >= d.chunks) throw new SchedulerError('INVALID', `Disk ${JSON.stringify(d.name)} of image ${m.imageId} has chunks 0 to ${d.chunks - 1}, not ${index}.`, 'index');
    const h = d.chunkHashes[index];
    if (h === null) return null;
    const r = readChunk(this.l, h);
    if (!r.ok) {
      throw new SchedulerError('FAILED', `The image ${m.imageId} is damaged: disk ${disk} (${JSON.stringify(d.name)}) chunk ${index}: ${r.problem}.`, undefined, {
        imageId: m.imageId,
        disk,
        chunk: index,
      });
    }
    return r.content.toString('utf8');
  }
}

export class ImageStore implements ImageStoreApi {
  readonly dir: string;
  /** What open() cleaned up after a crash (for the service's log). */
  readonly recovered: RecoveryResult;

  private constructor(private readonly l: StoreLayout, private readonly writers: 'worker' | 'in-thread') {
    this.dir = l.dir;
    this.recovered = recover(l);
  }

  /**
   * Opens the store in `dir`, making it if the folder is new or empty, and cleans what a
   * crash left: staging folders of dead writers, interrupted deletions and sweeps, and
   * the chunks only they named. Writers alive elsewhere are left alone.
   */
  static open(dir: string, o: ImageStoreOptions = {}): ImageStore {
    const l = storeLayout(dir);
    prepare(l);
    return new ImageStore(l, o.writers ?? 'worker');
  }

  /**
   * Begins an image (ImageWriter): the id is checked and refused (CONFLICT) when the image
   * exists or a live writer is writing it, at once; the staging folder is made by the
   * writer's thread (a failure there shows in the writer's error).
   */
  begin(imageId: string): ImageWriter {
    this.checkNew(imageId);
    return this.writers === 'worker' ? beginInWorker(this.dir, imageId) : new InThreadWriter(new StagedImage(this.l, imageId));
  }

  /** Begins an image with the synchronous writer, in this thread (copyTo; tests of the store's rules). */
  stage(imageId: string): StagedImage {
    this.checkNew(imageId);
    return new StagedImage(this.l, imageId);
  }

  private checkNew(imageId: string): void {
    checkImageId(imageId);
    if (this.has(imageId)) throw new SchedulerError('CONFLICT', `An image ${imageId} exists already in the store ${this.dir}.`);
    if (this.beingWritten(imageId)) throw new SchedulerError('CONFLICT', `The image ${imageId} is being written already.`);
  }

  /** Ends the writers' worker thread once it is idle (the next begin starts it again). */
  async close(): Promise<void> {
    if (this.writers === 'worker') await closeStoreWorker();
  }

  /** Whether a live writer (any process) is writing this image. */
  private beingWritten(imageId: string): boolean {
    for (const name of fs.readdirSync(this.l.staging)) {
      if (stagingImageId(name) !== imageId) continue;
      let fd: number | undefined;
      try {
        fd = tryLockDir(path.join(this.l.staging, name));
      } catch {
        continue; // gone meanwhile
      }
      if (fd === undefined) return true;
      unlockDir(fd); // dead: open() will clean it
    }
    return false;
  }

  /** True only for a committed image (its manifest is in place; whether it is intact, verify() tells). */
  has(imageId: string): boolean {
    checkImageId(imageId);
    return fs.existsSync(manifestPath(this.l, imageId));
  }

  /** The image's manifest text and its parse, or a SchedulerError NOT_FOUND / FAILED. */
  private readManifest(imageId: string): { manifest: ImageManifest; sha256: string } {
    let text: string;
    try {
      text = fs.readFileSync(manifestPath(this.l, imageId), 'utf8');
    } catch (e) {
      if (code(e) === 'ENOENT') throw new SchedulerError('NOT_FOUND', `There is no image ${imageId} in the store ${this.dir}.`, 'imageId');
      throw new SchedulerError('FAILED', `The manifest of image ${imageId} cannot be read (${code(e) ?? String(e)}).`);
    }
    const r = parseManifest(text, imageId);
    if (!r.ok) throw new SchedulerError('FAILED', `The image ${imageId} is damaged: ${r.problem}.`, undefined, { imageId });
    return r;
  }

  /** Opens a committed image for reading: NOT_FOUND when absent, FAILED when its manifest is damaged; chunk() throws FAILED on a damaged chunk. */
  open(imageId: string): ImageReader {
    checkImageId(imageId);
    return new StoredImage(this.l, this.readManifest(imageId).manifest);
  }

  /**
   * Re-hashes the manifest and every chunk it names (each distinct chunk read once).
   * Problems name the disk and the chunk index. An image without a manifest is reported
   * as a problem, not thrown: the caller asks about an image it believes exists.
   */
  verify(imageId: string): VerifyResult {
    checkImageId(imageId);
    const problems: string[] = [];
    let m: ImageManifest;
    try {
      m = this.readManifest(imageId).manifest;
    } catch (e) {
      if (!(e instanceof SchedulerError)) throw e;
      problems.push(e.code === 'NOT_FOUND' ? `The image ${imageId} has no manifest in the store ${this.dir} (it was deleted or never committed).` : e.message);
      return { imageId, ok: false, problems };
    }
    const judged = new Map<string, string | null>();
    let more = 0;
    m.disks.forEach((d, di) => {
      d.chunkHashes.forEach((h, ci) => {
        if (h === null) return;
        let p = judged.get(h);
        if (p === undefined) {
          const r = readChunk(this.l, h);
          p = r.ok ? null : r.problem;
          judged.set(h, p);
        }
        if (p === null) return;
        if (problems.length < VERIFY_PROBLEMS_SHOWN) problems.push(`Disk ${di} (${JSON.stringify(d.name)}) chunk ${ci}: ${p}.`);
        else more++;
      });
    });
    if (more > 0) problems.push(`… and ${more} more damaged chunks.`);
    return { imageId, ok: problems.length === 0, problems };
  }

  /**
   * Removes the image, then every chunk no other image (nor a writer in progress, in any
   * process) names. Deleting an image that is not there does nothing.
   */
  delete(imageId: string): void {
    checkImageId(imageId);
    removeImage(this.l, manifestPath(this.l, imageId), imageId);
  }

  /** The committed images' ids, sorted. */
  list(): string[] {
    return fs
      .readdirSync(this.l.images)
      .map(imageIdOf)
      .filter((id): id is string => id !== undefined)
      .sort();
  }

  /**
   * Copies the image into another store: the chunks it lacks, then the same manifest
   * (the same bytes, so the copy verifies with the same hash), committed there as every
   * image is. Returns the bytes copied (chunks newly stored there plus the manifest);
   * 0 when the other store has this image already. A damaged source chunk stops the copy
   * (FAILED) and leaves nothing behind in the other store.
   */
  copyTo(imageId: string, other: ImageStoreApi): number {
    checkImageId(imageId);
    const { manifest: m, sha256 } = this.readManifest(imageId);
    if (path.resolve(other.dir) === this.dir) return 0;
    if (other.has(imageId)) {
      if (other instanceof ImageStore && other.readManifest(imageId).sha256 !== sha256) {
        throw new SchedulerError('CONFLICT', `The store ${other.dir} holds another image named ${imageId}.`);
      }
      return 0;
    }
    if (!(other instanceof ImageStore)) throw new SchedulerError('INVALID', `The store ${other.dir} is not an image store of this provider; images are copied between image stores only.`);
    return this.copyInto(m, other);
  }

  /** Where does a chunk appear first (for messages). */
  private static firstUse(m: ImageManifest, hash: string): string {
    for (let di = 0; di < m.disks.length; di++) {
      const ci = m.disks[di].chunkHashes.indexOf(hash);
      if (ci >= 0) return `disk ${di} (${JSON.stringify(m.disks[di].name)}) chunk ${ci}`;
    }
    return `chunk ${hash.slice(0, 16)}…`;
  }

  private copyInto(m: ImageManifest, other: ImageStore): number {
    const w = other.stage(m.imageId);
    try {
      let bytes = 0;
      for (const h of distinctHashes(m)) {
        const r = readChunk(this.l, h);
        if (!r.ok) throw new SchedulerError('FAILED', `The image ${m.imageId} is damaged: ${ImageStore.firstUse(m, h)}: ${r.problem}; it was not copied.`, undefined, { imageId: m.imageId });
        bytes += w.storeChunk(h, r.content);
      }
      return bytes + w.commitManifest(m);
    } catch (e) {
      w.abort();
      throw e;
    }
  }

  /** The store's size: committed images, chunk files, bytes on disk (chunks and manifests). Reads every folder: not for hot paths. */
  usage(): StoreUsage {
    let chunks = 0;
    let bytes = 0;
    for (const c of chunkFiles(this.l)) {
      const st = fs.statSync(c.file, { throwIfNoEntry: false });
      if (!st) continue;
      chunks++;
      bytes += st.size;
    }
    const images = this.list();
    for (const id of images) bytes += fs.statSync(manifestPath(this.l, id), { throwIfNoEntry: false })?.size ?? 0;
    return { images: images.length, chunks, bytes };
  }

  /** A full sweep: removes every chunk nothing names (what a power loss may leave behind). */
  gc(): SweepResult {
    return collectGarbage(this.l);
  }
}
