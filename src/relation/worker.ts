/**
 * The relation worker thread (see worker-client.ts): its own read-only connection to
 * the store in the data folder, an engine scoped to the arrays of the pass, and the
 * same writer the service runs in-process (array-file.ts). It answers one message per
 * array and ends when told to close (or when its port is closed).
 *
 * No flock here: fs-ext (src/store/lock.ts) is a native addon that is not safe to load
 * in more than one thread over a process's life (a second worker thread loading it
 * kills the process with SIGSEGV), and this thread takes no lock (the read-only open
 * only reads the open markers). So fs-ext is replaced in this thread's module cache
 * before the store is loaded, by a stand-in whose flock throws, and the store and the
 * engine are required only after that.
 */
import Module from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { Clock } from '../array/clock';
import type { DiskArrayEngine } from '../array/engine';
import type { Store } from '../store/db';
import type { FromWorker, RelationWorkerData, ToWorker } from './worker-client';

/** Puts a stand-in for fs-ext into this thread's module cache (see above). */
function withoutFlock(): void {
  let resolved: string;
  try {
    resolved = require.resolve('fs-ext');
  } catch {
    return; // not installed: nothing can load it either
  }
  const m = new Module(resolved);
  m.filename = resolved;
  m.loaded = true;
  m.exports = {
    flockSync(): never {
      throw new Error('flock is not available in the relation worker thread (fs-ext is not loaded there; the worker takes no lock)');
    },
  };
  require.cache[resolved] = m;
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** How long the worker waits for the main thread to tell the time before it gives up on the clock. */
const CLOCK_WAIT_MS = 60_000;

/** The main thread's clock, asked through the shared buffer (worker-client.ts answers). */
class MainThreadClock implements Clock {
  private readonly flag: Int32Array;
  private readonly time: Float64Array;
  constructor(buffer: SharedArrayBuffer, private readonly post: (m: FromWorker) => void) {
    this.flag = new Int32Array(buffer, 0, 1);
    this.time = new Float64Array(buffer, 8, 1);
  }

  now(): number {
    Atomics.store(this.flag, 0, 0);
    this.post({ type: 'now' });
    if (Atomics.wait(this.flag, 0, 0, CLOCK_WAIT_MS) === 'timed-out') throw new Error(`the main thread did not tell the time within ${CLOCK_WAIT_MS / 1000} s`);
    const t = this.time[0];
    if (!Number.isFinite(t)) throw new Error('the main thread\'s clock failed');
    return t;
  }
}

function run(): void {
  const port = parentPort;
  if (!port) throw new Error('relation/worker.ts runs as a worker thread only');
  withoutFlock();
  // Required here, after withoutFlock (the imports above are types only and emit nothing).
  const engines = require('../array/engine') as typeof import('../array/engine');
  const db = require('../store/db') as typeof import('../store/db');
  const { writeArrayFile } = require('./array-file') as typeof import('./array-file');
  const data = workerData as RelationWorkerData;
  const post = (m: FromWorker): void => port.postMessage(m);
  const clock = new MainThreadClock(data.clock, post);
  const ids = new Set(data.arrayIds);
  let store: Store | undefined;
  let engine: DiskArrayEngine | undefined;
  // Opened on the first request, so a store that cannot be opened fails that array's write (with its reason), not the thread.
  const scoped = (): DiskArrayEngine => {
    if (!engine) {
      store = db.Store.open(data.dataDir, { readonly: true, busyTimeoutMs: data.busyTimeoutMs });
      engine = new engines.DiskArrayEngine(store, clock).scoped((a) => ids.has(a.id));
    }
    return engine;
  };
  const close = (): void => {
    store?.close();
    store = undefined;
    engine = undefined;
    port.close();
  };
  port.on('close', () => store?.close());
  port.on('message', (m: ToWorker) => {
    if (m.type === 'close') return close();
    const warnings: string[] = [];
    void (async () => {
      try {
        const written = await writeArrayFile(scoped(), clock, m.request, (w) => warnings.push(w));
        post({ type: 'done', id: m.id, written, warnings });
      } catch (e) {
        post({ type: 'failed', id: m.id, message: describe(e) });
      }
    })();
  });
}

run();
