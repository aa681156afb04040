import fs from 'node:fs';
import path from 'node:path';
import { fileStamp } from '../../src/relation/paths';
import { releaseFolder, tryLockFolder } from '../../src/store/lock';
import { RelationFailure, RelationResult, RELATION_WRITE_FAILED } from '../../src/relation/service';
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { addVvol, captureLog, createVm, service, unzipWithPython, validate, VM_A } from './scenario';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MANUAL_X5 = 'Failed to create the file that shows the relation between storage and virtual machines.';

let f: Fixture;
let latestDir: string;
let archiveDir: string;
beforeEach(() => {
  f = buildArray();
  latestDir = path.join(f.dir, 'latestRelationBetweenVMandVVOL', '00255CDB05310000_Storage001');
  archiveDir = path.join(f.dir, 'RelationBetweenVMandVVOL', '00255CDB05310000_Storage001');
});
afterEach(() => f.close());

const ls = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const one = (rs: RelationResult[]): RelationResult => {
  expect(rs).toHaveLength(1);
  return rs[0];
};

test('X2: the latest file is <data>/latestRelationBetweenVMandVVOL/<WWN>_<ArrayName>/YYYYMMDDHHMMSS.xml, stamped by the clock in UTC', async () => {
  f.clock.set(Date.UTC(2026, 4, 17, 9, 8, 7));
  const s = service(f);
  const r = one(await s.checkAndWrite());
  expect(r).toMatchObject({ array: 'Storage001', wwn: '00255CDB05310000', changed: true, pruned: [] });
  expect(r.written).toBe(path.join(latestDir, '20260517090807.xml'));
  expect(ls(latestDir)).toEqual(['20260517090807.xml']);
  expect(s.latest()).toEqual([{ array: 'Storage001', wwn: '00255CDB05310000', path: r.written }]);
  // Nothing is left behind but the file itself and the state beside the array folders.
  expect(ls(path.dirname(latestDir))).toEqual(['.state.json', '00255CDB05310000_Storage001']);
  expect(fileStamp(Date.UTC(2026, 11, 31, 23, 59, 59))).toBe('20261231235959');
});

test('X1: without a configuration change no new file is written; a created VVol gives a new file at the next pass', async () => {
  const vm = createVm(f, VM_A, 'web01');
  const s = service(f);
  const first = one(await s.checkAndWrite());
  expect(first.changed).toBe(true);

  f.clock.advance(5 * MIN);
  const quiet = one(await s.checkAndWrite());
  expect(quiet).toEqual({ array: 'Storage001', wwn: '00255CDB05310000', changed: false, pruned: [] });
  expect(ls(latestDir)).toEqual([path.basename(first.written as string)]);
  expect(ls(archiveDir)).toEqual([]);

  // A restarted service (new instance, same data folder) remembers the last write.
  f.clock.advance(5 * MIN);
  expect(one(await service(f).checkAndWrite()).changed).toBe(false);

  addVvol(f, vm, 'data', 'web01.vmdk');
  f.clock.advance(5 * MIN);
  const next = one(await s.checkAndWrite());
  expect(next.changed).toBe(true);
  expect(next.written).toBe(path.join(latestDir, `${fileStamp(f.clock.now())}.xml`));
  expect(fs.readFileSync(next.written as string, 'utf8')).toContain('name="web01.vmdk"');
  expect(ls(latestDir)).toEqual([path.basename(next.written as string)]);
  expect(next.zipped).toBe(path.join(archiveDir, path.basename(first.written as string).replace('.xml', '.zip')));
});

test('X1: metadata updates, bindings and snapshots are configuration changes', async () => {
  const vm = createVm(f, VM_A, 'web01');
  const disk = addVvol(f, vm, 'data', 'web01.vmdk');
  const s = service(f);
  await s.checkAndWrite();
  const changes: [string, () => void][] = [
    ['metadata', () => f.engine.updateVvolMetadata(disk.vvolId as string, { VMW_VVolName: 'renamed.vmdk' })],
    ['bind', () => f.engine.bindVvols('esxi01', [disk.vvolId as string])],
    ['snapshot', () => f.engine.snapshot(disk.vvolId as string)],
  ];
  for (const [what, change] of changes) {
    f.clock.advance(5 * MIN);
    change();
    const r = one(await s.checkAndWrite());
    expect({ what, changed: r.changed, written: !!r.written }).toEqual({ what, changed: true, written: true });
  }
  // The datacenter name is written into the file: changing it is a change too.
  f.clock.advance(5 * MIN);
  s.setOptions({ datacenter: 'DC2' });
  expect(one(await s.checkAndWrite()).changed).toBe(true);
});

test('X1: a pass is due once per output interval (5 to 1440 minutes, default 5), measured by the injected clock', async () => {
  const s = service(f);
  expect(s.options.intervalMinutes).toBe(5);
  expect(s.due()).toBe(true);
  expect(await s.runIfDue()).not.toBeNull();
  expect(s.due()).toBe(false);
  f.clock.advance(4 * MIN + 59_000);
  expect(await s.runIfDue()).toBeNull();
  f.clock.advance(1000);
  expect(s.due()).toBe(true);
  s.setOptions({ intervalMinutes: 1440 });
  expect(s.due()).toBe(false);
  f.clock.advance(DAY);
  expect(s.due()).toBe(true);
  for (const bad of [4, 1441, 5.5]) expect(() => s.setOptions({ intervalMinutes: bad })).toThrow('Invalid time value. Please set up an integer between 5 and 1440.');
  expect(() => service(f, { intervalMinutes: 0 })).toThrow(RangeError);
});

test('X1: start() polls with the given timer and runs a pass only when due; stop() ends it', async () => {
  createVm(f, VM_A, 'web01');
  let tick: (() => void) | undefined;
  let cleared = false;
  const s = service(f, { pollMs: 1000 });
  s.start({ setInterval: (fn) => { tick = fn; return 1; }, clearInterval: () => { cleared = true; } });
  tick?.();
  await s.stop();
  expect(cleared).toBe(true);
  expect(s.lastPass?.results[0].changed).toBe(true);
  expect(ls(latestDir)).toHaveLength(1);
});

test('X3: over four simulated days each change rotates the latest file into a zip that holds it, and zips older than three days are removed', async () => {
  const vm = createVm(f, VM_A, 'web01');
  const s = service(f);
  const written: { name: string; content: string; at: number }[] = [];
  for (let step = 0; step <= 16; step++) {
    if (step > 0) {
      f.clock.advance(6 * HOUR);
      addVvol(f, vm, 'data', `disk${step}.vmdk`, GB);
    }
    const r = one(await s.checkAndWrite());
    expect(r.error).toBeUndefined();
    expect(r.changed).toBe(true);
    expect(validate(r.written as string).ok).toBe(true);
    written.push({ name: path.basename(r.written as string, '.xml'), content: fs.readFileSync(r.written as string, 'utf8'), at: f.clock.now() });
    // Only the newest XML is in the latest folder.
    expect(ls(latestDir)).toEqual([`${written[step].name}.xml`]);
    if (step > 0) expect(r.zipped).toBe(path.join(archiveDir, `${written[step - 1].name}.zip`));
    // The zips superseded at 6h, 12h and 18h are more than three days old at 84h, 90h and 96h.
    const prunedNow = step >= 14 ? [path.join(archiveDir, `${written[step - 14].name}.zip`)] : [];
    expect(r.pruned).toEqual(prunedNow);
  }
  // Now = 96h. File k was superseded at 6(k+1)h; kept while that is at most 72h ago.
  const kept = written.slice(3, 16).map((w) => `${w.name}.zip`);
  expect(ls(archiveDir)).toEqual(kept);
  // Each zip holds the XML that was the latest before, byte for byte, read by Python's zipfile.
  for (const w of [written[3], written[9], written[15]]) {
    const z = unzipWithPython(path.join(archiveDir, `${w.name}.zip`));
    expect(z.testzip).toBe('None');
    expect(z.names).toEqual([`${w.name}.xml`]);
    expect(z.content).toBe(w.content);
  }
  // A quiet day changes nothing, but old zips still age out.
  f.clock.advance(DAY);
  const quiet = one(await s.checkAndWrite());
  expect(quiet.changed).toBe(false);
  expect(quiet.pruned.map((p) => path.basename(p))).toEqual(written.slice(3, 7).map((w) => `${w.name}.zip`));
  expect(ls(latestDir)).toEqual([`${written[16].name}.xml`]);
});

test('X3: a deleted latest file is written again at the next pass even without a change', async () => {
  const s = service(f);
  const first = one(await s.checkAndWrite());
  fs.rmSync(first.written as string);
  f.clock.advance(5 * MIN);
  const again = one(await s.checkAndWrite());
  expect(again.changed).toBe(true);
  expect(fs.existsSync(again.written as string)).toBe(true);
  expect(again.zipped).toBeUndefined();
});

describe('X5: a write failure keeps the earlier files, reports the manual message and is retried at the next interval', () => {
  /** block() puts an obstacle in the way and returns its name when it lies in the latest folder. */
  async function failingPass(block: () => string | void, unblock: () => void) {
    const vm = createVm(f, VM_A, 'web01');
    const failures: RelationFailure[] = [];
    const log = captureLog();
    const s = service(f, { onFailure: (x) => failures.push(x) }, log);
    const first = one(await s.checkAndWrite());
    const before = fs.readFileSync(first.written as string, 'utf8');
    addVvol(f, vm, 'data', 'web01.vmdk');
    f.clock.advance(5 * MIN);
    const obstacle = block();
    const failed = one(await s.checkAndWrite());
    expect(failed.error).toBe(MANUAL_X5);
    expect(RELATION_WRITE_FAILED).toBe(MANUAL_X5);
    expect(failed.written).toBeUndefined();
    expect(failures).toEqual([{ array: 'Storage001', wwn: '00255CDB05310000', message: MANUAL_X5, cause: expect.any(String) }]);
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([expect.stringContaining(MANUAL_X5)]);
    // The earlier latest file is untouched and no temp file is left.
    expect(ls(latestDir).filter((n) => n !== obstacle)).toEqual([path.basename(first.written as string)]);
    expect(ls(archiveDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(fs.readFileSync(first.written as string, 'utf8')).toBe(before);
    unblock();
    f.clock.advance(5 * MIN);
    const retried = one(await s.checkAndWrite());
    expect(retried.error).toBeUndefined();
    expect(retried.changed).toBe(true);
    expect(fs.readFileSync(retried.written as string, 'utf8')).toContain('web01.vmdk');
    expect(ls(latestDir)).toEqual([path.basename(retried.written as string)]);
    expect(unzipWithPython(retried.zipped as string).content).toBe(before);
  }

  test('X5: the archive folder cannot be created (a file is in the way)', async () => {
    const parent = path.dirname(archiveDir);
    await failingPass(
      () => {
        fs.rmSync(parent, { recursive: true });
        fs.writeFileSync(parent, 'not a folder');
      },
      () => fs.rmSync(parent),
    );
  });

  test('X5: the new XML cannot be written (its temp name is taken by a folder)', async () => {
    let blocker = '';
    await failingPass(
      () => {
        blocker = path.join(latestDir, `.${fileStamp(f.clock.now())}.xml.${process.pid}.tmp`);
        fs.mkdirSync(blocker);
        return path.basename(blocker);
      },
      () => fs.rmSync(blocker, { recursive: true }),
    );
  });

  test('X5: the previous file cannot be archived (its zip name is taken by a folder): the previous latest stays', async () => {
    let blocker = '';
    await failingPass(
      () => {
        const prev = ls(latestDir)[0].replace('.xml', '.zip');
        blocker = path.join(archiveDir, prev);
        fs.mkdirSync(blocker, { recursive: true });
      },
      () => fs.rmSync(blocker, { recursive: true }),
    );
  });

  test('X5: a data folder that is a file fails every array with the message and never throws', async () => {
    const file = path.join(f.dir, 'not-a-folder');
    fs.writeFileSync(file, '');
    const failures: RelationFailure[] = [];
    const s = service({ ...f, dir: file }, { onFailure: (x) => failures.push(x) });
    const [r] = await s.checkAndWrite();
    expect(r).toMatchObject({ array: 'Storage001', changed: false, error: MANUAL_X5 });
    expect(failures).toHaveLength(1);
    expect(s.latest()).toEqual([{ array: 'Storage001', wwn: '00255CDB05310000', path: null }]);
  });

  test('X5: a failing alarm handler does not break the pass', async () => {
    const file = path.join(f.dir, 'not-a-folder');
    fs.writeFileSync(file, '');
    const s = service({ ...f, dir: file }, { onFailure: () => { throw new Error('alarm sink down'); } });
    await expect(s.checkAndWrite()).resolves.toHaveLength(1);
  });
});

test('X1: two passes at once share one write', async () => {
  createVm(f, VM_A, 'web01');
  const s = service(f);
  const [a, b] = await Promise.all([s.checkAndWrite(), s.checkAndWrite()]);
  expect(a).toBe(b);
  expect(ls(latestDir)).toHaveLength(1);
});

test('X1: another process holding the relation lock makes the pass wait, then skip without an alarm', async () => {
  const failures: RelationFailure[] = [];
  const s = service(f, { lockWaitMs: 200, onFailure: (x) => failures.push(x) });
  const dir = path.dirname(latestDir);
  fs.mkdirSync(dir, { recursive: true });
  // Another holder: the OS lock on the folder (taken here on a descriptor of its own) and its note.
  const fd = tryLockFolder(dir) as number;
  expect(fd).toBeDefined();
  fs.writeFileSync(path.join(dir, '.lock'), `${process.ppid}\n`);
  try {
    const [r] = await s.checkAndWrite();
    expect(r.error).toMatch(/Another process \(pid \d+\) is writing the relation files/);
    expect(failures).toEqual([]);
  } finally {
    releaseFolder(fd);
  }
  // A note left by a writer that is gone (killed) holds nothing.
  fs.writeFileSync(path.join(dir, '.lock'), '999999999\n');
  expect((await s.checkAndWrite())[0].written).toBeDefined();
  expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
});
