import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Store } from '../../src/store/db';
import { MIGRATIONS } from '../../src/store/migrations';
import { acquireDataLock, DataFolderLockedError } from '../../src/store/lock';
import { bootstrapArray } from '../../src/array/bootstrap';
import { loadDemoArrays } from '../../src/config/demo-array';
import { buildArray, demoSpec, tempDir } from '../helpers/fixture';

test('a new store is in WAL mode at the latest schema version, and migrating again changes nothing', () => {
  const dir = tempDir();
  const s = Store.open(dir);
  expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(s.version()).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
  s.close();
  const again = Store.open(dir);
  expect(again.version()).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
  again.close();
});

test('a transaction that throws leaves no trace', () => {
  const f = buildArray();
  const before = f.engine.listPools(f.array).length;
  expect(() =>
    f.store.tx(() => {
      f.engine.createPool(f.array, { name: 'half', virtual: true, container: true, capacityBytes: 2 ** 31 });
      throw new Error('boom');
    }),
  ).toThrow('boom');
  expect(f.engine.listPools(f.array).length).toBe(before);
  f.close();
});

test('a second daemon on the same data folder is refused with a clear message', () => {
  const dir = tempDir();
  // flock belongs to the open descriptor: a second acquisition, even in this process, is a second holder.
  const first = acquireDataLock(dir);
  expect(() => acquireDataLock(dir)).toThrow(DataFolderLockedError);
  expect(() => acquireDataLock(dir)).toThrow(new RegExp(`Another provider \\(pid ${process.pid}\\) is already running on the data folder`));
  first.release();
  acquireDataLock(dir).release();
});

test('a lock left by a killed process is taken over', () => {
  const dir = tempDir();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  fs.writeFileSync(path.join(dir, 'provider.lock'), `${dead}\n`);
  const lock = acquireDataLock(dir);
  expect(fs.readFileSync(path.join(dir, 'provider.lock'), 'utf8')).toContain(String(process.pid));
  lock.release();
  expect(fs.existsSync(path.join(dir, 'provider.lock'))).toBe(false);
});

test('the demo configuration is valid, and applying it twice never duplicates the array', () => {
  const specs = loadDemoArrays();
  expect(specs).toHaveLength(1);
  const f = buildArray({ spec: null });
  expect(bootstrapArray(f.engine, specs[0]).created).toBe(true);
  expect(bootstrapArray(f.engine, specs[0]).created).toBe(false);
  const arrays = f.engine.listArrays();
  expect(arrays).toHaveLength(1);
  const pools = f.engine.listPools(arrays[0].name);
  expect(pools.filter((p) => p.container && !p.name.startsWith('vvolbackup')).map((p) => p.poolNo % 2).sort()).toEqual([0, 1]);
  // B7 (3.9.1): backup volumes go to "the Storage Container whose pool name begins with vvolbackup".
  expect(pools.find((p) => p.name === 'vvolbackup0')).toMatchObject({ virtual: true, container: true });
  const lds = f.engine.listLds(arrays[0].name);
  expect(lds.filter((l) => l.kind === 'ssv')).toHaveLength(1);
  expect(lds.filter((l) => l.kind === 'pe')).toHaveLength(2);
  expect(Object.values(arrays[0].licences).every(Boolean)).toBe(true);
  expect(arrays[0].monitoring).toBe('Running');
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

test('a demo configuration with mistakes reports all of them at once', () => {
  const dir = tempDir();
  const file = path.join(dir, 'bad.jsonc');
  fs.writeFileSync(file, '// bad\n{ "arrays": [ { "name": "A", "serial": "1", "model": "M999", "ip": "1.2.3.4", "licences": ["Nope"], "pools": [ { "poolNo": "zz", "raid": "RAID0", "pdType": "SAS", "capacityGB": 0 } ] } ] }');
  let msg = '';
  try {
    loadDemoArrays(file);
  } catch (e) {
    msg = (e as Error).message;
  }
  expect(msg).toMatch(/model must be one of/);
  expect(msg).toMatch(/unknown licence "Nope"/);
  expect(msg).toMatch(/poolNo must be a pool number/);
  expect(msg).toMatch(/raid must be one of/);
  expect(msg).toMatch(/capacityGB must be a number/);
});

test('state survives closing and reopening the store', () => {
  const f = buildArray({ spec: demoSpec() });
  const { ld } = f.engine.createVvol(f.array, { pool: 0, type: 'config', sizeBytes: 4 * 2 ** 30, metadata: { VMW_VmID: 'vm-a' } });
  f.engine.write(ld, 5, ['token-5']);
  const g = f.reopen();
  const again = g.engine.getVvol(ld.vvolId!);
  expect(g.engine.readChunks(again, 5, 1)).toEqual(['token-5']);
  expect(g.engine.vvolDetail(ld.vvolId!).metadata).toEqual({ VMW_VmID: 'vm-a' });
  g.close();
});

test('a lock whose pid now belongs to another process (pid reused after a restart) is taken over', () => {
  const dir = tempDir();
  // The parent process is alive, but it is not the process that wrote this lock: its start time differs.
  fs.writeFileSync(path.join(dir, 'provider.lock'), `${process.ppid}\nvvol-provider\n1\n`);
  const lock = acquireDataLock(dir);
  expect(fs.readFileSync(path.join(dir, 'provider.lock'), 'utf8').split('\n')[0]).toBe(String(process.pid));
  lock.release();
});

test('two takeovers of one stale lock: only one wins', () => {
  const dir = tempDir();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  fs.writeFileSync(path.join(dir, 'provider.lock'), `${dead}\n`);
  const winner = acquireDataLock(dir);
  expect(() => acquireDataLock(dir)).toThrow(DataFolderLockedError);
  expect(fs.readFileSync(path.join(dir, 'provider.lock'), 'utf8').split('\n')[0]).toBe(String(process.pid));
  winner.release();
});
