/**
 * The allocated and unshared bitmaps VASA asks for are computed from the real
 * allocation maps, on the caller's chunk grid (smaller or larger than our 1 MiB).
 */
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { expectError, vvol } from '../helpers/expect-error';
import type { LogicalDisk } from '../../src/array/types';

const MiB = 1024 * 1024;
const KiB = 1024;

let f: Fixture;
let base: LogicalDisk;
let snap: LogicalDisk;
beforeEach(() => {
  f = buildArray();
  base = vvol(f);
  // Base: chunks 0, 1, 5, 9 written; then the snapshot; then 1 rewritten, 7 new, 9 trimmed.
  for (const i of [0, 1, 5, 9]) f.engine.write(base, i, [`A${i}`]);
  snap = f.engine.snapshot(base.vvolId!);
  f.engine.write(base, 1, ['B1']);
  f.engine.write(base, 7, ['B7']);
  f.engine.trim(base, 9, 1);
});
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

/** Indexes of the set bits. */
const set = (bits: boolean[]) => bits.flatMap((b, i) => (b ? [i] : []));
const seg = (startBytes: number, lengthBytes: number, chunkSizeBytes: number) => ({ startBytes, lengthBytes, chunkSizeBytes });

test('allocated bitmaps of a base volume and its snapshot, at 1 MiB', () => {
  const b = f.engine.allocatedBitmap(base.vvolId!, seg(0, 16 * MiB, MiB));
  expect(b).toMatchObject({ chunkSizeBytes: MiB, scannedChunks: 16 });
  expect(b.bits).toHaveLength(16);
  expect(set(b.bits)).toEqual([0, 1, 5, 7]);
  expect(set(f.engine.allocatedBitmap(snap.vvolId!, seg(0, 16 * MiB, MiB)).bits)).toEqual([0, 1, 5, 9]);
  // The whole volume.
  const all = f.engine.allocatedBitmap(base.vvolId!, seg(0, GB, MiB));
  expect(all.bits).toHaveLength(1024);
  expect(set(all.bits)).toEqual([0, 1, 5, 7]);
});

test('unshared bitmap of a base volume against its snapshot, both ways', () => {
  // 1 rewritten, 7 written only in the base, 9 trimmed in the base but kept by the snapshot.
  expect(set(f.engine.unsharedBitmap(base.vvolId!, snap.vvolId!, seg(0, 16 * MiB, MiB)).bits)).toEqual([1, 7, 9]);
  expect(set(f.engine.unsharedBitmap(snap.vvolId!, base.vvolId!, seg(0, 16 * MiB, MiB)).bits)).toEqual([1, 7, 9]);
  expect(f.engine.unsharedChunks(base.vvolId!, snap.vvolId!, 0, GB)).toEqual({ unsharedChunks: 3, scannedChunks: 1024, chunkSizeBytes: MiB });
  // Without a base: what the volume holds alone (1 and 7; 0 and 5 are shared with the snapshot).
  expect(f.engine.unsharedChunks(base.vvolId!, undefined, 0, GB).unsharedChunks).toBe(2);
  expect(f.engine.unsharedChunks(snap.vvolId!, undefined, 0, GB).unsharedChunks).toBe(2); // A1 and A9
  // A later write makes one more difference; a second snapshot shares everything again.
  f.engine.write(base, 3, ['B3']);
  expect(set(f.engine.unsharedBitmap(base.vvolId!, snap.vvolId!, seg(0, 16 * MiB, MiB)).bits)).toEqual([1, 3, 7, 9]);
  const snap2 = f.engine.snapshot(base.vvolId!);
  expect(f.engine.unsharedBitmap(base.vvolId!, snap2.vvolId!, seg(0, 16 * MiB, MiB)).bits.some(Boolean)).toBe(false);
  expect(set(f.engine.unsharedBitmap(snap2.vvolId!, snap.vvolId!, seg(0, 16 * MiB, MiB)).bits)).toEqual([1, 3, 7, 9]);
});

test('caller chunk sizes smaller than 1 MiB split our chunks', () => {
  const b = f.engine.allocatedBitmap(base.vvolId!, seg(0, 4 * MiB, 512 * KiB));
  expect(b).toMatchObject({ chunkSizeBytes: 512 * KiB, scannedChunks: 8 });
  expect(b.bits).toEqual([true, true, true, true, false, false, false, false]);
  expect(set(f.engine.unsharedBitmap(base.vvolId!, snap.vvolId!, seg(0, 10 * MiB, 256 * KiB)).bits)).toEqual([4, 5, 6, 7, 28, 29, 30, 31, 36, 37, 38, 39]);
  // A segment that starts in the middle of a chunk.
  expect(f.engine.allocatedBitmap(base.vvolId!, seg(1.5 * MiB, 2 * MiB, 512 * KiB)).bits).toEqual([true, false, false, false]);
  expect(f.engine.allocatedBitmap(base.vvolId!, seg(4.5 * MiB, MiB, 512 * KiB)).bits).toEqual([false, true]);
});

test('caller chunk sizes larger than 1 MiB merge our chunks', () => {
  // 4 MiB chunks: [0-3] has 0,1; [4-7] has 5,7; [8-11] has nothing in the base.
  const b = f.engine.allocatedBitmap(base.vvolId!, seg(0, 16 * MiB, 4 * MiB));
  expect(b).toMatchObject({ chunkSizeBytes: 4 * MiB, scannedChunks: 4 });
  expect(b.bits).toEqual([true, true, false, false]);
  expect(f.engine.allocatedBitmap(snap.vvolId!, seg(0, 16 * MiB, 4 * MiB)).bits).toEqual([true, true, true, false]);
  expect(f.engine.unsharedBitmap(base.vvolId!, snap.vvolId!, seg(0, 16 * MiB, 4 * MiB)).bits).toEqual([true, true, true, false]);
  // A caller chunk that is not a multiple of ours (3 MiB): chunk 9 lies in [9, 12).
  expect(f.engine.unsharedBitmap(base.vvolId!, snap.vvolId!, seg(0, 12 * MiB, 3 * MiB)).bits).toEqual([true, false, true, true]);
  // A last partial caller chunk.
  expect(f.engine.allocatedBitmap(base.vvolId!, seg(0, 10 * MiB, 4 * MiB)).bits).toEqual([true, true, false]);
});

test('fast clones are related to their source and answer the same way', () => {
  const c = f.engine.fastClone(base.vvolId!);
  expect(f.engine.unsharedBitmap(c.vvolId!, base.vvolId!, seg(0, 16 * MiB, MiB)).bits.some(Boolean)).toBe(false);
  f.engine.write(c, 2, ['C2']);
  expect(set(f.engine.unsharedBitmap(c.vvolId!, base.vvolId!, seg(0, 16 * MiB, MiB)).bits)).toEqual([2]);
  // Related through a common root: the clone against the snapshot of its source.
  expect(set(f.engine.unsharedBitmap(c.vvolId!, snap.vvolId!, seg(0, 16 * MiB, MiB)).bits)).toEqual([1, 2, 7, 9]);
});

test('unrelated volumes: INCOMPATIBLE', () => {
  const other = vvol(f);
  f.engine.write(other, 0, ['A0']);
  expectError(() => f.engine.unsharedBitmap(base.vvolId!, other.vvolId!, seg(0, 16 * MiB, MiB)), 'INCOMPATIBLE', `The VVOLs ${base.vvolId} and ${other.vvolId} are not related.`);
  expectError(() => f.engine.unsharedBitmap(other.vvolId!, snap.vvolId!, seg(0, 16 * MiB, MiB)), 'INCOMPATIBLE');
  expectError(() => f.engine.unsharedChunks(base.vvolId!, other.vvolId!, 0, GB), 'INCOMPATIBLE');
  // A full clone is a volume of its own, not related to its source.
  const { ld: full, taskId } = f.engine.fullClone(base.vvolId!);
  f.clock.advance(1000);
  f.engine.tick();
  expect(f.engine.getTask(taskId).state).toBe('success');
  expectError(() => f.engine.unsharedBitmap(full.vvolId!, base.vvolId!, seg(0, 16 * MiB, MiB)), 'INCOMPATIBLE');
});

test('segments are checked', () => {
  expectError(() => f.engine.allocatedBitmap(base.vvolId!, seg(0, GB + MiB, MiB)), 'INVALID_ARGUMENT', /beyond the VVOL/);
  expectError(() => f.engine.allocatedBitmap(base.vvolId!, seg(0, MiB, 0)), 'INVALID_ARGUMENT');
  expectError(() => f.engine.allocatedBitmap(base.vvolId!, seg(0, 0, MiB)), 'INVALID_ARGUMENT');
  expectError(() => f.engine.allocatedBitmap(base.vvolId!, seg(-1, MiB, MiB)), 'INVALID_ARGUMENT');
  const missing = 'naa.65cdb050000000005cdb05310000abcd';
  expectError(() => f.engine.allocatedBitmap(missing, seg(0, MiB, MiB)), 'NOT_FOUND', `The specified ${missing} does not exist.`);
});
