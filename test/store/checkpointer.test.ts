/**
 * Checkpoints off the event loop (issue 12): the daemon's connection no longer copies
 * the write-ahead log into the database inside a COMMIT (wal_autocheckpoint 0); a
 * worker thread with its own connection does it shortly after anything was written,
 * and if that worker fails the connection checkpoints by itself again.
 */
import fs from 'node:fs';
import { Checkpointer, SQLITE_AUTOCHECKPOINT_PAGES } from '../../src/store/checkpointer';
import { Store } from '../../src/store/db';
import { tempDir } from '../helpers/fixture';

let store: Store;
let cp: Checkpointer | undefined;
beforeEach(() => {
  store = Store.open(tempDir('vvol-ckpt-'));
  store.db.exec('CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)');
});
afterEach(async () => {
  await cp?.stop();
  cp = undefined;
  store.close();
});

function write(rows: number, from = 0): void {
  store.tx(() => {
    for (let i = 0; i < rows; i++) store.run('INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)', from + i, Buffer.alloc(4096, i & 0xff));
  });
}

test('the connection stops checkpointing inside COMMIT; the worker copies the log after writes', async () => {
  expect(store.autoCheckpoint()).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
  cp = Checkpointer.start(store, { pollMs: 5 });
  expect(store.autoCheckpoint()).toBe(0);
  const next = cp.next();
  // 1,500 pages: past SQLite's 1,000, where the COMMIT would have checkpointed the log itself.
  write(1500);
  await next;
  await cp.now();
  expect(cp.stats.checkpoints).toBeGreaterThanOrEqual(1);
  expect(cp.stats.copied).toBeGreaterThan(1500);
  expect(cp.stats.failures).toBe(0);
  // Everything is in the database file: a checkpoint from this connection finds nothing left to copy.
  const [r] = store.db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  expect(r.checkpointed).toBe(r.log);
});

test('writes go on while the worker checkpoints, and the log is reused from its start', async () => {
  cp = Checkpointer.start(store, { pollMs: 5 });
  for (let round = 0; round < 5; round++) {
    write(400, round * 400);
    await cp.now();
  }
  // The log was restarted after each complete checkpoint, so it holds about one round, not five.
  const pageSize = store.db.pragma('page_size', { simple: true }) as number;
  expect(fs.statSync(`${store.file}-wal`).size).toBeLessThan(3 * 400 * (pageSize + 24));
  expect((store.get<{ n: number }>('SELECT COUNT(*) AS n FROM t') as { n: number }).n).toBe(2000);
});

test('stopping the worker gives the connection its own checkpoints back', async () => {
  cp = Checkpointer.start(store, { pollMs: 5 });
  await cp.stop();
  expect(store.autoCheckpoint()).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
  expect(cp.stats.running).toBe(false);
  await expect(cp.now()).resolves.toBeUndefined();
});

test('a worker that cannot open the store: logged, and the connection checkpoints by itself again', async () => {
  const errors: string[] = [];
  const moved = `${store.file}.away`;
  fs.renameSync(store.file, moved);
  try {
    cp = Checkpointer.start(store, { pollMs: 5, log: { warn: (m) => errors.push(m), error: (m) => errors.push(m) } });
    expect(store.autoCheckpoint()).toBe(0);
    await cp.next();
  } finally {
    fs.renameSync(moved, store.file);
  }
  expect(cp.stats.running).toBe(false);
  expect(store.autoCheckpoint()).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
  expect(errors.join('\n')).toMatch(/cannot open .*vvol-provider\.db/);
  expect(errors.join('\n')).toMatch(/checkpoints by itself again/);
});
