/**
 * Full clones (DynamicDataReplication) copy the source's chunks over time as a task,
 * driven by the manual clock at the configured copy rate.
 */
import { buildArray, Fixture } from '../helpers/fixture';
import { expectError, runTask, tokens, vvol } from '../helpers/expect-error';

const MiB = 1024 * 1024;
const RATE = 200 * MiB; // the default copy rate: 200 chunks a second

let f: Fixture;
beforeEach(() => { f = buildArray({ engine: { copyBytesPerSec: RATE } }); });
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

test('a full clone equals the source after its task finishes, and is independent afterwards', () => {
  const src = vvol(f, { sizeBytes: 2 * 1024 * MiB });
  f.engine.write(src, 0, tokens('S', 300));
  f.engine.write(src, 1500, ['far']);
  const { ld: dst, taskId } = f.engine.fullClone(src.vvolId!, { metadata: { VMW_VmID: 'vm-clone' } });
  expect(dst).toMatchObject({ capacity: src.capacity, rpl: 'RV', access: 'NotReady', vmId: 'vm-clone' });
  expect(dst.cloningSince).toBe(f.clock.now());
  expect(f.engine.getLd(f.array, src.ldn).rpl).toBe('MV');
  expect(f.engine.getTask(taskId)).toMatchObject({ kind: 'clone', state: 'running', progress: 0, totalChunks: 301 });
  // Not readable or bindable while it is being copied.
  expectError(() => f.engine.readChunks(dst, 0, 1), 'FAILED_PRECONDITION');
  expect(f.engine.bindVvols('esxi01', [dst.vvolId!])[0].ok).toBe(false);

  // 301 chunks at 200 a second: done within two seconds.
  f.clock.advance(1600);
  f.engine.tick();
  const t = runTask(f, taskId, 500);
  expect(t).toMatchObject({ state: 'success', progress: 100, result: dst.vvolId, doneChunks: 301 });
  expect(t.finishedAt).toBeLessThanOrEqual(f.clock.now());

  const done = f.engine.getVvol(dst.vvolId!);
  expect(done).toMatchObject({ rpl: 'IV', access: 'ReadWrite', cloningSince: null, state: 'ready' });
  expect(f.engine.getLd(f.array, src.ldn).rpl).toBe('IV');
  expect(f.engine.readChunks(done, 0, 300)).toEqual(f.engine.readChunks(src, 0, 300));
  expect(f.engine.readChunks(done, 1500, 1)).toEqual(['far']);
  expect(f.engine.readChunks(done, 300, 1200)).toEqual(new Array(1200).fill(null));
  // The clone is a volume of its own: it holds its own copy of every chunk.
  expect(f.engine.ldDetail(f.array, done.ldn).allocatedChunks).toBe(301);
  expect(f.engine.vvolSpace(done.vvolId!).unshared).toBe(301 * MiB);

  f.engine.write(done, 0, ['clone-0']);
  f.engine.write(src, 1, ['src-1']);
  expect(f.engine.readChunks(src, 0, 2)).toEqual(['S0', 'src-1']);
  expect(f.engine.readChunks(done, 0, 2)).toEqual(['clone-0', 'S1']);
  // Deleting the source leaves the clone whole.
  f.engine.deleteVvol(src.vvolId!);
  expect(f.engine.readChunks(done, 2, 2)).toEqual(['S2', 'S3']);
  expect(f.engine.bindVvols('esxi01', [done.vvolId!])[0].ok).toBe(true);
  f.engine.unbindAllFromHost('esxi01');
});

test('a full clone in progress shows progress between 0 and 100 and an estimated completion', () => {
  const src = vvol(f);
  f.engine.write(src, 0, tokens('S', 1000)); // 5 s at 200 chunks/s
  const { taskId } = f.engine.fullClone(src.vvolId!);
  const start = f.clock.now();
  f.clock.advance(2000);
  f.engine.tick();
  const t = f.engine.getTask(taskId);
  expect(t.state).toBe('running');
  expect(t.progress).toBeGreaterThan(0);
  expect(t.progress).toBeLessThan(100);
  expect(t.progress).toBe(40);
  expect(t.doneChunks).toBe(400);
  expect(t.startedAt).toBe(start);
  expect(t.estimatedCompletion).not.toBeNull();
  expect(t.estimatedCompletion!).toBeGreaterThan(f.clock.now());
  expect(t.estimatedCompletion!).toBe(start + 5000);
  // The copied part of the clone already holds the data (the pair is in the copy).
  const pair = f.engine.queryPairs(f.array, src.ldn)[0];
  expect(pair).toMatchObject({ purpose: 'clone', activity: 'replicate', syncState: 'rpl/exec', copyDiffBytes: 600 * MiB });
  // Progress only moves forward.
  f.clock.advance(1000);
  f.engine.tick();
  expect(f.engine.getTask(taskId).progress).toBe(60);
  expect(runTask(f, taskId).state).toBe('success');
});

test('writes to the source while a full clone runs are in the clone when it completes', () => {
  const src = vvol(f);
  f.engine.write(src, 0, tokens('S', 400));
  const { ld: dst, taskId } = f.engine.fullClone(src.vvolId!);
  f.clock.advance(1000);
  f.engine.tick();
  f.engine.write(src, 0, ['early-rewritten']); // already copied
  f.engine.write(src, 399, ['late-rewritten']); // not yet copied
  f.engine.write(src, 500, ['new']);
  expect(runTask(f, taskId).state).toBe('success');
  expect(f.engine.readChunks(f.engine.getVvol(dst.vvolId!), 0, 501)).toEqual(f.engine.readChunks(src, 0, 501));
});

test('cancelling a full clone removes the target and gives back its space', () => {
  const src = vvol(f);
  f.engine.write(src, 0, tokens('S', 1000));
  const pool = f.engine.getPool(f.array, 1);
  const { ld: dst, taskId } = f.engine.fullClone(src.vvolId!, { pool: 1 });
  expect(dst.poolNo).toBe(1);
  f.clock.advance(1000);
  f.engine.tick();
  expect(f.engine.getPool(f.array, 1).usedBytes).toBe(pool.usedBytes + 200 * MiB);
  const cancelled = f.engine.cancelTask(taskId);
  expect(cancelled).toMatchObject({ state: 'cancelled', cancelled: true, cancelable: false });
  expectError(() => f.engine.getVvol(dst.vvolId!), 'NOT_FOUND', `The specified ${dst.vvolId} does not exist.`);
  expect(f.engine.listLds(f.array).some((l) => l.ldn === dst.ldn)).toBe(false);
  expect(f.engine.getLd(f.array, src.ldn).rpl).toBe('IV');
  expect(f.engine.listPairs(f.array)).toEqual([]);
  expect(f.engine.getPool(f.array, 1)).toMatchObject({ usedBytes: pool.usedBytes, provisionedBytes: pool.provisionedBytes });
  // Once ended, a task cannot be cancelled again; ticking does not resurrect it.
  expectError(() => f.engine.cancelTask(taskId), 'NOT_CANCELLABLE');
  f.clock.advance(10_000);
  f.engine.tick();
  expect(f.engine.getTask(taskId).state).toBe('cancelled');
  expect(f.engine.readChunks(src, 999, 1)).toEqual(['S999']);
});

test('a VVol still being copied cannot be snapshotted, fast-cloned or cloned again until the copy is done', () => {
  const src = vvol(f);
  f.engine.write(src, 0, tokens('S', 1000));
  const { ld: dst, taskId } = f.engine.fullClone(src.vvolId!);
  f.clock.advance(1000);
  f.engine.tick();
  expectError(() => f.engine.snapshot(dst.vvolId!), 'FAILED_PRECONDITION', /is being copied/);
  expectError(() => f.engine.prepareSnapshot(dst.vvolId!), 'FAILED_PRECONDITION', /is being copied/);
  expectError(() => f.engine.fastClone(dst.vvolId!), 'FAILED_PRECONDITION', /is being copied/);
  expectError(() => f.engine.fullClone(dst.vvolId!), 'FAILED_PRECONDITION', /is being copied/);
  expect(f.engine.getLd(f.array, dst.ldn)).toMatchObject({ snap: '---', clone: '---' });
  // The source itself stays usable meanwhile.
  f.engine.snapshot(src.vvolId!);
  expect(runTask(f, taskId).state).toBe('success');
  const c = f.engine.fastClone(dst.vvolId!);
  expect(f.engine.readChunks(c, 999, 1)).toEqual(['S999']);
  expect(f.engine.readChunks(f.engine.snapshot(dst.vvolId!), 0, 1)).toEqual(['S0']);
});
