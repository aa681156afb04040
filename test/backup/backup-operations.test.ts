/**
 * Backup operations (Appendix E, F.3): K1-K6 and L9 through the operations the `backup`
 * CLI runs, with the manual's texts. Copies run at 1 MiB/s (one chunk a second) on a
 * ManualClock, advanced by the engine's tick.
 */
import { buildArray, Fixture } from '../helpers/fixture';
import { addVvol, createVm, Vm } from '../relation/scenario';
import { BackupOperations } from '../../src/backup/operations';
import type { LogicalDisk } from '../../src/array/types';
import { MiB } from '../../src/array/models';

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

const VM_ID = (n: number) => `502e0676-e510-ccdd-394c-667f6867fc1${n}`;
const opts = { datacenter: 'Datacenter', vCenterServer: '192.0.2.50' };

interface Setup {
  vm: Vm;
  data: LogicalDisk;
  ops: BackupOperations;
}

function setup(generations: 1 | 2 = 2, name = 'web01', n = 0, fixture?: Fixture): Setup {
  f = fixture ?? buildArray({ engine: { copyBytesPerSec: MiB } });
  const vm = createVm(f, VM_ID(n), name);
  const data = addVvol(f, vm, 'data', `${name}.vmdk`);
  for (const ld of [vm.config, data]) f.engine.ensureBackupVolumes(ld.vvolId as string, { generations, autoDelete: false });
  f.engine.write(data, 0, ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9']);
  return { vm, data, ops: new BackupOperations(f.engine, opts) };
}

const rvsOf = (ld: LogicalDisk) => f.engine.backupVolumes(ld.vvolId as string).map((v) => v.rv);
const chunks = (ld: LogicalDisk, n = 10) => f.engine.readChunks(ld, 0, n);
function run(seconds: number): void {
  for (let i = 0; i < seconds; i++) {
    f.clock.advance(1000);
    f.engine.tick();
  }
}
const states = (ld: LogicalDisk) => f.engine.diskBackup(ld.id).rvs.map((r) => r.state);

test('K5: backup relation prints E.1.2\'s blocks: VM, disk array, each VVol with its RV list', () => {
  const { vm, data, ops } = setup();
  const a = f.engine.getArray(f.array);
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  const r = ops.relation('web01', 'Datacenter');
  expect(r.exit).toBe(0);
  expect(r.out).toEqual([
    '[VM]', '--- VM Detail Information ---',
    'VM Name              : web01', `VM Id                : ${VM_ID(0)}`, 'DataCenter Name      : Datacenter', 'vCenterServer        : 192.0.2.50',
    '', '[DiskArray]', '--- Disk Array Detail Information ---',
    `Disk Array Name      : ${a.name}`, `Disk Array IP Address: ${a.ip}`, `Serial Number        : ${a.serial}`, `World Wide Name      : ${a.wwn}`, `Product ID           : ${a.model}`,
    '', '--- VVOL Detail Information ---', `LDN(h)               : ${hex(vm.config.ldn)}`, 'VMware Type          : config-vvol',
    '', '--- RV List Information ---', 'LDN(h)', ...rvsOf(vm.config).map((rv) => hex(rv.ldn)),
    '', '--- VVOL Detail Information ---', `LDN(h)               : ${hex(data.ldn)}`, 'VMware Type          : vmdk-vvol', 'Disk File            : web01.vmdk',
    '', '--- RV List Information ---', 'LDN(h)', ...rvsOf(data).map((rv) => hex(rv.ldn)),
  ]);
});

test('K5: an unknown VM or datacenter gives "Specified VM(<dc>/<vm>) does not exist." and exit 1', () => {
  const { ops } = setup();
  expect(ops.relation('nosuch', 'Datacenter')).toEqual({ out: [], err: ['Specified VM(Datacenter/nosuch) does not exist.'], exit: 1 });
  expect(ops.relation('web01', 'Other').err).toEqual(['Specified VM(Other/web01) does not exist.']);
  expect(ops.online('nosuch', 'Datacenter')).toEqual({ out: ['Start to check information of specified VM.'], err: ['Specified VM(Datacenter/nosuch) does not exist.'], exit: 1 });
});

test('K1: online backup prints E.2\'s messages and block, copies by the clock and ends "Backup completed" with the data of its point in time', () => {
  const { vm, data, ops } = setup();
  const [rv1] = rvsOf(data);
  const [cfgRv1] = rvsOf(vm.config);
  const start = f.clock.now();
  const r = ops.online('web01', 'Datacenter');
  expect(r).toEqual({
    exit: 0, err: [],
    out: [
      'Start to check information of specified VM.',
      'Start to back up the specified VM.',
      'Success to online backup VM(Datacenter/web01) without keeping consistency.',
      'config-vvol:', `  LD Name: ${vm.config.name}`, '  Backup State: backuped', `  Backup LD Name: ${cfgRv1.name}`, `  Diskarray Name: ${f.array}`,
      'data-vvol:', `  LD Name: ${data.name}`, '  Disk File: web01.vmdk', '  Backup State: backuped', `  Backup LD Name: ${rv1.name}`, `  Diskarray Name: ${f.array}`,
    ],
  });
  // K2: Backing up with the time remaining (10 chunks at one a second).
  expect(states(data)).toEqual(['backing-up', 'none']);
  expect(ops.status('web01', 'Datacenter').out).toContain('  Backup State: Backing up (Time remaining: 0 hours 1 minutes) / -');
  run(4);
  expect(states(data)).toEqual(['backing-up', 'none']);
  run(8);
  expect(states(data)).toEqual(['completed', 'none']);
  expect(states(vm.config)).toEqual(['completed', 'none']);
  const done = f.engine.diskBackup(data.id);
  expect(done.last?.rvName).toBe(rv1.name);
  expect(done.last?.backedUpAt).toBeGreaterThan(start);
  expect(done.last?.backedUpAt).toBeLessThanOrEqual(f.clock.now());
  expect(chunks(rv1)).toEqual(chunks(data));
  // A write after the backup's point in time does not reach the RV.
  f.engine.write(data, 0, ['b0']);
  run(5);
  expect(chunks(rv1)[0]).toBe('a0');
  const st = ops.status('web01', 'Datacenter').out;
  expect(st).toContain('  Backup State: Backup completed / -');
  expect(st).toContain(`  Last Backup LD: ${rv1.name}`);
  expect(st).toContain('  Previous Backup Time: -');
});

test('K1: destinations in order: never backed up, then failed, then the oldest', () => {
  const { data, ops } = setup();
  const [rv1, rv2] = rvsOf(data);
  const dest = () => ops.online('web01', 'Datacenter').out.filter((l) => l.startsWith('  Backup LD Name:'))[1];
  expect(dest()).toBe(`  Backup LD Name: ${rv1.name}`);
  run(20);
  expect(dest()).toBe(`  Backup LD Name: ${rv2.name}`); // never backed up
  run(20);
  f.engine.write(data, 0, ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9']);
  expect(dest()).toBe(`  Backup LD Name: ${rv1.name}`); // the older one
  run(2);
  expect(ops.cancel('web01', 'Datacenter').exit).toBe(0); // rv1 now failed
  run(1);
  expect(dest()).toBe(`  Backup LD Name: ${rv1.name}`); // failed before oldest (rv2)
  run(20);
  expect(dest()).toBe(`  Backup LD Name: ${rv2.name}`); // now the oldest
  // While rv2 is overwritten its old backup is no longer valid: only the last one is shown.
  expect(f.engine.diskBackup(data.id).previous).toBeUndefined();
  run(20);
  const d = f.engine.diskBackup(data.id);
  expect(d.last?.rvName).toBe(rv2.name);
  expect(d.previous?.rvName).toBe(rv1.name);
});

test('K1: a VM without backup volumes gives "The backup policy of VM(<dc>/<vm>) is not set." and exit 1', () => {
  f = buildArray();
  const vm = createVm(f, VM_ID(5), 'db01');
  addVvol(f, vm, 'data', 'db01.vmdk');
  const r = new BackupOperations(f.engine, opts).online('db01', 'Datacenter');
  expect(r.err).toEqual(['The backup policy of VM(Datacenter/db01) is not set.']);
  expect(r.exit).toBe(1);
});

test('K2: each state change is durable: a restarted provider sees "Backing up" and finishes the backup', () => {
  const { data, ops } = setup();
  ops.online('web01', 'Datacenter');
  f = f.reopen();
  expect(states(data)).toEqual(['backing-up', 'none']);
  run(12);
  expect(states(data)).toEqual(['completed', 'none']);
});

test('K6: a second backup of the same VM is refused while one runs, and while a restore runs', async () => {
  const { ops } = setup();
  ops.online('web01', 'Datacenter');
  expect(ops.online('web01', 'Datacenter')).toMatchObject({ err: ['Failed to back up for VM(Datacenter/web01). Backup is already running.'], exit: 1 });
  run(12);
  expect((await ops.restore('web01', 'Datacenter', { disks: [], from: 'last', config: false })).exit).toBe(0);
  expect(ops.online('web01', 'Datacenter')).toMatchObject({ err: ['Failed to back up for VM(Datacenter/web01).Restoring is still running.'], exit: 1 });
});

test('L9: at most four backup commands at once; the fifth gets "Up to four backup operation commands can be executed in parallel."', () => {
  const first = setup(1, 'vm0', 0);
  for (let i = 1; i < 5; i++) setup(1, `vm${i}`, i, f);
  for (let i = 0; i < 4; i++) expect(first.ops.online(`vm${i}`, 'Datacenter').exit).toBe(0);
  expect(first.ops.online('vm4', 'Datacenter')).toMatchObject({ err: ['Up to four backup operation commands can be executed in parallel.'], exit: 1 });
  run(12);
  expect(first.ops.online('vm4', 'Datacenter').exit).toBe(0);
});

test('K3: cancel makes the RV data invalid, state "Backup failed", with the event "Failed to back up VM(<dc>/<vm>).Backup is interrupted."', () => {
  const { data, ops } = setup();
  ops.online('web01', 'Datacenter');
  run(3);
  const r = ops.cancel('web01', 'Datacenter');
  expect(r).toEqual({ out: ['Failed to back up VM(Datacenter/web01).Backup is interrupted.'], err: [], exit: 0 });
  expect(states(data)).toEqual(['failed', 'none']);
  expect(f.engine.diskBackup(data.id).last).toBeUndefined();
  expect(f.engine.eventsSince(f.array, 0).map((e) => e.message)).toContain('Failed to back up VM(Datacenter/web01).Backup is interrupted.');
  expect(ops.status('web01', 'Datacenter').out).toContain('  Backup State: Backup failed / -');
  // The copy stopped: time goes on, the RV stays partial and the state stays failed.
  run(20);
  expect(states(data)).toEqual(['failed', 'none']);
  expect(ops.online('web01', 'Datacenter').exit).toBe(0); // the VM is free again
});

test('K3: a mostly completed backup is not cancelled (F.3.2)', () => {
  const { data, ops } = setup();
  ops.online('web01', 'Datacenter');
  run(1); // the config VVol's copy (nothing to copy) ends; the data copy has begun
  run(9);
  expect(ops.cancel('web01', 'Datacenter')).toMatchObject({ err: ['The backup operation cannot be cancelled. Wait until the operation is complete.'], exit: 1 });
  run(5);
  expect(states(data)).toEqual(['completed', 'none']);
});

test('K4: restore from the last or previous backup makes the VVol equal the RV chunk for chunk; the config VVol only when asked', async () => {
  const { vm, data, ops } = setup();
  const [rv1, rv2] = rvsOf(data);
  ops.online('web01', 'Datacenter');
  run(12);
  f.engine.write(data, 0, ['c0', 'c1']);
  ops.online('web01', 'Datacenter');
  run(12);
  f.engine.write(data, 0, ['d0', 'd1', 'd2']);
  f.engine.write(vm.config, 0, ['cfg']);
  const r = await ops.restore('web01', 'Datacenter', { disks: ['web01.vmdk'], from: 'previous', config: false });
  expect(r.exit).toBe(0);
  expect(r.out[0]).toBe('Start to restore VM(Datacenter/web01) from the previous backup.');
  expect(states(data)).toEqual(['restore-copying', 'completed']);
  expect(ops.status('web01', 'Datacenter').out.join('\n')).toContain('Restore completed (copying in background) (Time remaining: 0 hours 1 minutes)');
  run(12);
  expect(states(data)).toEqual(['restored', 'completed']);
  expect(chunks(data)).toEqual(chunks(rv1));
  expect(chunks(data)[0]).toBe('a0');
  expect(chunks(vm.config, 1)).toEqual(['cfg']); // not asked for
  await ops.restore('web01', 'Datacenter', { disks: [], from: 'last', config: true });
  run(12);
  expect(chunks(data)).toEqual(chunks(rv2));
  expect(chunks(data).slice(0, 2)).toEqual(['c0', 'c1']);
  expect(chunks(vm.config, 1)).toEqual([null]);
});

test('K4: restore is refused while the VM has snapshots (F.3.3)', async () => {
  const { data, ops } = setup();
  ops.online('web01', 'Datacenter');
  run(12);
  f.engine.snapshot(data.vvolId as string);
  expect(await ops.restore('web01', 'Datacenter', { disks: [], from: 'last', config: false })).toMatchObject({
    err: ['If the target VM has a snapshot, the virtual device cannot be restored. Delete all snapshots in the target VM and restore the virtual device.'], exit: 1,
  });
});

test('K2: a copy stopped under the backup (the pair forcibly separated, or unpaired) ends "Backup failed" and frees the VM', () => {
  const { data, ops } = setup();
  const [rv1, rv2] = rvsOf(data);
  ops.online('web01', 'Datacenter');
  run(3);
  f.engine.separate(f.array, data.ldn, rv1.ldn, true);
  run(1);
  expect(states(data)).toEqual(['failed', 'none']);
  expect(ops.online('web01', 'Datacenter').exit).toBe(0); // goes to rv2, never backed up
  run(3);
  f.engine.unpair(f.array, data.ldn, rv2.ldn, true);
  run(1);
  expect(states(data)).toEqual(['failed', 'failed']);
  expect(ops.status('web01', 'Datacenter').out).toContain('  Backup State: Backup failed / Backup failed');
});

test('K2: a replication started by hand into a backup volume that held a completed backup leaves it "Backup failed", never a valid backup with other data', () => {
  const { data, ops } = setup(1);
  const [rv] = rvsOf(data);
  ops.online('web01', 'Datacenter');
  run(15);
  expect(f.engine.diskBackup(data.id).last?.rvLdn).toBe(rv.ldn);
  f.engine.write(data, 0, ['changed']);
  f.engine.replicate(f.array, data.ldn, rv.ldn);
  expect(states(data)).toEqual(['failed']);
  run(15);
  expect(states(data)).toEqual(['failed']);
  expect(f.engine.diskBackup(data.id).last).toBeUndefined();
  f.engine.separate(f.array, data.ldn, rv.ldn);
  // A backup command makes it valid again.
  expect(ops.online('web01', 'Datacenter').exit).toBe(0);
  run(15);
  expect(states(data)).toEqual(['completed']);
});
