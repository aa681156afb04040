/**
 * The main thread's side of the image store's worker thread (worker.ts), and the
 * messages between them. The daemon writes image archives off its event loop (DESIGN.md,
 * Services; issue 12): the runner keeps reading chunks from the engine and posts them in
 * batches to one worker thread, which owns the StagedImages (writer.ts) and does all
 * their file work; its reports come back as messages (bytes stored, failures, the
 * committed manifest). The main thread does only what is quick: checks (image id, an
 * image or a live writer of the same id already there, disks) and the lock requests of
 * the worker (below).
 *
 * One worker thread per process (per loaded copy of this module), started by the first
 * begin, shared by every store and writer; it holds the process open only while work is
 * queued (unref'd when idle), and close() ends it when idle. A worker that stops (crash)
 * fails every writer it had: their runs start the archive again, as after a restart.
 *
 * Locks: the worker never loads fs-ext (see worker.ts); it asks this thread to flock a
 * descriptor, always without blocking (LOCK_NB), and this thread answers from its
 * message handler through a SharedArrayBuffer: Int32 [0] the flag the worker waits on,
 * Int32 [1] the result (0 taken, 1 held elsewhere, 2 bad descriptor, 3 other failure).
 *
 * Where the worker script comes from:
 * - compiled (dist/): worker.js next to this module;
 * - from the TypeScript sources (jest with ts-jest, where a Worker cannot load .ts): a
 *   small bootstrap registers a require hook that transpiles .ts with the `typescript`
 *   package (a dev dependency, present wherever the sources run), then loads worker.ts.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../sys/worker-thread';
import { ChunkPut, ImageDisk, ImageManifest, SchedulerError } from '../contract';
import { CommitMeta, fromWire, WireError, WriterBase } from './async-writer';

import { flockSync } from '../../store/flock';

export interface StoreWorkerData {
  /** Int32 [0] flag, Int32 [1] result of the lock requests (see above). */
  lock: SharedArrayBuffer;
}

export type ToStoreWorker =
  | { t: 'begin'; w: number; dir: string; imageId: string }
  | { t: 'disk'; w: number; disk: ImageDisk }
  | { t: 'put'; w: number; batch: readonly ChunkPut[] }
  | { t: 'flush'; w: number; id: number }
  | { t: 'commit'; w: number; id: number; meta: CommitMeta }
  | { t: 'abort'; w: number; id: number }
  | { t: 'close' };

export type FromStoreWorker =
  | { t: 'stored'; w: number; n: number; bytes: number }
  | { t: 'failed'; w: number; error: WireError }
  | { t: 'done'; id: number; value: unknown }
  | { t: 'error'; id: number; error: WireError }
  | { t: 'flock'; fd: number; mode: string };

interface Request {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  w: number;
}

function spawn(workerData: StoreWorkerData): Worker {
  return startWorker(__filename, 'worker', workerData, 'image store worker');
}

const LOCK_TAKEN = 0;
const LOCK_HELD = 1;
const LOCK_BADF = 2;
const LOCK_FAILED = 3;

/** The worker thread and what is in flight with it. */
class StoreWorker {
  private worker?: Worker;
  private readonly lockBuffer = new SharedArrayBuffer(8);
  private readonly flag = new Int32Array(this.lockBuffer, 0, 1);
  private readonly result = new Int32Array(this.lockBuffer, 4, 1);
  private readonly writers = new Map<number, WorkerWriter>();
  private readonly requests = new Map<number, Request>();
  private nextWriter = 1;
  private nextRequest = 1;
  /** Puts, requests and writers not yet finished: the thread is ref'd while there are any. */
  private busy = 0;
  /** Who waits for the work in flight to end (close). */
  private idleWaiters: (() => void)[] = [];

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = spawn({ lock: this.lockBuffer });
    this.worker = worker;
    worker.on('message', (m: FromStoreWorker) => this.onMessage(m));
    worker.on('error', (e) => this.stopped(worker, e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => this.stopped(worker, new Error(`the image store's worker thread stopped (exit code ${code})`)));
    worker.unref();
    return worker;
  }

  private post(m: ToStoreWorker): void {
    this.started().postMessage(m);
  }

  private hold(n: number): void {
    const before = this.busy;
    this.busy += n;
    if (!this.worker) return;
    if (before === 0 && this.busy > 0) this.worker.ref();
    else if (before > 0 && this.busy === 0) {
      this.worker.unref();
      this.wakeIdle();
    }
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  begin(dir: string, imageId: string): WorkerWriter {
    // The worker makes and locks the staging folder a moment later: until then, a second begin of this process is refused here.
    for (const other of this.writers.values()) {
      if (other.dir === dir && other.imageId === imageId) throw new SchedulerError('CONFLICT', `The image ${imageId} is being written already.`);
    }
    const w = this.nextWriter++;
    const writer = new WorkerWriter(this, w, dir, imageId);
    this.post({ t: 'begin', w, dir, imageId });
    this.writers.set(w, writer);
    this.hold(1);
    return writer;
  }

  disk(w: number, disk: ImageDisk): void {
    this.post({ t: 'disk', w, disk });
  }

  put(w: number, batch: readonly ChunkPut[]): void {
    // Only what crosses to the worker, so a caller's object is never cloned with more.
    this.post({ t: 'put', w, batch: batch.map((c) => ({ disk: c.disk, index: c.index, content: c.content })) });
    this.hold(1);
  }

  request<T>(w: number, make: (id: number) => ToStoreWorker): Promise<T> {
    const id = this.nextRequest++;
    return new Promise<T>((resolve, reject) => {
      try {
        this.post(make(id));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      this.requests.set(id, { resolve: resolve as (v: unknown) => void, reject, w });
      this.hold(1);
    });
  }

  /** The writer has ended (committed or aborted, or failed for good). */
  release(w: number): void {
    if (this.writers.delete(w)) this.hold(-1);
  }

  private onMessage(m: FromStoreWorker): void {
    switch (m.t) {
      case 'flock':
        Atomics.store(this.result, 0, this.tryLock(m.fd, m.mode));
        Atomics.store(this.flag, 0, 1);
        Atomics.notify(this.flag, 0);
        return;
      case 'stored':
        this.hold(-1);
        this.writers.get(m.w)?.stored(m.n, m.bytes);
        return;
      case 'failed':
        this.writers.get(m.w)?.failed(fromWire(m.error));
        return;
      case 'done':
      case 'error': {
        const r = this.requests.get(m.id);
        if (!r) return;
        this.requests.delete(m.id);
        this.hold(-1);
        if (m.t === 'done') r.resolve(m.value);
        else r.reject(this.writers.get(r.w)?.error ?? fromWire(m.error));
      }
    }
  }

  private tryLock(fd: number, mode: string): number {
    if (mode !== 'shnb' && mode !== 'exnb' && mode !== 'un') return LOCK_FAILED; // the main thread never waits for a lock
    try {
      flockSync(fd, mode);
      return LOCK_TAKEN;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return LOCK_HELD;
      return code === 'EBADF' ? LOCK_BADF : LOCK_FAILED;
    }
  }

  /** The worker ended or failed: every writer it had fails with that reason. */
  private stopped(worker: Worker, e: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const [, r] of this.requests) r.reject(e);
    this.requests.clear();
    for (const [, w] of this.writers) w.failed(e, true);
    this.writers.clear();
    this.busy = 0;
    this.wakeIdle();
  }

  /**
   * Ends the worker thread once nothing is in flight (waits up to `waitMs` for that: a
   * bound on a real wait for another thread, not the domain's time, so a timer, not the clock).
   */
  async close(waitMs = 10_000): Promise<void> {
    if (this.worker && this.busy > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, waitMs); }),
      ]);
      clearTimeout(timer);
    }
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ t: 'close' } satisfies ToStoreWorker);
    const late = setTimeout(() => void worker.terminate(), 2000);
    await exited;
    clearTimeout(late);
    for (const [, r] of this.requests) r.reject(new Error('the image store\'s worker thread was closed'));
    this.requests.clear();
    for (const [, w] of this.writers) w.failed(new Error('the image store\'s worker thread was closed'), true);
    this.writers.clear();
    this.busy = 0;
  }
}

/** A writer whose StagedImage lives in the worker thread. */
export class WorkerWriter extends WriterBase {
  constructor(private readonly sw: StoreWorker, private readonly w: number, readonly dir: string, imageId: string) {
    super(imageId);
  }

  /** The worker stored `n` chunks, `bytes` of them new. */
  stored(n: number, bytes: number): void {
    this.pending = Math.max(0, this.pending - n);
    this.bytesStored += bytes;
  }

  failed(e: Error, gone = false): void {
    this.fail(e);
    if (gone) {
      this.pending = 0;
      if (this.state === 'open') this.state = 'failed';
    }
  }

  protected sendDisk(d: ImageDisk): void {
    this.sw.disk(this.w, d);
  }

  protected sendChunks(batch: readonly ChunkPut[]): void {
    this.pending += batch.length;
    this.sw.put(this.w, batch);
  }

  protected sendFlush(): Promise<number> {
    return this.sw.request<number>(this.w, (id) => ({ t: 'flush', w: this.w, id }));
  }

  protected async sendCommit(meta: CommitMeta): Promise<ImageManifest> {
    const m = await this.sw.request<ImageManifest>(this.w, (id) => ({ t: 'commit', w: this.w, id, meta }));
    this.sw.release(this.w);
    return m;
  }

  protected async sendAbort(): Promise<void> {
    try {
      await this.sw.request<void>(this.w, (id) => ({ t: 'abort', w: this.w, id }));
    } finally {
      this.sw.release(this.w);
    }
  }
}

let shared: StoreWorker | undefined;

/** Begins a writer in the process's store worker thread (started if need be). */
export function beginInWorker(dir: string, imageId: string): WorkerWriter {
  shared ??= new StoreWorker();
  return shared.begin(dir, imageId);
}

/** Ends the store worker thread once it is idle (the next begin starts a new one). */
export async function closeStoreWorker(waitMs?: number): Promise<void> {
  await shared?.close(waitMs);
}
