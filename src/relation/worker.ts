/**
 * The relation worker thread (see worker-client.ts): its own read-only connection to
 * the store in the data folder, an engine scoped to the arrays of the pass, and the
 * same writer the service runs in-process (array-file.ts). It answers one message per
 * array and ends when told to close (or when its port is closed).
 *
 * No lock is taken here (the read-only open only reads the open markers): a flock in
 * this thread would be refused with a clear error (src/store/flock.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Clock } from '../array/clock';
import { DiskArrayEngine } from '../array/engine';
import { Store } from '../store/db';
import { backgroundThread } from '../sys/worker-thread';
import { writeArrayFile } from './array-file';
import type { FromWorker, RelationWorkerData, ToWorker } from './worker-client';

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
  // A pass gives way to the VASA calls when they compete for a core.
  backgroundThread();
  const data = workerData as RelationWorkerData;
  const post = (m: FromWorker): void => port.postMessage(m);
  const clock = new MainThreadClock(data.clock, post);
  const ids = new Set(data.arrayIds);
  let store: Store | undefined;
  let engine: DiskArrayEngine | undefined;
  // Opened on the first request, so a store that cannot be opened fails that array's write (with its reason), not the thread.
  const scoped = (): DiskArrayEngine => {
    if (!engine) {
      store = Store.open(data.dataDir, { readonly: true, busyTimeoutMs: data.busyTimeoutMs });
      engine = new DiskArrayEngine(store, clock).scoped((a) => ids.has(a.id));
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
