/**
 * Limits L5-L7: snapshot generations per base volume and per VM, FCVs per FEV, and
 * layers of clones and snapshots. 1 GB volumes, no data: only the counting matters.
 */
import { buildArray, demoSpec, Fixture } from '../helpers/fixture';
import { expectError, vvol } from '../helpers/expect-error';
import type { LogicalDisk } from '../../src/array/types';

const SNAPSHOT_LIMIT = 'You cannot create any more snapshot because the number of snapshots is limited to 256 per virtual machine.';
const FCV_LIMIT = 'You cannot create any more FCV because the number of FCVs of the specified FEV has reached the upper limit.';
const LAYER_LIMIT = 'The number of volume layers has reached the upper limit.';

let f: Fixture;
beforeEach(() => {
  // A container large enough (logically) for hundreds of 1 GB clones.
  f = buildArray({ spec: demoSpec({ pools: demoSpec().pools.map((p) => (p.poolNo === 0 ? { ...p, virtualCapacityGB: 1024 } : p)) }) });
});
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

function snapshots(base: LogicalDisk, n: number): LogicalDisk[] {
  const out: LogicalDisk[] = [];
  for (let i = 0; i < n; i++) out.push(f.engine.snapshot(base.vvolId!));
  return out;
}

describe('L5: 256 snapshot generations per base volume, 255 snapshots per virtual machine', () => {
  test('L5: the 257th snapshot generation of a base volume is refused', () => {
    const base = vvol(f);
    const esvs = snapshots(base, 256);
    expect(esvs.map((e) => e.generation)).toEqual(Array.from({ length: 256 }, (_, i) => i + 1));
    expectError(() => f.engine.snapshot(base.vvolId!), 'SNAPSHOT_TOO_MANY', SNAPSHOT_LIMIT);
    expectError(() => f.engine.prepareSnapshot(base.vvolId!), 'SNAPSHOT_TOO_MANY', SNAPSHOT_LIMIT);
    const gens = f.engine.generations(f.array, base.ldn);
    expect(gens).toHaveLength(256);
    expect(gens[0].relative).toBe(-256);
    expect(gens[255].relative).toBe(-1);
  });

  test('L5: a base volume of a virtual machine gets 255 snapshots, the 256th is refused', () => {
    const disk = vvol(f, { vm: 'vm-42' });
    snapshots(disk, 255);
    expectError(() => f.engine.snapshot(disk.vvolId!), 'SNAPSHOT_TOO_MANY', SNAPSHOT_LIMIT);
    expect(f.engine.generations(f.array, disk.ldn)).toHaveLength(255);
    // Another VM is not affected.
    const other = vvol(f, { vm: 'vm-43' });
    expect(f.engine.snapshot(other.vvolId!).generation).toBe(1);
  });

  test('L5: a VM at 255 snapshots can still be reverted: the revert takes the 256th generation for its temporary snapshot', () => {
    const disk = vvol(f, { vm: 'vm-7' });
    const esvs = snapshots(disk, 255);
    f.engine.revert(disk.vvolId!, esvs[10].vvolId!);
    const gens = f.engine.generations(f.array, disk.ldn);
    expect(gens).toHaveLength(255);
    expect(gens.some((g) => g.temporary)).toBe(false);
  });

  test('L5: a base volume at 256 generations cannot be reverted, since the revert needs a temporary generation', () => {
    const base = vvol(f);
    const esvs = snapshots(base, 256);
    expectError(() => f.engine.revert(base.vvolId!, esvs[0].vvolId!), 'SNAPSHOT_TOO_MANY', SNAPSHOT_LIMIT);
    // Deleting one generation (in the background) makes room again.
    const del = f.engine.deleteVvol(esvs[255].vvolId!);
    f.engine.tick();
    expect(f.engine.getTask(del.taskId!).state).toBe('success');
    f.engine.revert(base.vvolId!, esvs[0].vvolId!);
    expect(f.engine.snapshot(base.vvolId!).generation).toBe(256);
  });
});

describe('L6: 256 FCVs per FEV', () => {
  test('L6: the 257th FCV of an FEV is refused', () => {
    const src = vvol(f);
    const fcvs: LogicalDisk[] = [];
    for (let i = 0; i < 256; i++) fcvs.push(f.engine.fastClone(src.vvolId!));
    expect(f.engine.getLd(f.array, src.ldn).clone).toBe('FEV');
    expectError(() => f.engine.fastClone(src.vvolId!), 'TOO_MANY', FCV_LIMIT);
    // Clones of a clone count against that clone, not the first FEV.
    expect(f.engine.fastClone(fcvs[0].vvolId!).clone).toBe('FCV');
    // Deleting one FCV frees a place.
    f.engine.deleteVvol(fcvs[255].vvolId!);
    expect(f.engine.fastClone(src.vvolId!).parentId).toBe(src.id);
    expectError(() => f.engine.fastClone(src.vvolId!), 'TOO_MANY', FCV_LIMIT);
  });
});

describe('L7: 64 layers of clones and snapshots', () => {
  test('L7: clone of clone of clone... up to 64 layers, the 65th is refused', () => {
    let cur = vvol(f);
    for (let i = 1; i <= 64; i++) {
      cur = f.engine.fastClone(cur.vvolId!);
      expect(cur.layer).toBe(i);
    }
    expectError(() => f.engine.fastClone(cur.vvolId!), 'TOO_MANY', LAYER_LIMIT);
    expectError(() => f.engine.snapshot(cur.vvolId!), 'TOO_MANY', LAYER_LIMIT);
  });

  test('L7: snapshot of snapshot of snapshot... up to 64 layers, the 65th is refused', () => {
    let cur = vvol(f, { vm: 'vm-1' });
    for (let i = 1; i <= 64; i++) {
      cur = f.engine.snapshot(cur.vvolId!);
      expect(cur).toMatchObject({ layer: i, snap: 'ESV' });
    }
    expectError(() => f.engine.snapshot(cur.vvolId!), 'TOO_MANY', LAYER_LIMIT);
    expectError(() => f.engine.fastClone(cur.vvolId!), 'TOO_MANY', LAYER_LIMIT);
  });

  test('L7: clones from snapshots and snapshots of clones count as layers together', () => {
    let cur = vvol(f);
    for (let i = 1; i <= 64; i++) {
      cur = i % 2 ? f.engine.snapshot(cur.vvolId!) : f.engine.fastClone(cur.vvolId!);
      expect(cur.layer).toBe(i);
    }
    expect(cur.clone).toBe('FCV');
    expectError(() => f.engine.snapshot(cur.vvolId!), 'TOO_MANY', LAYER_LIMIT);
    expectError(() => f.engine.fastClone(cur.vvolId!), 'TOO_MANY', LAYER_LIMIT);
    // A clone taken from a snapshot makes the snapshot an FEV as well (Purpose Snapshot/Clone).
    const first = f.engine.listLds(f.array).find((l) => l.layer === 1)!;
    expect(f.engine.ldDetail(f.array, first.ldn)).toMatchObject({ snap: 'ESV', clone: 'FEV', purpose: 'Snapshot/Clone' });
  });
});
