/**
 * B5: a deleted snapshot is removed in the background; until the array has finished,
 * restore from a snapshot, a new snapshot, a linked clone and a migration of that VM
 * fail with the manual's message. Other VMs are not affected.
 */
import { buildArray, Fixture } from '../helpers/fixture';
import { expectError, tokens, vvol } from '../helpers/expect-error';

const BUSY = 'The process cannot run on the virtual machine because the disk array is deleting snapshots.';
const MiB = 1024 * 1024;

let f: Fixture;
beforeEach(() => {
  // 100 chunks a second: a snapshot mapping 200 chunks takes 2 s to go.
  f = buildArray({ engine: { snapshotDeleteBytesPerSec: 100 * MiB } });
});
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

test('B5: while a snapshot of a VM is still being deleted, revert, new snapshot, linked clone and migration of that VM fail', () => {
  const disk1 = vvol(f, { vm: 'vm-1' });
  const disk2 = vvol(f, { vm: 'vm-1', type: 'config' });
  const other = vvol(f, { vm: 'vm-2' });
  f.engine.write(disk1, 0, tokens('a', 200));
  f.engine.write(other, 0, tokens('o', 5));
  const s1 = f.engine.snapshot(disk1.vvolId!);
  const s2 = f.engine.snapshot(disk1.vvolId!);
  const s3 = f.engine.snapshot(disk2.vvolId!);
  const o1 = f.engine.snapshot(other.vvolId!);

  const del = f.engine.deleteVvol(s1.vvolId!);
  expect(del.background).toBe(true);
  expect(f.engine.getLd(f.array, s1.ldn)).toMatchObject({ state: 'deleting', access: 'NotReady' });
  expect(f.engine.generations(f.array, disk1.ldn).map((g) => g.state)).toEqual(['deleting', 'active']);
  // Part of the way: 0.5 s of 2 s.
  f.clock.advance(500);
  f.engine.tick();
  const t = f.engine.getTask(del.taskId!);
  expect(t).toMatchObject({ kind: 'snapshot-delete', state: 'running', cancelable: false });
  expect(t.progress).toBeGreaterThan(0);
  expect(t.progress).toBeLessThan(100);

  // Restore from a snapshot, of this disk or another disk of the same VM.
  expectError(() => f.engine.revert(disk1.vvolId!, s2.vvolId!), 'BUSY', BUSY);
  expectError(() => f.engine.revert(disk2.vvolId!, s3.vvolId!), 'BUSY', BUSY);
  // New snapshots.
  expectError(() => f.engine.snapshot(disk1.vvolId!), 'BUSY', BUSY);
  expectError(() => f.engine.prepareSnapshot(disk2.vvolId!), 'BUSY', BUSY);
  expectError(() => f.engine.snapshot(s2.vvolId!), 'BUSY', BUSY);
  // Linked clones, of a disk or from a snapshot.
  expectError(() => f.engine.fastClone(disk1.vvolId!), 'BUSY', BUSY);
  expectError(() => f.engine.fastClone(disk2.vvolId!), 'BUSY', BUSY);
  expectError(() => f.engine.fastClone(s2.vvolId!), 'BUSY', BUSY);
  // Migration: a copy into another Storage Container.
  expectError(() => f.engine.fullClone(disk1.vvolId!, { pool: 1 }), 'BUSY', BUSY);
  // The snapshot being deleted cannot be read, and deleting it again changes nothing.
  expectError(() => f.engine.readChunks(s1, 0, 1), 'FAILED_PRECONDITION');
  expect(f.engine.deleteVvol(s1.vvolId!)).toEqual({ background: true, array: 'Storage001' });
  expect(f.engine.listTasks(f.array, true).filter((x) => x.kind === 'snapshot-delete')).toHaveLength(1);

  // Another VM is not affected.
  f.engine.snapshot(other.vvolId!);
  f.engine.fastClone(other.vvolId!);
  f.engine.revert(other.vvolId!, o1.vvolId!);
  expect(f.engine.readChunks(other, 0, 1)).toEqual(['o0']);

  // The array finishes the deletion: everything works again.
  f.clock.advance(2000);
  f.engine.tick();
  expect(f.engine.getTask(del.taskId!).state).toBe('success');
  expectError(() => f.engine.getVvol(s1.vvolId!), 'NOT_FOUND', `The specified ${s1.vvolId} does not exist.`);
  expect(f.engine.generations(f.array, disk1.ldn).map((g) => g.ldn)).toEqual([s2.ldn]);
  f.engine.write(disk1, 0, ['changed']);
  f.engine.revert(disk1.vvolId!, s2.vvolId!);
  expect(f.engine.readChunks(disk1, 0, 2)).toEqual(['a0', 'a1']);
  expect(f.engine.snapshot(disk1.vvolId!).snap).toBe('ESV');
  f.engine.prepareSnapshot(disk2.vvolId!);
  f.engine.fastClone(disk1.vvolId!);
  f.engine.fastClone(s2.vvolId!);
  const mig = f.engine.fullClone(disk1.vvolId!, { pool: 1 });
  expect(mig.ld.poolNo).toBe(1);
});

test('B5: iSMcfg generationdel deletes in the background with the same effect', () => {
  const disk = vvol(f, { vm: 'vm-9' });
  f.engine.write(disk, 0, tokens('d', 300));
  const s1 = f.engine.snapshot(disk.vvolId!);
  const taskId = f.engine.deleteGeneration(f.array, disk.ldn, s1.ldn);
  expect(taskId).toMatch(/^task-\d+$/);
  expectError(() => f.engine.snapshot(disk.vvolId!), 'BUSY', BUSY);
  expectError(() => f.engine.deleteGeneration(f.array, disk.ldn, s1.ldn), 'FAILED_PRECONDITION', /is already being deleted/);
  f.clock.advance(1000);
  f.engine.tick();
  expect(f.engine.getTask(taskId).state).toBe('running');
  expectError(() => f.engine.fastClone(disk.vvolId!), 'BUSY', BUSY);
  f.clock.advance(2500);
  f.engine.tick();
  expect(f.engine.getTask(taskId).state).toBe('success');
  expect(f.engine.getLd(f.array, disk.ldn).snap).toBe('---');
  f.engine.snapshot(disk.vvolId!);
  // The data of the base survived the deletion of its snapshot.
  expect(f.engine.readChunks(disk, 298, 2)).toEqual(['d298', 'd299']);
});
