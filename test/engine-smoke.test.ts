import { buildArray, Fixture, GB } from './helpers/fixture';

let f: Fixture;
beforeEach(() => { f = buildArray(); });
afterEach(() => f.close());

test('a VVol can be created, written, snapshotted, reverted and read back', () => {
  const { ld } = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 2 * GB, metadata: { VMW_VmID: 'vm-1' } });
  f.engine.write(ld, 0, ['A0', 'A1']);
  const snap = f.engine.snapshot(ld.vvolId!);
  f.engine.write(ld, 0, ['B0']);
  expect(f.engine.readChunks(ld, 0, 2)).toEqual(['B0', 'A1']);
  f.engine.revert(ld.vvolId!, snap.vvolId!);
  expect(f.engine.readChunks(ld, 0, 3)).toEqual(['A0', 'A1', null]);
  expect(f.engine.checkInvariants()).toEqual([]);
});
