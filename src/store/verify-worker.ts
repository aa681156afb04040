/**
 * The start's check of the store (quick_check) on a connection of its own in a worker
 * thread, so that it runs while the daemon's main thread loads its modules (issue 12,
 * S6). Started by Store.open (verifyOffThread) once the daemon's own connection has
 * opened the store and its log; read-only, so it changes nothing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { CheckDepth, checkFindings } from './integrity';

export interface VerifyWorkerData {
  file: string;
  depth: CheckDepth;
  busyTimeoutMs: number;
}

/** problems: what SQLite found ([] when sound); error: the check could not run (the main thread checks by itself then). */
export type FromVerifyWorker = { type: 'checked'; problems: string[] } | { type: 'error'; message: string };

const data = workerData as VerifyWorkerData;

function check(): FromVerifyWorker {
  let db: Database.Database | undefined;
  try {
    db = new Database(data.file, { readonly: true, fileMustExist: true, timeout: data.busyTimeoutMs });
    return { type: 'checked', problems: checkFindings(db, data.depth) };
  } catch (e) {
    // The check could not run (a check running into the damage is a finding: checkFindings).
    return { type: 'error', message: (e as Error).message };
  } finally {
    db?.close();
  }
}

parentPort?.postMessage(check());
