/**
 * One VM's archive being written: its snapshots read chunk by chunk into an ImageWriter.
 * Only allocated chunks are read (the array's allocated bitmap, a segment at a time);
 * a chunk never written stays null in the image. Work is handed out in budgets (chunks
 * a reader may read now, from its rate and the clock), so a tick does a bounded batch
 * and the event loop is never held long; a big clock jump only means more ticks.
 *
 * The chunks read go to the writer in one batch per segment; the writer does the file
 * work (in the store's worker thread in the daemon) and reports the bytes it stored.
 * While it has many chunks still to store, the reader waits (no credit is spent), so
 * what is queued stays bounded. The commit is started by commit() and ends later (the
 * runner records it when the writer has committed).
 *
 * The job lives in memory: the image is staged by the writer and becomes visible only
 * at commit. A restart loses the job, and with it the staging (the store cleans it),
 * so the archive of that VM starts again from its snapshots, which are still on the
 * array (runner.ts).
 */
import { CHUNK_BYTES, LIMITS } from '../array/models';
import type { RunDiskRow } from '../store/image-backup/runs';
import type { ChunkPut, ImageManifest, ImageWriter } from './contract';
import type { SchedulerEngine } from './vms';

/** Bitmap segments one step may scan at most (each covers LIMITS.chunksPerIo chunks). */
const SEGMENTS_PER_STEP = 64;
/** Chunks the writer may have queued (not yet stored) before the reader waits for it. */
export const MAX_PENDING_CHUNKS = 4096;

export interface ArchiveProgress {
  /** Chunk positions scanned (allocated or not), over every disk. */
  chunksDone: number;
  /** Allocated chunks read. */
  chunksRead: number;
  bytesRead: number;
  bytesStored: number;
  done: boolean;
}

export class ArchiveJob {
  private disk = 0;
  private next = 0;
  private readonly diskIndex: number[] = [];
  private scanned = 0;
  private read = 0;
  /** Chunks the reader may read, earned by the clock and not yet used. */
  private credit = 0;

  constructor(
    private readonly engine: SchedulerEngine,
    readonly writer: ImageWriter,
    private readonly disks: readonly RunDiskRow[],
    /** The clock time the reader last earned credit. */
    private lastAt: number,
  ) {
    for (const d of disks) this.diskIndex.push(writer.addDisk({ name: d.name, role: d.role, capacityBytes: d.capacityBytes, chunks: d.chunks, policy: d.policy }));
  }

  get imageId(): string {
    return this.writer.imageId;
  }

  get progress(): ArchiveProgress {
    return { chunksDone: this.scanned, chunksRead: this.read, bytesRead: this.read * CHUNK_BYTES, bytesStored: this.writer.bytesStored, done: this.disk >= this.disks.length };
  }

  /**
   * Earns credit up to `now` at `ratePerSec` chunks a second, then reads at most
   * `maxChunks` allocated chunks of it (none while the writer is behind). Returns the
   * progress after the step; throws the writer's failure once it is known.
   */
  step(now: number, ratePerSec: number, maxChunks: number): ArchiveProgress {
    if (this.writer.error) throw this.writer.error;
    if (now > this.lastAt) {
      this.credit += ((now - this.lastAt) * ratePerSec) / 1000;
      this.lastAt = now;
    }
    let budget = this.writer.pending >= MAX_PENDING_CHUNKS ? 0 : Math.min(Math.floor(this.credit), maxChunks);
    let segments = SEGMENTS_PER_STEP;
    while (this.disk < this.disks.length && budget > 0 && segments-- > 0) {
      const used = this.segment(budget);
      budget -= used;
      this.credit -= used;
    }
    // Unallocated space costs nothing: a step with credit left scans on until the budget or the segment cap.
    if (this.writer.error) throw this.writer.error;
    const p = this.progress;
    if (p.done) this.credit = 0;
    return p;
  }

  /** Reads the allocated chunks of the next segment of the current disk, at most `budget`; returns how many it read. */
  private segment(budget: number): number {
    const d = this.disks[this.disk];
    const from = this.next;
    const to = Math.min(d.chunks, from + LIMITS.chunksPerIo);
    if (from >= to || !d.snapshotVvolId) {
      this.nextDisk(d);
      return 0;
    }
    const bits = this.engine.allocatedBitmap(d.snapshotVvolId, { startBytes: from * CHUNK_BYTES, lengthBytes: Math.min((to - from) * CHUNK_BYTES, d.capacityBytes - from * CHUNK_BYTES), chunkSizeBytes: CHUNK_BYTES }).bits;
    const wanted: number[] = [];
    let end = to;
    for (let i = 0; i < bits.length; i++) {
      if (!bits[i]) continue;
      if (wanted.length === budget) {
        end = from + i; // the budget is spent: go on from this chunk next time
        break;
      }
      wanted.push(from + i);
    }
    if (wanted.length) {
      const ld = this.engine.getVvol(d.snapshotVvolId);
      const first = wanted[0];
      const contents = this.engine.readChunks(ld, first, wanted[wanted.length - 1] - first + 1);
      const batch: ChunkPut[] = [];
      for (const idx of wanted) {
        const c = contents[idx - first];
        if (c !== null) batch.push({ disk: this.diskIndex[this.disk], index: idx, content: c });
      }
      this.writer.putChunks(batch);
      this.read += wanted.length;
    }
    this.scanned += end - from;
    this.next = end;
    if (this.next >= d.chunks) this.nextDisk(d);
    return wanted.length;
  }

  private nextDisk(d: RunDiskRow): void {
    this.scanned += Math.max(0, d.chunks - this.next);
    this.disk++;
    this.next = 0;
  }

  /** Starts the commit: the image is visible and durable when the promise resolves (the writer's state tells it too). */
  commit(meta: Omit<ImageManifest, 'disks' | 'bytesStored' | 'imageId' | 'bytesRead'>): Promise<ImageManifest> {
    return this.writer.commit({ ...meta, bytesRead: this.read * CHUNK_BYTES });
  }

  /** Drops the staging image; never fails (it is called on the way out of failures). Resolves when it is gone. */
  abort(): Promise<void> {
    try {
      return this.writer.abort().catch(() => undefined); // the store cleans a staging folder it finds dead
    } catch {
      return Promise.resolve();
    }
  }
}
