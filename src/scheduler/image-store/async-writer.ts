/**
 * The store's ImageWriter (contract.ts), over the synchronous StagedImage (writer.ts),
 * in one of two places:
 *
 * - InThreadWriter runs the StagedImage in the caller's thread: every call has done its
 *   file work when it returns (bytesStored, state, manifest and error are set at once;
 *   the promises are already settled). Tests use it, and copyTo's like.
 * - WorkerWriter (worker-client.ts) hands the work to the store's worker thread
 *   (worker.ts), which owns the StagedImage: puts are posted in batches, bytesStored and
 *   pending follow the worker's reports, commit resolves when the worker's commit is
 *   durable. This is what the daemon runs, so that chunk writes and the commit's fsyncs
 *   never hold the event loop that serves VASA.
 *
 * Both check disks and refuse calls out of order the same way (addDisk throws INVALID;
 * anything after commit or abort CONFLICT), and both keep the StagedImage's guarantees,
 * since the StagedImage does all the file work either way.
 */
import { ChunkPut, ImageDisk, ImageManifest, ImageWriter, ImageWriterState, SchedulerError } from '../contract';
import { checkDisk, StagedImage } from './writer';

export type CommitMeta = Omit<ImageManifest, 'disks' | 'bytesStored' | 'imageId'>;

/** What the two writers share: the state, the disk count, calls refused out of order. */
export abstract class WriterBase implements ImageWriter {
  state: ImageWriterState = 'open';
  manifest: ImageManifest | undefined;
  error: Error | undefined;
  bytesStored = 0;
  pending = 0;
  protected disks = 0;
  private commitPromise?: Promise<ImageManifest>;
  private abortPromise?: Promise<void>;

  constructor(readonly imageId: string) {}

  protected checkOpen(): void {
    if (this.state !== 'open') throw new SchedulerError('CONFLICT', `The image ${this.imageId} is already ${this.state}: nothing more can be written to it.`);
  }

  /** Records the first failure (later ones follow from it). */
  protected fail(e: unknown): void {
    this.error ??= e instanceof Error ? e : new Error(String(e));
  }

  addDisk(d: ImageDisk): number {
    this.checkOpen();
    const i = this.disks;
    checkDisk(this.imageId, i, d);
    this.sendDisk(d);
    this.disks++;
    return i;
  }

  putChunks(batch: readonly ChunkPut[]): void {
    this.checkOpen();
    if (!Array.isArray(batch)) throw new SchedulerError('INVALID', `The chunks for image ${this.imageId} come as a list.`, 'batch');
    if (batch.length === 0 || this.error) return; // a failed writer takes no more work: commit and flush report the failure
    this.sendChunks(batch);
  }

  flush(): Promise<number> {
    if (this.error) return Promise.reject(this.error);
    return this.sendFlush();
  }

  commit(meta: CommitMeta): Promise<ImageManifest> {
    try {
      this.checkOpen(); // a second commit is refused (CONFLICT), as the StagedImage refuses it
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.error) return Promise.reject(this.error);
    this.state = 'committing';
    this.commitPromise = this.sendCommit(meta).then(
      (m) => {
        this.state = 'committed';
        this.manifest = m;
        this.bytesStored = m.bytesStored;
        return m;
      },
      (e: unknown) => {
        this.state = 'failed';
        this.fail(e);
        throw this.error;
      },
    );
    this.commitPromise.catch(() => undefined); // a poller need not await it
    return this.commitPromise;
  }

  abort(): Promise<void> {
    if (this.abortPromise) return this.abortPromise;
    if (this.state === 'committed' || this.state === 'committing') return this.commitPromise!.then(() => undefined, () => this.abort());
    this.state = 'aborted';
    this.abortPromise = this.sendAbort();
    return this.abortPromise;
  }

  protected abstract sendDisk(d: ImageDisk): void;
  protected abstract sendChunks(batch: readonly ChunkPut[]): void;
  protected abstract sendFlush(): Promise<number>;
  protected abstract sendCommit(meta: CommitMeta): Promise<ImageManifest>;
  protected abstract sendAbort(): Promise<void>;
}

/** The StagedImage in the caller's thread: the work is done when each call returns. */
export class InThreadWriter extends WriterBase {
  constructor(private readonly staged: StagedImage) {
    super(staged.imageId);
  }

  protected sendDisk(d: ImageDisk): void {
    this.staged.addDisk(d);
  }

  protected sendChunks(batch: readonly ChunkPut[]): void {
    for (const c of batch) {
      try {
        this.bytesStored += this.staged.putChunk(c.disk, c.index, c.content);
      } catch (e) {
        this.fail(e);
        return;
      }
    }
  }

  protected sendFlush(): Promise<number> {
    return Promise.resolve(this.bytesStored);
  }

  protected sendCommit(meta: CommitMeta): Promise<ImageManifest> {
    let m: ImageManifest;
    try {
      m = this.staged.commit(meta);
    } catch (e) {
      this.state = 'failed';
      this.fail(e);
      return Promise.reject(this.error);
    }
    // Settled now, for callers that poll (the runner records the image in the same tick).
    this.state = 'committed';
    this.manifest = m;
    this.bytesStored = m.bytesStored;
    return Promise.resolve(m);
  }

  protected sendAbort(): Promise<void> {
    try {
      this.staged.abort();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/** A SchedulerError (or Error) as it crosses a thread, and back. */
export interface WireError {
  name: string;
  message: string;
  code?: SchedulerError['code'];
  field?: string;
  details?: Record<string, unknown>;
}

export function toWire(e: unknown): WireError {
  if (e instanceof SchedulerError) return { name: e.name, message: e.message, code: e.code, field: e.field, details: e.details };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

export function fromWire(w: WireError): Error {
  if (w.code) return new SchedulerError(w.code, w.message, w.field, w.details ?? {});
  const e = new Error(w.message);
  e.name = w.name;
  return e;
}
