/**
 * Issue 8, rows 17 to 20 and "store and WAL files created 0600", at the level of the
 * store and the folder lock (in this process; the crashes are real SIGKILLs of child
 * processes). startup.test.ts runs the same cases through the compiled daemon and CLI.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DiskArrayEngine } from '../../src/array/engine';
import { ManualClock } from '../../src/array/clock';
import { Store, StoreRefusedError, STORE_FILE } from '../../src/store/db';
import { acquireDataLock, DataFolderLockedError, dataFolderHolder, processAlive } from '../../src/store/lock';
import { listOpeners, markerDir } from '../../src/store/open-markers';
import { inspectWal } from '../../src/store/wal';
import { buildArray, tempDir } from '../helpers/fixture';
import { requireBuild, ROOT } from '../helpers/startup-daemon';

const WRITER = path.join(ROOT, 'test', 'helpers', 'startup-writer.js');

beforeAll(requireBuild);

function refusal(fn: () => unknown): StoreRefusedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreRefusedError) return e;
    throw e;
  }
  throw new Error('the store was opened');
}

/** A data folder that a provider has used: its certificate and its logs are there. */
function usedFolder(): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'certs'));
  fs.writeFileSync(path.join(dir, 'certs', 'provider.crt'), 'x');
  fs.mkdirSync(path.join(dir, 'server', 'logs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'server', 'logs', 'provider-20260101.log'), 'x');
  return dir;
}

/** A writer child that creates `count` VVols (each acknowledged) and SIGKILLs itself while the store is open. */
function killedWriter(dir: string, count: number): void {
  const r = spawnSync(process.execPath, [WRITER, dir, String(count), 'kill'], { encoding: 'utf8' });
  expect(r.signal).toBe('SIGKILL');
  expect(r.stdout).toContain(`acked ${count}\n`);
}

function vvolCount(store: Store): number {
  return new DiskArrayEngine(store, new ManualClock()).listLds('Storage001').filter((l) => l.kind === 'vvol').length;
}

test('row 17: an empty or missing store in a used data folder is refused, not made anew; a fresh folder gets one', () => {
  const used = usedFolder();
  const missing = refusal(() => Store.open(used));
  expect(missing.reason).toBe('missing');
  expect(missing.message).toContain(`The store ${path.join(used, STORE_FILE)} is missing, but the data folder ${used} has been used by the provider before (certs/, server/logs/)`);
  expect(fs.existsSync(path.join(used, STORE_FILE))).toBe(false);

  fs.writeFileSync(path.join(used, STORE_FILE), '');
  expect(refusal(() => Store.open(used)).reason).toBe('empty');
  expect(fs.statSync(path.join(used, STORE_FILE)).size).toBe(0);

  // A database without the schema is as empty: its first page alone (as `sqlite3 file 'VACUUM'` leaves it).
  fs.rmSync(path.join(used, STORE_FILE));
  new Database(path.join(used, STORE_FILE)).pragma('journal_mode = WAL');
  expect(refusal(() => Store.open(used)).reason).toBe('empty');

  // The account set with `vvolctl settings -s` before a first start is no sign of use.
  const fresh = tempDir();
  fs.writeFileSync(path.join(fresh, 'provider-account.json'), '{}');
  const s = Store.open(fresh);
  expect(s.version()).toBeGreaterThan(0);
  s.close();
});

test('row 18: a store with overwritten pages is refused when opened with verification', async () => {
  const f = buildArray();
  for (let i = 0; i < 60; i++) f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 2 ** 30, metadata: { VMW_VmID: `vm-${i}` } });
  f.store.db.exec('VACUUM'); // no free pages: every page overwritten below is in use
  f.close();
  const file = path.join(f.dir, STORE_FILE);
  const buf = fs.readFileSync(file);
  const pageSize = buf.readUInt16BE(16);
  // Four b-tree pages (not the first), filled with bytes no page type starts with.
  const pages: number[] = [];
  for (let p = 2; (p - 1) * pageSize < buf.length && pages.length < 4; p += 3) {
    if ([0x02, 0x05, 0x0a, 0x0d].includes(buf[(p - 1) * pageSize])) pages.push(p);
  }
  expect(pages).toHaveLength(4);
  for (const p of pages) buf.fill(0xa7, (p - 1) * pageSize, p * pageSize);
  fs.writeFileSync(file, buf);

  const e = refusal(() => Store.open(f.dir, { verify: 'quick' }));
  expect(e.reason).toBe('damaged');
  expect(e.message).toMatch(new RegExp(`^The store ${file} is damaged: `));
  expect(e.message).toContain('restore vvol-provider.db from a backup');
  // The refused open left no marker behind (it closed cleanly).
  expect(listOpeners(file)).toEqual([]);

  // The daemon's start checks in a worker thread (issue 12, S6): the open returns, and verified() refuses the store.
  const early = Store.open(f.dir, { verify: 'quick', verifyOffThread: true });
  try {
    const late = await early.verified().then(() => undefined, (e: unknown) => e);
    expect(late).toBeInstanceOf(StoreRefusedError);
    expect((late as StoreRefusedError).reason).toBe('damaged');
    expect((late as Error).message).toBe(e.message);
  } finally {
    early.close();
  }
});

test('row 18: the start\'s check in a worker thread passes a sound store; with a migration due the check runs in open() first', async () => {
  const f = buildArray();
  f.close();
  const s = Store.open(f.dir, { verify: 'quick', verifyOffThread: true });
  try {
    await expect(s.verified()).resolves.toBeUndefined();
    expect(s.problems('quick')).toEqual([]);
  } finally {
    s.close();
  }
  // A store one migration behind, damaged: refused by open() itself, before the migration could write into it.
  const db = new Database(path.join(f.dir, STORE_FILE));
  const version = db.pragma('user_version', { simple: true }) as number;
  db.pragma(`user_version = ${version - 1}`);
  db.exec('VACUUM');
  db.close();
  const file = path.join(f.dir, STORE_FILE);
  const buf = fs.readFileSync(file);
  const pageSize = buf.readUInt16BE(16);
  let hit = 0;
  for (let p = 2; (p - 1) * pageSize < buf.length && hit < 4; p += 3) {
    if ([0x02, 0x05, 0x0a, 0x0d].includes(buf[(p - 1) * pageSize])) {
      buf.fill(0xa7, (p - 1) * pageSize, p * pageSize);
      hit++;
    }
  }
  fs.writeFileSync(file, buf);
  const e = refusal(() => Store.open(f.dir, { verify: 'quick', verifyOffThread: true }));
  expect(e.reason).toBe('damaged');
  expect(e.message).toContain("SQLite's quick_check found");
});

test('row 19: a SIGKILLed writer whose WAL was then deleted or damaged is refused; with its WAL intact it is recovered whole', () => {
  const dir = tempDir();
  killedWriter(dir, 20);
  const file = path.join(dir, STORE_FILE);
  const wal = `${file}-wal`;
  expect(inspectWal(wal)).toMatchObject({ state: 'valid' });
  const [dead] = listOpeners(file);
  expect(processAlive(dead.pid, dead.startTime)).toBe(false);

  const deleted = tempDir();
  fs.cpSync(dir, deleted, { recursive: true });
  fs.rmSync(`${path.join(deleted, STORE_FILE)}-wal`);
  const e = refusal(() => Store.open(deleted));
  expect(e.reason).toBe('wal-lost');
  expect(e.message).toContain(`The store ${path.join(deleted, STORE_FILE)} was not closed: the process ${dead.pid} (startup-writer.js) that had it open stopped without closing it, and its write-ahead log ${path.join(deleted, STORE_FILE)}-wal is missing.`);
  expect(e.message).toContain(`remove the folder ${markerDir(path.join(deleted, STORE_FILE))}`);
  // Read-only opens (`vvolctl status`) refuse too, and make no empty WAL that would hide the loss.
  expect(refusal(() => Store.open(deleted, { readonly: true })).reason).toBe('wal-lost');
  expect(fs.existsSync(`${path.join(deleted, STORE_FILE)}-wal`)).toBe(false);

  const damaged = tempDir();
  fs.cpSync(dir, damaged, { recursive: true });
  const w = fs.readFileSync(`${path.join(damaged, STORE_FILE)}-wal`);
  w[32 + 24 + 1000] ^= 0xff; // inside the first frame's page
  fs.writeFileSync(`${path.join(damaged, STORE_FILE)}-wal`, w);
  expect(refusal(() => Store.open(damaged)).message).toMatch(/its write-ahead log .* is damaged \(frame 1 fails its checksum and the log goes on after it/);

  // The original, WAL intact: recovered whole, the dead marker taken over, and no alarm afterwards.
  const s = Store.open(dir);
  expect(vvolCount(s)).toBe(20);
  expect(listOpeners(file).map((o) => o.pid)).toEqual([process.pid]);
  s.close();
  expect(fs.existsSync(wal)).toBe(false);
  expect(listOpeners(file)).toEqual([]);
  const again = Store.open(dir);
  expect(vvolCount(again)).toBe(20);
  again.close();
});

test('row 19: a writer killed while another process has the store open is no false alarm once that one closes', async () => {
  const dir = tempDir();
  const child = spawn(process.execPath, [WRITER, dir, '5', 'wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('done\n')) resolve();
    });
    child.on('exit', () => reject(new Error(`the writer ended early: ${out}`)));
  });
  const cli = Store.open(dir); // the writer is alive: it stays responsible for its WAL
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  cli.close(); // the last connection: SQLite checkpoints everything and deletes the WAL
  const file = path.join(dir, STORE_FILE);
  expect(fs.existsSync(`${file}-wal`)).toBe(false);
  expect(listOpeners(file)).toEqual([]);
  const s = Store.open(dir);
  expect(vvolCount(s)).toBe(5);
  s.close();
});

/** A process that has exited and that its parent (a shell that exec'd sleep) never reaps. */
async function zombie(): Promise<{ pid: number; keeper: ReturnType<typeof spawn> }> {
  const keeper = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve) => keeper.stdout!.once('data', (d: Buffer) => resolve(parseInt(d.toString(), 10))));
  // Its end is no event this process can wait for: poll its state, bounded.
  for (let i = 0; i < 500; i++) {
    if (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z')) return { pid, keeper };
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
  keeper.kill('SIGKILL');
  throw new Error(`process ${pid} did not become a zombie`);
}

test('row 20: an unreaped zombie is not alive', async () => {
  const z = await zombie();
  try {
    expect(processAlive(z.pid)).toBe(false);
    expect(processAlive(process.pid)).toBe(true);
  } finally {
    z.keeper.kill('SIGKILL');
  }
});

test('row 20: deleting the lock file does not admit a second daemon; the lock goes with its holder', () => {
  const dir = tempDir();
  const first = acquireDataLock(dir);
  expect(dataFolderHolder(dir)).toEqual({ held: true, pid: process.pid });
  fs.rmSync(path.join(dir, 'provider.lock'));
  expect(() => acquireDataLock(dir)).toThrow(DataFolderLockedError);
  expect(() => acquireDataLock(dir)).toThrow(`Another provider is already running on the data folder ${dir}: it holds the folder's lock.`);
  first.release();
  expect(dataFolderHolder(dir)).toEqual({ held: false });
  const second = acquireDataLock(dir);
  expect(fs.statSync(path.join(dir, 'provider.lock')).mode & 0o777).toBe(0o600);
  second.release();
});

test('store and WAL files are created 0600 whatever the umask; an older, wider store is narrowed', () => {
  const old = process.umask(0o022);
  try {
    const f = buildArray();
    const file = path.join(f.dir, STORE_FILE);
    for (const x of [file, `${file}-wal`, `${file}-shm`, ...listOpeners(file).map((o) => o.file)]) {
      expect([x, fs.statSync(x).mode & 0o777]).toEqual([x, 0o600]);
    }
    f.close();
    const dir = f.dir;
    fs.chmodSync(file, 0o644);
    Store.open(dir).close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  } finally {
    process.umask(old);
  }
});
