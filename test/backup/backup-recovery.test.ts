/**
 * K2/K6 after a kill: a backup whose process died between its two transactions
 * ("Configuration checking" recorded, no copy started) must not keep K6 refusing the VM
 * forever. Simulated by calling beginBackup without startBackupCopies, as the process
 * would have left the store. Copies run at 1 MiB/s on a ManualClock.
 */
import { buildArray, Fixture } from '../helpers/fixture';
import { addVvol, createVm, Vm } from '../relation/scenario';
import { BackupOperations } from '../../src/backup/operations';
import { CHECKING_STALE_MS } from '../../src/array/backups';
import type { LogicalDisk } from '../../src/array/types';
import { MiB } from '../../src/array/models';

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

const VM_ID = '502e0676-e510-ccdd-394c-667f6867fc20';
const opts = { datacenter: 'Datacenter', vCenterServer: '192.0.2.50' };
const INTERRUPTED = 'Failed to back up VM(Datacenter/web01).Backup is interrupted.';

function setup(): { vm: Vm; data: LogicalDisk; ops: BackupOperations } {
  f = buildArray({ engine: { copyBytesPerSec: MiB } });
  const vm = createVm(f, VM_ID, 'web01');
  const data = addVvol(f, vm, 'data', 'web01.vmdk');
  for (const ld of [vm.config, data]) f.engine.ensureBackupVolumes(ld.vvolId as string, { generations: 1, autoDelete: false });
  f.engine.write(data, 0, ['a0', 'a1', 'a2']);
  return { vm, data, ops: new BackupOperations(f.engine, opts) };
}

/** What a process killed after beginBackup's transaction leaves behind. */
function leftInChecking(vm: Vm, data: LogicalDisk): number {
  return f.engine.beginBackup({ vmId: VM_ID, vmName: 'web01', datacenter: 'Datacenter' }, [vm.config.id, data.id]).jobId;
}

function tickTo(ms: number): void {
  f.clock.advance(ms);
  f.engine.tick();
}

const states = (ld: LogicalDisk) => f.engine.diskBackup(ld.id).rvs.map((r) => r.state);
const events = () => f.engine.eventsSince(f.array, 0).map((e) => e.message);

test('K6/K2: a backup left in "Configuration checking" by a killed process refuses only until the bound, then is "Backup failed" with the interrupted event', () => {
  const { vm, data, ops } = setup();
  leftInChecking(vm, data);
  expect(states(data)).toEqual(['checking']);
  // Within the bound the job may still be a live one: K6 refuses, as for any running backup.
  tickTo(CHECKING_STALE_MS - 1);
  expect(states(data)).toEqual(['checking']);
  expect(ops.online('web01', 'Datacenter').err).toEqual(['Failed to back up for VM(Datacenter/web01). Backup is already running.']);
  expect(events()).not.toContain(INTERRUPTED);
  // Past it: the next tick ends the job; the user reads "Backup failed" and the event, and re-runs the backup.
  tickTo(1);
  expect(states(data)).toEqual(['failed']);
  expect(states(vm.config)).toEqual(['failed']);
  expect(f.engine.diskBackup(data.id).last).toBeUndefined();
  expect(events().filter((m) => m === INTERRUPTED)).toHaveLength(1);
  const again = ops.online('web01', 'Datacenter');
  expect(again.exit).toBe(0);
  for (let i = 0; i < 10; i++) tickTo(1000);
  expect(states(data)).toEqual(['completed']);
  expect(f.engine.readChunks(f.engine.backupVolumes(data.vvolId as string)[0].rv, 0, 3)).toEqual(['a0', 'a1', 'a2']);
});

test('K6: a stale "Configuration checking" job is ended at admission too, without waiting for a tick; the older valid backup stays valid', () => {
  const { vm, data, ops } = setup();
  expect(ops.online('web01', 'Datacenter').exit).toBe(0);
  for (let i = 0; i < 10; i++) tickTo(1000);
  const first = f.engine.diskBackup(data.id).last;
  expect(first?.state).toBe('completed');
  leftInChecking(vm, data);
  f.clock.advance(CHECKING_STALE_MS);
  // No copy started, so the RV still holds the first backup: it is not taken back.
  const r = ops.online('web01', 'Datacenter');
  expect(r.exit).toBe(0);
  expect(events().filter((m) => m === INTERRUPTED)).toHaveLength(1);
  expect(states(data)).toEqual(['backing-up']);
});

test('K2: a job whose copies started is never ended by the bound, however long its copy runs', () => {
  const { data, ops } = setup();
  f.engine.write(data, 0, Array.from({ length: 40 }, (_, i) => `b${i}`));
  expect(ops.online('web01', 'Datacenter').exit).toBe(0);
  tickTo(CHECKING_STALE_MS * 2);
  expect(states(data)).toEqual(['backing-up']);
  expect(events()).not.toContain(INTERRUPTED);
  tickTo(CHECKING_STALE_MS * 3);
  expect(states(data)).toEqual(['completed']);
});
