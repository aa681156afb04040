/**
 * The main thread's side of the relation worker (worker.ts) and the messages between
 * them. The daemon writes relation files off its event loop (DESIGN.md, Services): a
 * pass that has files to write starts one worker thread, which opens its own read-only
 * connection to the store in the data folder (SQLite WAL: it sees every committed
 * change, and readers never block the daemon's writers) and an engine scoped to the
 * arrays of the pass, writes the files one array at a time as asked, and is closed at
 * the end of the pass. The main thread keeps the rest: whether a file is due, the
 * lock, the state file, outcomes and alarms.
 *
 * Time stays the injected clock's: the worker asks the main thread for clock.now()
 * (the document's finish time) through a SharedArrayBuffer, waiting with Atomics.wait
 * (allowed in a worker), while the main thread answers from its message handler, so a
 * file written in a worker has exactly the bytes the same pass writes in-process.
 *
 * Where the worker script comes from:
 * - compiled (dist/): worker.js next to this module;
 * - from the TypeScript sources (jest with ts-jest, where a Worker cannot load .ts):
 *   a small bootstrap evaluated in the worker registers a require hook that transpiles
 *   .ts files with the `typescript` package (TypeScript's transpileModule, no type
 *   checking; the package is a dev dependency, present wherever the sources run), then
 *   loads worker.ts. The sources under test are what runs in the worker, never a
 *   possibly stale build.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../sys/worker-thread';
import type { Clock } from '../array/clock';
import type { ArrayFileRequest, WrittenFile } from './array-file';

export interface RelationWorkerData {
  /** The data folder holding the store (and the relation folders). */
  dataDir: string;
  /** The arrays the worker's engine sees: those of the pass (the managed ones). */
  arrayIds: number[];
  busyTimeoutMs?: number;
  /** Int32 [0]: 0 while a time is asked for, 1 once answered; Float64 at byte 8: the time. */
  clock: SharedArrayBuffer;
}

export type ToWorker = { type: 'write'; id: number; request: ArrayFileRequest } | { type: 'close' };
export type FromWorker =
  | { type: 'now' }
  | { type: 'done'; id: number; written: WrittenFile; warnings: string[] }
  | { type: 'failed'; id: number; message: string };

export const CLOCK_BYTES = 16;

/** What the worker thread says it wrote; warnings are for the service's log. */
export interface WorkerWritten {
  written: WrittenFile;
  warnings: string[];
}

interface Pending {
  worker: Worker;
  resolve: (w: WorkerWritten) => void;
  reject: (e: Error) => void;
}

function spawn(workerData: RelationWorkerData): Worker {
  return startWorker(__filename, 'worker', workerData, 'relation worker');
}

/**
 * One worker thread for one pass: started on the first write, closed by close(). A
 * worker that stops (crash, out of memory) fails the write in progress; the next write
 * starts a new one.
 */
export class RelationWorker {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly clockBuffer = new SharedArrayBuffer(CLOCK_BYTES);
  private readonly flag = new Int32Array(this.clockBuffer, 0, 1);
  private readonly time = new Float64Array(this.clockBuffer, 8, 1);

  constructor(private readonly o: { dataDir: string; arrayIds: number[]; clock: Clock; busyTimeoutMs?: number }) {}

  /** Writes one array's file in the worker; rejects with the worker's error message as it would in-process. */
  write(request: ArrayFileRequest): Promise<WorkerWritten> {
    let worker: Worker;
    try {
      worker = this.started();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const id = this.nextId++;
    return new Promise<WorkerWritten>((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ type: 'write', id, request } satisfies ToWorker);
    });
  }

  /** Lets the worker close its store and end; ends it after waitMs if it does not. */
  async close(waitMs = 10_000): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' } satisfies ToWorker);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), waitMs);
    });
    try {
      if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
    } finally {
      clearTimeout(timer);
    }
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const data: RelationWorkerData = { dataDir: this.o.dataDir, arrayIds: this.o.arrayIds, busyTimeoutMs: this.o.busyTimeoutMs, clock: this.clockBuffer };
    const worker = spawn(data);
    this.worker = worker;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.stopped(worker, e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => this.stopped(worker, new Error(`the relation worker thread stopped (exit code ${code})`)));
    return worker;
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'now') {
      let now = NaN; // the worker reports a clock that failed
      try {
        now = this.o.clock.now();
      } catch {
        /* NaN */
      }
      this.time[0] = now;
      Atomics.store(this.flag, 0, 1);
      Atomics.notify(this.flag, 0);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'done') p.resolve({ written: m.written, warnings: m.warnings });
    else p.reject(new Error(m.message));
  }

  /** The worker ended or failed: what it was doing fails with that reason. */
  private stopped(worker: Worker, e: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const [id, p] of [...this.pending]) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.reject(e);
    }
  }
}
