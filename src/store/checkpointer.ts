/**
 * Checkpoints off the event loop. In WAL mode SQLite copies the log into the database
 * file (a checkpoint: an fsync of the log, the page copies, an fsync of the database)
 * inside the COMMIT that takes the log past 1,000 pages, so now and then one call of
 * the daemon paid for the work of hundreds. The daemon's connection stops doing that
 * (wal_autocheckpoint = 0) and a worker thread with its own connection
 * (checkpoint-worker.ts) runs PASSIVE checkpoints shortly after anything was written.
 *
 * Durability does not change: every COMMIT is still fsynced in the log before the call
 * returns (synchronous=FULL), and a checkpoint only moves durable frames. If the worker
 * fails or stops unexpectedly, the daemon's connection checkpoints by itself again
 * (wal_autocheckpoint back to SQLite's 1,000 pages), so the log never grows without end.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../sys/worker-thread';
import type { Service, ServiceStatus } from '../sys/service';
import type { Store } from './db';

export interface CheckpointWorkerData {
  file: string;
  busyTimeoutMs: number;
  /** How often the worker looks whether the log was written to. */
  pollMs: number;
}

export type ToCheckpointWorker = { type: 'now' } | { type: 'close' };
export type FromCheckpointWorker =
  | { type: 'checkpointed'; reason: 'written' | 'asked'; frames: number; copied: number; busy: boolean; ms: number }
  /** fatal: the worker cannot work at all (its connection could not be opened). */
  | { type: 'failed'; message: string; fatal?: boolean };

/** SQLite's default: what the daemon's connection goes back to without the worker. */
export const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface CheckpointerOptions {
  pollMs?: number;
  busyTimeoutMs?: number;
  log?: { warn(m: string): void; error(m: string): void };
}

export interface CheckpointStats {
  checkpoints: number;
  /** Frames copied into the database by the worker, in all. */
  copied: number;
  lastMs: number;
  maxMs: number;
  failures: number;
  /** False once the worker stopped and the daemon's connection checkpoints again. */
  running: boolean;
}

export class Checkpointer {
  readonly stats: CheckpointStats = { checkpoints: 0, copied: 0, lastMs: 0, maxMs: 0, failures: 0, running: true };
  private waiters: (() => void)[] = [];
  private watchers: (() => void)[] = [];
  private closing = false;

  private constructor(private readonly store: Store, private readonly worker: Worker, private readonly log?: CheckpointerOptions['log']) {
    worker.on('message', (m: FromCheckpointWorker) => this.onMessage(m));
    worker.on('error', (e) => this.fallBack(`the checkpoint worker failed: ${e.message}`));
    worker.on('exit', (code) => {
      if (!this.closing) this.fallBack(`the checkpoint worker stopped (exit code ${code})`);
      this.release();
    });
  }

  /** Moves the store's checkpoints into a worker thread. */
  static start(store: Store, o: CheckpointerOptions = {}): Checkpointer {
    const data: CheckpointWorkerData = { file: store.file, busyTimeoutMs: o.busyTimeoutMs ?? 10_000, pollMs: o.pollMs ?? 250 };
    const worker = startWorker(__filename, 'checkpoint-worker', data, 'checkpoint worker');
    worker.unref();
    store.setAutoCheckpoint(0);
    return new Checkpointer(store, worker, o.log);
  }

  /** Asks for a checkpoint now; resolves once the worker has run it (or stopped). */
  now(): Promise<void> {
    if (!this.stats.running) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.worker.postMessage({ type: 'now' } satisfies ToCheckpointWorker);
    });
  }

  /** Resolves at the worker's next checkpoint, whatever started it (or when it stops). */
  next(): Promise<void> {
    if (!this.stats.running) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push(resolve));
  }

  /** Stops the worker; the daemon's connection checkpoints by itself again (and at its close). */
  async stop(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.stats.running) {
      this.stats.running = false;
      if (this.store.isOpen) this.store.setAutoCheckpoint(SQLITE_AUTOCHECKPOINT_PAGES);
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      // Held while it closes: unreferenced, a daemon with nothing else left to do would end
      // here, before its store is closed and its lock released.
      this.worker.ref();
      this.worker.postMessage({ type: 'close' } satisfies ToCheckpointWorker);
      await exited;
    }
    this.release();
  }

  private onMessage(m: FromCheckpointWorker): void {
    if (m.type === 'checkpointed') {
      this.stats.checkpoints++;
      this.stats.copied += m.copied;
      this.stats.lastMs = m.ms;
      this.stats.maxMs = Math.max(this.stats.maxMs, m.ms);
      if (m.reason === 'asked') this.waiters.shift()?.();
      for (const w of this.watchers.splice(0)) w();
    } else if (m.fatal) {
      this.stats.failures++;
      this.fallBack(`the checkpoint worker cannot work (${m.message})`);
      this.closing = true;
      void this.worker.terminate();
    } else {
      this.stats.failures++;
      this.log?.warn(`store checkpoint: ${m.message}`);
      this.waiters.shift()?.();
    }
  }

  private fallBack(why: string): void {
    if (!this.stats.running) return;
    this.stats.running = false;
    this.log?.error(`${why}; the daemon's store connection checkpoints by itself again.`);
    try {
      if (this.store.isOpen) this.store.setAutoCheckpoint(SQLITE_AUTOCHECKPOINT_PAGES);
    } catch (e) {
      this.log?.error(`could not restore the store's own checkpoints: ${(e as Error).message}`);
    }
    this.release();
  }

  private release(): void {
    for (const w of [...this.waiters.splice(0), ...this.watchers.splice(0)]) w();
  }
}

/** The checkpointer as one of the daemon's services: started with them, stopped after the others (it is first in the list). */
export class CheckpointService implements Service<unknown> {
  readonly name = 'store checkpoints';
  private cp?: Checkpointer;
  constructor(private readonly store: Store, private readonly o: CheckpointerOptions = {}) {}

  start(): void {
    this.cp ??= Checkpointer.start(this.store, this.o);
  }

  async stop(): Promise<void> {
    await this.cp?.stop();
  }

  applySettings(): void {
    /* nothing to apply */
  }

  get checkpointer(): Checkpointer | undefined {
    return this.cp;
  }

  status(): ServiceStatus {
    const s = this.cp?.stats;
    return { name: this.name, running: !!s?.running };
  }
}
