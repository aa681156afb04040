/**
 * DynamicDataReplication pairs: replicate copies MV -> RV as a task and then mirrors
 * MV writes; separate freezes the RV; restore copies RV -> MV.
 */
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { expectError, runTask, tokens, vvol } from '../helpers/expect-error';
import type { LogicalDisk } from '../../src/array/types';

const MiB = 1024 * 1024;

let f: Fixture;
let mv: LogicalDisk;
let rv: LogicalDisk;
beforeEach(() => {
  f = buildArray({ engine: { copyBytesPerSec: 100 * MiB } }); // 100 chunks a second
  mv = vvol(f);
  rv = f.engine.createLd(f.array, { pool: 'vvolbackup0', kind: 'ld', capacityBytes: GB });
  f.engine.write(mv, 0, tokens('A', 150));
});
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

const pair = () => f.engine.queryPairs(f.array, mv.ldn)[0];

test('pair, replicate, mirror, separate, diverge, restore', () => {
  // Pair: separated, nothing copied yet.
  const p0 = f.engine.pairVolumes(f.array, mv.ldn, rv.ldn);
  expect(p0).toMatchObject({ mvName: mv.name, rvName: rv.name, activity: 'separate', syncState: 'separated', copyDiffBytes: 0, separateDiffBytes: 150 * MiB });
  expect(f.engine.queryPairs(f.array, rv.ldn)).toHaveLength(1);

  // Replicate: a task copies MV -> RV; the RV is not ready meanwhile.
  const p1 = f.engine.replicate(f.array, mv.ldn, rv.ldn);
  expect(p1).toMatchObject({ activity: 'replicate', syncState: 'rpl/exec', copyControl: 'background copy', rvAccess: 'nr', copyDiffBytes: 150 * MiB, separateDiffBytes: 0 });
  expect(p1.taskId).toMatch(/^task-/);
  expectError(() => f.engine.readChunks(rv, 0, 1), 'FAILED_PRECONDITION');
  expectError(() => f.engine.write(rv, 0, ['x']), 'FAILED_PRECONDITION');
  expectError(() => f.engine.replicate(f.array, mv.ldn, rv.ldn), 'FAILED_PRECONDITION');
  expectError(() => f.engine.separate(f.array, mv.ldn, rv.ldn), 'FAILED_PRECONDITION', /is still copying \(rpl\/exec\)/);
  f.clock.advance(1000);
  f.engine.tick();
  expect(f.engine.getTask(p1.taskId!)).toMatchObject({ kind: 'replicate', state: 'running' });
  expect(pair().copyDiffBytes).toBe(50 * MiB);
  expect(runTask(f, p1.taskId!).state).toBe('success');
  expect(pair()).toMatchObject({ activity: 'replicate', syncState: 'rpl/sync', copyDiffBytes: 0 });

  // While replicating, MV writes are mirrored to the RV at once.
  f.engine.write(mv, 0, ['B0']);
  f.engine.write(mv, 300, ['B300']);
  f.engine.trim(mv, 149, 1);
  expect(pair().copyDiffBytes).toBe(0);

  // Separate: the RV is readable and holds the MV as it was, mirrored writes included.
  const p2 = f.engine.separate(f.array, mv.ldn, rv.ldn);
  expect(p2).toMatchObject({ activity: 'separate', syncState: 'separated', rvAccess: 'rw', separateDiffBytes: 0, previousActive: 'rpl/sync' });
  expect(p2.separateStart).toBe(f.clock.now());
  const rvNow = f.engine.getLd(f.array, rv.ldn);
  expect(f.engine.readChunks(rvNow, 0, 3)).toEqual(['B0', 'A1', 'A2']);
  expect(f.engine.readChunks(rvNow, 148, 2)).toEqual(['A148', null]);
  expect(f.engine.readChunks(rvNow, 300, 1)).toEqual(['B300']);

  // After separation, MV writes stay on the MV; the separate diff counts them.
  f.engine.write(mv, 1, ['C1']);
  f.engine.write(mv, 2, ['C2']);
  expect(f.engine.readChunks(rvNow, 1, 2)).toEqual(['A1', 'A2']);
  expect(pair()).toMatchObject({ separateDiffBytes: 2 * MiB, copyDiffBytes: 0 });
  f.engine.write(rvNow, 10, ['R10']); // the RV is usable on its own (e.g. by a backup server)
  expect(pair().separateDiffBytes).toBe(3 * MiB);
  expect(f.engine.readChunks(mv, 10, 1)).toEqual(['A10']);

  // Restore: RV -> MV as a task; the MV gets the RV's data back.
  const p3 = f.engine.restore(f.array, mv.ldn, rv.ldn);
  expect(p3).toMatchObject({ activity: 'restore', syncState: 'rst/exec', rvAccess: 'nr' });
  expect(runTask(f, p3.taskId!).state).toBe('success');
  expect(pair()).toMatchObject({ activity: 'restore', syncState: 'rst/sync', copyDiffBytes: 0 });
  expect(f.engine.readChunks(mv, 0, 3)).toEqual(['B0', 'A1', 'A2']);
  expect(f.engine.readChunks(mv, 10, 1)).toEqual(['R10']);
  expect(f.engine.readChunks(mv, 300, 1)).toEqual(['B300']);

  // Separate and unpair: both volumes are ordinary again.
  f.engine.separate(f.array, mv.ldn, rv.ldn);
  f.engine.unpair(f.array, mv.ldn, rv.ldn);
  expect(f.engine.getLd(f.array, mv.ldn).rpl).toBe('IV');
  expect(f.engine.getLd(f.array, rv.ldn)).toMatchObject({ rpl: 'IV', access: 'ReadWrite' });
  expect(f.engine.listPairs(f.array)).toEqual([]);
});

test('restore from an RV larger than its MV copies the MV\'s capacity only: nothing lands past the MV\'s end', () => {
  const big = f.engine.createLd(f.array, { pool: 'vvolbackup0', kind: 'ld', capacityBytes: 2 * mv.capacity });
  f.engine.pairVolumes(f.array, mv.ldn, big.ldn);
  expect(runTask(f, f.engine.replicate(f.array, mv.ldn, big.ldn).taskId!).state).toBe('success');
  f.engine.separate(f.array, mv.ldn, big.ldn);
  const end = mv.capacity / MiB;
  const rvNow = f.engine.getLd(f.array, big.ldn);
  f.engine.write(rvNow, end + 5, ['past-the-MV-end']);
  f.engine.write(rvNow, 3, ['R3']);
  const p = f.engine.restore(f.array, mv.ldn, big.ldn);
  expect(runTask(f, p.taskId!).state).toBe('success');
  expect(f.engine.readChunks(mv, 0, 4)).toEqual(['A0', 'A1', 'A2', 'R3']);
  // Expanded later, the MV reads the new space as never written (the copy used to bring chunk end+5 along, which came back here).
  f.engine.separate(f.array, mv.ldn, big.ldn);
  f.engine.unpair(f.array, mv.ldn, big.ldn);
  const grown = f.engine.resizeVvol(mv.vvolId!, 2 * mv.capacity);
  expect(f.engine.readChunks(grown, end + 5, 1)).toEqual([null]);
});

test('no restore into a VVol while a full clone copies it, and no clone of a VVol while a restore writes into it: each copy ends equal to its source', () => {
  f.engine.pairVolumes(f.array, mv.ldn, rv.ldn);
  expect(runTask(f, f.engine.replicate(f.array, mv.ldn, rv.ldn).taskId!).state).toBe('success');
  f.engine.separate(f.array, mv.ldn, rv.ldn);
  f.engine.write(mv, 0, tokens('N', 150)); // the MV moves on from the RV's point in time

  // A full clone of the MV runs: a restore into the MV now would change chunks the clone already copied.
  const { ld: clone, taskId } = f.engine.fullClone(mv.vvolId!);
  expectError(() => f.engine.restore(f.array, mv.ldn, rv.ldn), 'FAILED_PRECONDITION', /is being copied \(clone task-.*\); it cannot be copied into until that copy ends/);
  expect(pair()).toMatchObject({ activity: 'separate', syncState: 'separated' });
  expect(runTask(f, taskId).state).toBe('success');
  expect(f.engine.readChunks(f.engine.getVvol(clone.vvolId!), 0, 150)).toEqual(tokens('N', 150));

  // Now the restore runs; a clone of the MV meanwhile would copy a mix of both images.
  const p = f.engine.restore(f.array, mv.ldn, rv.ldn);
  expectError(() => f.engine.fullClone(mv.vvolId!), 'FAILED_PRECONDITION', /is being written by a copy \(restore task-.*\); it cannot be copied from until that copy ends/);
  expect(runTask(f, p.taskId!).state).toBe('success');
  expect(f.engine.readChunks(mv, 0, 150)).toEqual(tokens('A', 150));
  const { ld: after, taskId: t2 } = f.engine.fullClone(mv.vvolId!);
  expect(runTask(f, t2).state).toBe('success');
  expect(f.engine.readChunks(f.engine.getVvol(after.vvolId!), 0, 150)).toEqual(tokens('A', 150));
});

test('a forced separation during the copy leaves an invalid RV that cannot be restored from', () => {
  f.engine.pairVolumes(f.array, mv.ldn, rv.ldn);
  const p = f.engine.replicate(f.array, mv.ldn, rv.ldn);
  f.clock.advance(500);
  f.engine.tick();
  const s = f.engine.separate(f.array, mv.ldn, rv.ldn, true);
  expect(s).toMatchObject({ activity: 'separate', syncState: 'cancel', rvAccess: 'rw' });
  expect(f.engine.getTask(p.taskId!).state).toBe('cancelled');
  // Half of it was copied.
  const rvNow = f.engine.getLd(f.array, rv.ldn);
  expect(f.engine.readChunks(rvNow, 0, 1)).toEqual(['A0']);
  expect(f.engine.readChunks(rvNow, 149, 1)).toEqual([null]);
  expectError(() => f.engine.restore(f.array, mv.ldn, rv.ldn), 'FAILED_PRECONDITION', /must be separated with a valid RV/);
  // A new replicate makes it whole again.
  const again = f.engine.replicate(f.array, mv.ldn, rv.ldn);
  expect(runTask(f, again.taskId!).state).toBe('success');
  f.engine.separate(f.array, mv.ldn, rv.ldn);
  expect(f.engine.readChunks(f.engine.getLd(f.array, rv.ldn), 0, 150)).toEqual(tokens('A', 150));
});

test('pair rules: sizes, self, PE (B12) and SSV, an ESV never as RV, one MV per RV, replicating LDs cannot be expanded', () => {
  const small = f.engine.createLd(f.array, { pool: 3, kind: 'ld', capacityBytes: GB });
  const big = vvol(f, { sizeBytes: 2 * GB });
  expectError(() => f.engine.pairVolumes(f.array, big.ldn, small.ldn), 'INVALID_ARGUMENT', /is smaller than the MV/);
  expectError(() => f.engine.pairVolumes(f.array, mv.ldn, mv.ldn), 'INVALID_ARGUMENT', 'An LD cannot be paired with itself.');
  expectError(() => f.engine.pairVolumes(f.array, mv.ldn, 0x400), 'NOT_SUPPORTED', 'The backup function cannot be applied to the LD 0400h (PE) (table 4-1).');
  const ssv = f.engine.listLds(f.array).find((l) => l.kind === 'ssv')!;
  expectError(() => f.engine.pairVolumes(f.array, mv.ldn, ssv.ldn), 'NOT_SUPPORTED', /is the SSV and cannot be paired/);
  // An ESV may be backed up (table 4-1, test/rules/applicability-tables.test.ts) but is never overwritten as an RV.
  const snap = f.engine.snapshot(big.vvolId!);
  expectError(() => f.engine.pairVolumes(f.array, mv.ldn, snap.ldn), 'NOT_SUPPORTED', /is a snapshot volume \(ESV\) and cannot be an RV/);
  f.engine.pairVolumes(f.array, mv.ldn, rv.ldn);
  expectError(() => f.engine.pairVolumes(f.array, big.ldn, rv.ldn), 'INVALID_ARGUMENT');
  expectError(() => f.engine.pairVolumes(f.array, small.ldn, rv.ldn), 'IN_USE', /is already paired/);
  f.engine.replicate(f.array, mv.ldn, rv.ldn);
  expectError(() => f.engine.resizeVvol(mv.vvolId!, 2 * GB), 'FAILED_PRECONDITION', 'Failed to expand the specified volume because the volume is being replicated.');
  expectError(() => f.engine.deleteVvol(mv.vvolId!), 'IN_USE', /is being replicated/);
  f.engine.separate(f.array, mv.ldn, rv.ldn, true);
  // Separated: the MV can grow, and its RV grows first.
  f.engine.resizeVvol(mv.vvolId!, 2 * GB);
  expect(f.engine.getLd(f.array, rv.ldn).capacity).toBe(2 * GB);
});
