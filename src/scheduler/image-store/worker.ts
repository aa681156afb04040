/**
 * The image store's worker thread (see worker-client.ts): it owns the StagedImages of
 * the writers the main thread begins (writer.ts, the same code the in-thread writer
 * runs) and does their file work in the order it is posted: staging folder, chunk
 * writes, the commit with its fsyncs and manifest link, abort with its sweep. One
 * message in, replies out; nothing here waits on the main thread but a lock (below).
 *
 * Locks. The store's locks are flock(2) (src/store/flock.ts), which a worker thread
 * cannot take itself (fs-ext must not be loaded by a second thread). This thread
 * registers a delegate that asks the main thread to flock the descriptor
 * (descriptors and their flocks belong to the process, so a lock the main
 * thread takes on a descriptor this thread opened is this descriptor's lock, dropped
 * when it is closed or the process dies, exactly as if taken here). The main thread
 * only ever tries (LOCK_NB) and answers at once through a SharedArrayBuffer; a blocking
 * lock (gc.lock while a sweep runs) is tried again here, with a short sleep, until taken.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { delegateFlock, type FlockMode } from '../../store/flock';
import { backgroundThread } from '../../sys/worker-thread';
import type { ImageManifest } from '../contract';
import type { FromStoreWorker, StoreWorkerData, ToStoreWorker } from './worker-client';
import { toWire } from './async-writer';
import { storeLayout } from './layout';
import { StagedImage } from './writer';

/** How long a lock request waits for the main thread's answer. */
const ANSWER_WAIT_MS = 60_000;

/** This thread's locks, taken by the main thread on this thread's descriptors (see above). */
function delegateLocks(data: StoreWorkerData, post: (m: FromStoreWorker) => void): void {
  const flag = new Int32Array(data.lock, 0, 1);
  const result = new Int32Array(data.lock, 4, 1);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const ask = (fd: number, mode: string): number => {
    Atomics.store(flag, 0, 0);
    post({ t: 'flock', fd, mode });
    if (Atomics.wait(flag, 0, 0, ANSWER_WAIT_MS) === 'timed-out') throw new Error(`the main thread did not answer a lock request within ${ANSWER_WAIT_MS / 1000} s`);
    return Atomics.load(result, 0);
  };
  delegateFlock((fd: number, mode: FlockMode): void => {
    const blocking = mode === 'sh' || mode === 'ex';
    const tried = blocking ? (`${mode}nb` as const) : mode;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      const r = ask(fd, tried);
      if (r === 0) return;
      if (r === 1 && blocking) {
        Atomics.wait(nap, 0, 0, wait); // held by a sweep: try again shortly
        continue;
      }
      const e = new Error(r === 1 ? 'EAGAIN: the lock is held' : `flock(${mode}) failed on descriptor ${fd}`) as NodeJS.ErrnoException;
      e.code = r === 1 ? 'EAGAIN' : r === 2 ? 'EBADF' : 'EIO';
      throw e;
    }
  });
}

function run(): void {
  const port = parentPort;
  if (!port) throw new Error('image-store/worker.ts runs as a worker thread only');
  // Archive writing gives way to the VASA calls when they compete for a core.
  backgroundThread();
  const data = workerData as StoreWorkerData;
  const post = (m: FromStoreWorker): void => port.postMessage(m);
  delegateLocks(data, post);

  interface Held {
    staged?: StagedImage;
    failed: boolean;
    bytes: number;
  }
  const writers = new Map<number, Held>();

  const failWriter = (w: number, h: Held, e: unknown) => {
    if (h.failed) return;
    h.failed = true;
    post({ t: 'failed', w, error: toWire(e) });
  };
  const reply = (id: number, fn: () => unknown) => {
    try {
      post({ t: 'done', id, value: fn() });
    } catch (e) {
      post({ t: 'error', id, error: toWire(e) });
    }
  };

  port.on('message', (m: ToStoreWorker) => {
    if (m.t === 'close') {
      port.close();
      return;
    }
    if (m.t === 'begin') {
      const h: Held = { failed: false, bytes: 0 };
      writers.set(m.w, h);
      try {
        h.staged = new StagedImage(storeLayout(m.dir), m.imageId);
      } catch (e) {
        failWriter(m.w, h, e);
      }
      return;
    }
    const h = writers.get(m.w);
    if (!h) {
      if (m.t === 'flush' || m.t === 'commit' || m.t === 'abort') post({ t: 'error', id: m.id, error: { name: 'Error', message: `the store worker has no writer ${m.w}` } });
      return;
    }
    switch (m.t) {
      case 'disk':
        if (h.failed || !h.staged) return;
        try {
          h.staged.addDisk(m.disk);
        } catch (e) {
          failWriter(m.w, h, e);
        }
        return;
      case 'put': {
        let bytes = 0;
        if (!h.failed && h.staged) {
          for (const c of m.batch) {
            try {
              bytes += h.staged.putChunk(c.disk, c.index, c.content);
            } catch (e) {
              failWriter(m.w, h, e);
              break;
            }
          }
        }
        h.bytes += bytes;
        post({ t: 'stored', w: m.w, n: m.batch.length, bytes });
        return;
      }
      case 'flush':
        reply(m.id, () => {
          if (h.failed) throw new Error('the writer failed');
          return h.bytes;
        });
        return;
      case 'commit':
        reply(m.id, (): ImageManifest => {
          if (h.failed || !h.staged) throw new Error('the writer failed');
          const manifest = h.staged.commit(m.meta);
          writers.delete(m.w);
          return manifest;
        });
        return;
      case 'abort':
        writers.delete(m.w);
        reply(m.id, () => h.staged?.abort());
        return;
    }
  });
}

run();
