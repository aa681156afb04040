/**
 * Real capacity accounting: thin LDs use what they write (1 MiB a chunk), thick ones
 * reserve their size at creation, snapshots and fast clones share blocks so only
 * copy-on-write chunks add; a thin pool can really run full.
 */
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { expectError, runTask, tokens, vvol } from '../helpers/expect-error';

const MiB = 1024 * 1024;

let f: Fixture;
beforeEach(() => { f = buildArray(); });
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

// Container 1 holds only its PE, which uses no real capacity.
const used = () => f.engine.getPool(f.array, 1).usedBytes;
const provisioned = () => f.engine.getPool(f.array, 1).provisionedBytes;

test('a thin VVol uses 1 MiB of the pool per chunk written, nothing at creation', () => {
  expect(used()).toBe(0);
  const p0 = provisioned();
  const v = vvol(f, { pool: 1, sizeBytes: 4 * GB });
  expect(used()).toBe(0);
  expect(provisioned() - p0).toBe(4 * GB);
  f.engine.write(v, 0, tokens('a', 10));
  expect(used()).toBe(10 * MiB);
  f.engine.write(v, 0, tokens('b', 10)); // overwrite in place
  f.engine.write(v, 5, tokens('b', 5, 5)); // same content: nothing changes
  expect(used()).toBe(10 * MiB);
  f.engine.write(v, 4000, ['far']);
  expect(used()).toBe(11 * MiB);
  expect(f.engine.trim(v, 0, 2)).toEqual({ trimmed: 2 });
  expect(used()).toBe(9 * MiB);
  expect(f.engine.vvolSpace(v.vvolId!)).toEqual({ vvolId: v.vvolId, logical: 4 * GB, committed: 9 * MiB, unshared: 9 * MiB });
  expect(f.engine.poolSpace(f.array, 1)).toMatchObject({ physicalUsed: 9 * MiB, physicalTotal: 64 * GB, physicalFree: 64 * GB - 9 * MiB, logicalUsed: provisioned() });
  f.engine.deleteVvol(v.vvolId!);
  expect(used()).toBe(0);
  expect(provisioned()).toBe(p0);
});

test('a thick VVol reserves its whole size at creation; its writes take nothing more', () => {
  const v = vvol(f, { pool: 1, sizeBytes: 2 * GB, thick: true });
  expect(v.allocation).toBe('real');
  expect(used()).toBe(2 * GB);
  f.engine.write(v, 0, tokens('t', 100));
  expect(used()).toBe(2 * GB);
  expect(f.engine.vvolSpace(v.vvolId!).committed).toBe(2 * GB);
  f.engine.deleteVvol(v.vvolId!);
  expect(used()).toBe(0);
});

test('snapshots share blocks: the pool grows only by copied-on-write chunks', () => {
  const v = vvol(f, { pool: 1 });
  f.engine.write(v, 0, tokens('a', 20));
  expect(used()).toBe(20 * MiB);
  const s1 = f.engine.snapshot(v.vvolId!);
  expect(used()).toBe(20 * MiB);
  expect(f.engine.vvolSpace(v.vvolId!).unshared).toBe(0);
  f.engine.write(v, 0, tokens('b', 3)); // 3 shared chunks copied on write
  expect(used()).toBe(23 * MiB);
  f.engine.write(v, 0, tokens('c', 3)); // now held alone: in place
  expect(used()).toBe(23 * MiB);
  f.engine.write(v, 100, ['new']); // never written before
  expect(used()).toBe(24 * MiB);
  f.engine.trim(v, 10, 1); // the snapshot keeps the block
  expect(used()).toBe(24 * MiB);
  const s2 = f.engine.snapshot(v.vvolId!);
  expect(used()).toBe(24 * MiB);
  // Deleting the older snapshot frees what only it held: chunks 0-2 (a0-a2) and 10 (a10).
  const d = f.engine.deleteVvol(s1.vvolId!);
  expect(runTask(f, d.taskId!).state).toBe('success');
  expect(used()).toBe(20 * MiB);
  const d2 = f.engine.deleteVvol(s2.vvolId!);
  expect(runTask(f, d2.taskId!).state).toBe('success');
  expect(used()).toBe(20 * MiB);
  expect(f.engine.readChunks(v, 0, 4)).toEqual(['c0', 'c1', 'c2', 'a3']);
});

test('a snapshot of a thick VVol: the overwritten blocks the snapshot keeps start to count', () => {
  const v = vvol(f, { pool: 1, sizeBytes: GB, thick: true });
  f.engine.write(v, 0, tokens('a', 10));
  f.engine.snapshot(v.vvolId!);
  expect(used()).toBe(GB);
  f.engine.write(v, 0, tokens('b', 4));
  expect(used()).toBe(GB + 4 * MiB);
  f.engine.write(v, 50, ['x']); // inside the reservation
  expect(used()).toBe(GB + 4 * MiB);
});

test('fast clones share blocks; their writes add only what they change', () => {
  const src = vvol(f, { pool: 1 });
  f.engine.write(src, 0, tokens('s', 30));
  const c1 = f.engine.fastClone(src.vvolId!);
  const c2 = f.engine.fastClone(src.vvolId!);
  expect(used()).toBe(30 * MiB);
  f.engine.write(c1, 0, tokens('x', 5));
  f.engine.write(c2, 100, ['y']);
  expect(used()).toBe(36 * MiB);
  f.engine.deleteVvol(c1.vvolId!);
  expect(used()).toBe(31 * MiB);
  expect(f.engine.unsharedChunks(c2.vvolId!, undefined, 0, GB).unsharedChunks).toBe(1);
});

describe('a thin pool really runs full', () => {
  beforeEach(() => {
    // Container 5: 1 GB real capacity (1024 chunks), 4 GB logical.
    f.engine.createPool(f.array, { poolNo: 5, virtual: true, container: true, capacityBytes: GB });
  });

  test('a write that does not fit writes nothing, fails as an I/O error and faults the LD', () => {
    const v = vvol(f, { pool: 5, sizeBytes: 2 * GB });
    f.engine.write(v, 0, tokens('a', 1000));
    expectError(() => f.engine.write(v, 1000, tokens('b', 30)), 'IO_ERROR');
    expect(f.engine.getPool(f.array, 5).usedBytes).toBe(1000 * MiB);
    expect(f.engine.readChunks(v, 998, 4)).toEqual(['a998', 'a999', null, null]);
    expect(f.engine.getLd(f.array, v.ldn).state).toBe('fault');
    // Logical capacity is a limit too: 4 GB of thin VVols, and no more.
    vvol(f, { pool: 5, sizeBytes: 2 * GB - MiB });
    expectError(() => vvol(f, { pool: 5, sizeBytes: GB }), 'OUT_OF_RESOURCE', 'Insufficient pool space.');
    f.engine.expandPool(f.array, 5, GB);
    expect(f.engine.getPool(f.array, 5)).toMatchObject({ capacity: 2 * GB, virtualCapacity: 8 * GB });
    f.engine.write(v, 1000, tokens('b', 30));
    expect(f.engine.getPool(f.array, 5).usedBytes).toBe(1030 * MiB);
  });

  test('a full clone into a pool that runs full fails; the target is faulted and can be deleted', () => {
    const src = vvol(f);
    f.engine.write(src, 0, tokens('s', 50));
    const filler = vvol(f, { pool: 5 });
    f.engine.write(filler, 0, tokens('f', 1000));
    const { ld: dst, taskId } = f.engine.fullClone(src.vvolId!, { pool: 5 });
    const t = runTask(f, taskId, 100);
    expect(t).toMatchObject({ state: 'error', errorCode: 'OUT_OF_RESOURCE', errorMessage: 'Insufficient pool space.' });
    expect(f.engine.getVvol(dst.vvolId!).state).toBe('fault');
    expect(f.engine.alarmsSince(f.array, -1).some((a) => a.messageId === 'nec.task.failed' && a.objectId === taskId)).toBe(true);
    // The source is an ordinary volume again and the failed copy can be removed.
    expect(f.engine.getLd(f.array, src.ldn).rpl).toBe('IV');
    expect(f.engine.listPairs(f.array)).toEqual([]);
    // Expanding the pool does not turn the incomplete copy into a usable volume.
    f.engine.expandPool(f.array, 5, GB);
    expect(f.engine.getVvol(dst.vvolId!)).toMatchObject({ state: 'fault', faultReason: 'clone-failed', access: 'NotReady' });
    expect(f.engine.bindVvols('esxi01', [dst.vvolId!])[0].ok).toBe(false);
    f.engine.deleteVvol(dst.vvolId!);
    expect(f.engine.getPool(f.array, 5).usedBytes).toBe(1000 * MiB);
    const again = f.engine.fullClone(src.vvolId!, { pool: 5 });
    expect(runTask(f, again.taskId, 100).state).toBe('success');
    expect(f.engine.readChunks(f.engine.getVvol(again.ld.vvolId!), 0, 50)).toEqual(tokens('s', 50));
  });
});
