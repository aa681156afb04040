/**
 * The daemon's hold on its data folder: the folder's lock and the store, opened before
 * anything else the daemon writes there (logs, certificate, account: what later shows
 * the folder was used, so a first start killed half-way is never taken for a lost
 * store). Store.open refuses a missing store in a used folder and a lost WAL; SQLite's
 * quick_check refuses a damaged one.
 *
 * Kept apart from the assembly so that src/main.ts can open a used store first, before
 * it loads the rest of the provider: the check then runs in a worker thread while the
 * modules load (issue 12, S6), and the start waits for it before the store is used.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Store, STORE_FILE } from '../store/db';
import { acquireDataLock, DataLock } from '../store/lock';
import type { Runtime } from '../sys/runtime';

export interface DaemonStore {
  lock: DataLock;
  /** Its start's check may still run: see Store.verified(). */
  store: Store;
}

/** Takes the folder's lock and opens the store (commits made durable off the event loop: the HTTPS server holds every answer until they are). */
export function openDaemonStore(runtime: Runtime, verifyOffThread: boolean): DaemonStore {
  const lock = acquireDataLock(runtime.dataDir);
  try {
    return { lock, store: Store.open(runtime.dataDir, { verify: 'quick', verifyOffThread, deferredSync: true, tempInMemory: true }) };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/**
 * A restart's early open: only a folder whose store exists and holds something (a
 * first start keeps the assembly's order: the account's check, the settings, then the
 * store). undefined when there is nothing to open early.
 */
export function openUsedStoreEarly(runtime: Runtime): DaemonStore | undefined {
  let size = 0;
  try {
    size = fs.statSync(path.join(runtime.dataDir, STORE_FILE)).size;
  } catch {
    return undefined;
  }
  return size > 0 ? openDaemonStore(runtime, true) : undefined;
}

export function closeDaemonStore(d: DaemonStore): void {
  try {
    d.store.close();
  } finally {
    d.lock.release();
  }
}
