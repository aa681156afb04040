/**
 * The checkpointer's worker thread (see checkpointer.ts): its own connection to the
 * store, which copies the write-ahead log into the database file (a PASSIVE checkpoint:
 * it never waits for, nor blocks, the daemon's writers and readers) shortly after
 * anything was written. The fsyncs and page copies of a checkpoint happen here, never on
 * the daemon's event loop. The main thread may also ask for one at once ('now').
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointWorkerData, FromCheckpointWorker, ToCheckpointWorker } from './checkpointer';

const data = workerData as CheckpointWorkerData;
const port = parentPort;
if (!port) throw new Error('checkpoint-worker runs in a worker thread');

function post(m: FromCheckpointWorker): void {
  port!.postMessage(m);
}

/** The worker's connection; undefined when it could not be opened (the main thread is told, and stops the worker). */
function open(): Database.Database | undefined {
  try {
    const d = new Database(data.file, { fileMustExist: true, timeout: data.busyTimeoutMs });
    // synchronous=FULL: the log is fsynced before its pages are copied and the database after (SQLite does both in a checkpoint).
    d.pragma('synchronous = FULL');
    d.pragma('wal_autocheckpoint = 0');
    return d;
  } catch (e) {
    post({ type: 'failed', message: `cannot open ${data.file}: ${(e as Error).message}`, fatal: true });
    return undefined;
  }
}
const db = open();

const wal = `${data.file}-wal`;
let running = false;

/** One PASSIVE checkpoint; `framesLeft` > 0 when readers still needed older pages (the next one copies them). */
function checkpoint(reason: 'written' | 'asked'): void {
  if (running || !db) return;
  running = true;
  const t0 = process.hrtime.bigint();
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    post({ type: 'checkpointed', reason, frames: r.log, copied: r.checkpointed, busy: r.busy === 1, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
  } catch (e) {
    post({ type: 'failed', message: (e as Error).message });
  } finally {
    running = false;
  }
}

/**
 * Every `pollMs` the log is checkpointed if anything was written to it since the last
 * look (its size or modification time moved). SQLite reuses the log from its start once
 * every frame was copied, so the log's size alone does not tell of new frames; a
 * checkpoint with nothing new to copy is cheap, and with nothing written none runs.
 */
let seen = '';
function stamp(): string {
  try {
    const st = fs.statSync(wal, { bigint: true });
    return `${st.size}/${st.mtimeNs}`;
  } catch {
    return '';
  }
}
const timer = setInterval(() => {
  if (!db) return;
  const now = stamp();
  if (now === seen) return;
  checkpoint('written');
  seen = stamp();
}, data.pollMs);

port.on('message', (m: ToCheckpointWorker) => {
  if (m.type === 'now') {
    checkpoint('asked');
    seen = stamp();
  } else if (m.type === 'close') {
    clearInterval(timer);
    db?.close();
    port.close();
  }
});
