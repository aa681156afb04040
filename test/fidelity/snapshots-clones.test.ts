/**
 * Data fidelity of snapshots and fast clones: they share chunks copy-on-write, so a
 * revert really brings old data back and clones never see each other's writes.
 */
import { buildArray, Fixture } from '../helpers/fixture';
import { expectError, tokens, vvol } from '../helpers/expect-error';

let f: Fixture;
beforeEach(() => { f = buildArray(); });
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

test('write A, snapshot, write B, revert, read A', () => {
  const v = vvol(f, { vm: 'vm-1' });
  f.engine.write(v, 0, tokens('A', 8));
  const snap = f.engine.snapshot(v.vvolId!);
  f.engine.write(v, 0, tokens('B', 4));
  f.engine.write(v, 10, ['B10']);
  f.engine.trim(v, 7, 1);
  expect(f.engine.readChunks(v, 0, 11)).toEqual(['B0', 'B1', 'B2', 'B3', 'A4', 'A5', 'A6', null, null, null, 'B10']);
  // The snapshot still holds the point in time.
  expect(f.engine.readChunks(snap, 0, 11)).toEqual([...tokens('A', 8), null, null, null]);
  f.engine.revert(v.vvolId!, snap.vvolId!);
  expect(f.engine.readChunks(v, 0, 11)).toEqual([...tokens('A', 8), null, null, null]);
  // The snapshot survives the revert and the base is writable again, without touching the snapshot.
  f.engine.write(v, 0, ['C0']);
  expect(f.engine.readChunks(v, 0, 2)).toEqual(['C0', 'A1']);
  expect(f.engine.readChunks(snap, 0, 2)).toEqual(['A0', 'A1']);
  expect(f.engine.generations(f.array, v.ldn).map((g) => g.ldn)).toEqual([snap.ldn]);
});

test('several generations each keep their own point in time; revert to any of them', () => {
  const v = vvol(f);
  const snaps = [];
  for (let g = 0; g < 5; g++) {
    f.engine.write(v, g, [`g${g}`]);
    f.engine.write(v, 100, [`last${g}`]);
    snaps.push(f.engine.snapshot(v.vvolId!));
  }
  for (let g = 0; g < 5; g++) {
    expect(f.engine.readChunks(snaps[g], 0, 5)).toEqual(Array.from({ length: 5 }, (_, i) => (i <= g ? `g${i}` : null)));
    expect(f.engine.readChunks(snaps[g], 100, 1)).toEqual([`last${g}`]);
  }
  f.engine.revert(v.vvolId!, snaps[1].vvolId!);
  expect(f.engine.readChunks(v, 0, 5)).toEqual(['g0', 'g1', null, null, null]);
  f.engine.revert(v.vvolId!, snaps[4].vvolId!);
  expect(f.engine.readChunks(v, 0, 5)).toEqual(['g0', 'g1', 'g2', 'g3', 'g4']);
  expect(f.engine.readChunks(v, 100, 1)).toEqual(['last4']);
});

test('a snapshot is read-only; a snapshot of another volume cannot be used to revert', () => {
  const v = vvol(f);
  const w = vvol(f);
  f.engine.write(v, 0, ['A']);
  const snap = f.engine.snapshot(v.vvolId!);
  expectError(() => f.engine.write(snap, 0, ['X']), 'FAILED_PRECONDITION', /is not writable/);
  expectError(() => f.engine.revert(w.vvolId!, snap.vvolId!), 'INCOMPATIBLE');
  expect(f.engine.readChunks(snap, 0, 1)).toEqual(['A']);
});

test('two-phase snapshots of a VM share one point in time', () => {
  const d1 = vvol(f, { vm: 'vm-2' });
  const d2 = vvol(f, { vm: 'vm-2' });
  f.engine.write(d1, 0, ['d1-a']);
  f.engine.write(d2, 0, ['d2-a']);
  const p1 = f.engine.prepareSnapshot(d1.vvolId!);
  const p2 = f.engine.prepareSnapshot(d2.vvolId!);
  // Prepared but not taken: not readable yet; writes before the take are in the snapshot.
  expectError(() => f.engine.readChunks(p1, 0, 1), 'FAILED_PRECONDITION');
  f.engine.write(d1, 0, ['d1-b']);
  const res = f.engine.takeSnapshots([{ snapshotVvolId: p1.vvolId! }, { snapshotVvolId: p2.vvolId! }, { snapshotVvolId: p1.vvolId! }]);
  expect(res.map((r) => r.ok)).toEqual([true, true, false]);
  f.engine.write(d1, 0, ['d1-c']);
  f.engine.write(d2, 0, ['d2-c']);
  expect(f.engine.readChunks(f.engine.getVvol(p1.vvolId!), 0, 1)).toEqual(['d1-b']);
  expect(f.engine.readChunks(f.engine.getVvol(p2.vvolId!), 0, 1)).toEqual(['d2-a']);
});

test('fast clone writes do not leak into the source or sibling clones, and source writes do not leak into clones', () => {
  const src = vvol(f);
  f.engine.write(src, 0, tokens('S', 6));
  const c1 = f.engine.fastClone(src.vvolId!);
  const c2 = f.engine.fastClone(src.vvolId!);
  expect(f.engine.readChunks(c1, 0, 6)).toEqual(tokens('S', 6));
  expect(f.engine.readChunks(c2, 0, 6)).toEqual(tokens('S', 6));

  f.engine.write(c1, 0, ['c1-0']);
  f.engine.write(c1, 20, ['c1-20']);
  f.engine.write(c2, 1, ['c2-1']);
  f.engine.trim(c2, 5, 1);
  f.engine.write(src, 2, ['src-2']);
  f.engine.write(src, 30, ['src-30']);

  expect(f.engine.readChunks(src, 0, 6)).toEqual(['S0', 'S1', 'src-2', 'S3', 'S4', 'S5']);
  expect(f.engine.readChunks(c1, 0, 6)).toEqual(['c1-0', 'S1', 'S2', 'S3', 'S4', 'S5']);
  expect(f.engine.readChunks(c2, 0, 6)).toEqual(['S0', 'c2-1', 'S2', 'S3', 'S4', null]);
  expect(f.engine.readChunks(src, 20, 11)).toEqual([null, null, null, null, null, null, null, null, null, null, 'src-30']);
  expect(f.engine.readChunks(c1, 20, 11)).toEqual(['c1-20', null, null, null, null, null, null, null, null, null, null]);
  expect(f.engine.readChunks(c2, 20, 11)).toEqual(new Array(11).fill(null));

  // A clone of a clone sees its parent's data at the time and then goes its own way.
  const c11 = f.engine.fastClone(c1.vvolId!);
  f.engine.write(c1, 3, ['c1-3']);
  f.engine.write(c11, 4, ['c11-4']);
  expect(f.engine.readChunks(c11, 0, 6)).toEqual(['c1-0', 'S1', 'S2', 'S3', 'c11-4', 'S5']);
  expect(f.engine.readChunks(c1, 0, 6)).toEqual(['c1-0', 'S1', 'S2', 'c1-3', 'S4', 'S5']);

  // Deleting a clone leaves the others' data whole.
  f.engine.deleteVvol(c2.vvolId!);
  expect(f.engine.readChunks(src, 0, 3)).toEqual(['S0', 'S1', 'src-2']);
  expect(f.engine.readChunks(c1, 0, 3)).toEqual(['c1-0', 'S1', 'S2']);
});

test('a clone taken from a snapshot holds the snapshot data and is writable', () => {
  const v = vvol(f);
  f.engine.write(v, 0, ['old']);
  const snap = f.engine.snapshot(v.vvolId!);
  f.engine.write(v, 0, ['new']);
  const c = f.engine.fastClone(snap.vvolId!);
  expect(f.engine.readChunks(c, 0, 1)).toEqual(['old']);
  f.engine.write(c, 0, ['clone']);
  expect(f.engine.readChunks(snap, 0, 1)).toEqual(['old']);
  expect(f.engine.readChunks(v, 0, 1)).toEqual(['new']);
  expect(f.engine.readChunks(c, 0, 1)).toEqual(['clone']);
});

test('a base expanded between prepare and take: the take is refused for that snapshot alone, and no chunk lands past a snapshot\'s end', () => {
  const GiB = 1024 * 1024 * 1024;
  const d1 = vvol(f, { vm: 'vm-3' });
  const d2 = vvol(f, { vm: 'vm-3' });
  const p1 = f.engine.prepareSnapshot(d1.vvolId!);
  const p2 = f.engine.prepareSnapshot(d2.vvolId!);
  const grown = f.engine.resizeVvol(d1.vvolId!, d1.capacity + GiB);
  const end = d1.capacity / (1024 * 1024);
  f.engine.write(grown, end + 10, ['past-the-old-end']);
  const res = f.engine.takeSnapshots([{ snapshotVvolId: p1.vvolId! }, { snapshotVvolId: p2.vvolId! }]);
  expect(res.map((r) => r.ok)).toEqual([false, true]);
  const refused = res[0];
  if (refused.outcome !== 'refused') throw new Error('expected a refusal');
  expect(refused.error.code).toBe('FAILED_PRECONDITION');
  expect(refused.error.message).toMatch(/was expanded after the snapshot .* was prepared \(\d+ MB, now \d+ MB\); prepare the snapshot again/);
  // Refused whole: it is still a prepared snapshot, holding nothing, and can be deleted; a new prepare fits the base.
  expect(f.engine.getVvol(p1.vvolId!).state).toBe('prepared');
  f.engine.deleteVvol(p1.vvolId!);
  const again = f.engine.prepareSnapshot(d1.vvolId!);
  expect(f.engine.takeSnapshots([{ snapshotVvolId: again.vvolId! }])[0].ok).toBe(true);
  expect(f.engine.readChunks(f.engine.getVvol(again.vvolId!), end + 10, 1)).toEqual(['past-the-old-end']);
  // afterEach: checkInvariants finds no chunk beyond an LD's end.
});
