/**
 * L3 and B2 as the manual words them for each function: full clones need the SSV and the
 * DynamicDataReplication licence (2.1.1, 2.1.3, 3.8.2), extended snapshots need the
 * DynamicSnapVolume and ThinProvisioning licences (3.7.2), a Storage Container (a virtual
 * capacity pool) needs ThinProvisioning (2.1.2, 2.1.3).
 */
import { buildArray, demoSpec, Fixture, GB } from '../helpers/fixture';
import { expectError, vvol } from '../helpers/expect-error';
import type { Licence } from '../../src/array/models';

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

const without = (...drop: Licence[]) => demoSpec().licences.filter((l) => !drop.includes(l));

describe('L3: full clones need the SSV, like snapshots and fast clones', () => {
  test('L3: without an SSV a full clone fails with "No SSV is created." and leaves nothing behind', () => {
    f = buildArray({ spec: demoSpec({ ssv: undefined }) });
    const v = vvol(f);
    f.engine.write(v, 0, ['A']);
    const before = f.engine.listLds(f.array).length;
    expectError(() => f.engine.fullClone(v.vvolId!), 'FAILED_PRECONDITION', 'No SSV is created.');
    // Into the other container (a migration) too.
    expectError(() => f.engine.fullClone(v.vvolId!, { pool: 1 }), 'FAILED_PRECONDITION', 'No SSV is created.');
    expect(f.engine.listLds(f.array)).toHaveLength(before);
    expect(f.engine.getLd(f.array, v.ldn)).toMatchObject({ rpl: 'IV', state: 'ready' });
    expect(f.engine.listTasks(f.array)).toEqual([]);
    // With the SSV the same clone starts.
    f.engine.createLd(f.array, { pool: 2, kind: 'ssv' });
    const { ld } = f.engine.fullClone(v.vvolId!);
    expect(ld).toMatchObject({ rpl: 'RV', cloningSince: expect.any(Number) });
  });

  test('L3: an SSV in fault counts as none', () => {
    f = buildArray();
    const v = vvol(f);
    const ssv = f.engine.listLds(f.array).find((l) => l.kind === 'ssv')!;
    f.store.run("UPDATE lds SET state = 'fault' WHERE id = ?", ssv.id);
    expectError(() => f.engine.fullClone(v.vvolId!), 'FAILED_PRECONDITION', 'No SSV is created.');
    f.store.run("UPDATE lds SET state = 'ready' WHERE id = ?", ssv.id);
    expect(f.engine.fullClone(v.vvolId!).ld.rpl).toBe('RV');
  });

  test('L3/B2: a locked licence is reported before a missing SSV (the array checks licences first)', () => {
    f = buildArray({ spec: demoSpec({ ssv: undefined, licences: without('DynamicDataReplication') }) });
    const v = vvol(f);
    expectError(() => f.engine.fullClone(v.vvolId!), 'LICENCE_LOCKED', 'The license for DynamicDataReplication is locked.');
  });
});

describe('B2: which licence gates a full clone (2.1.1: DynamicDataReplication; VolumeClone is for linked clones)', () => {
  test('B2: a full clone needs DynamicDataReplication, not VolumeClone', () => {
    f = buildArray({ spec: demoSpec({ licences: without('VolumeClone') }) });
    const v = vvol(f);
    expectError(() => f.engine.fastClone(v.vvolId!), 'LICENCE_LOCKED', 'The license for Volume Clone is locked.');
    expect(f.engine.fullClone(v.vvolId!).ld.rpl).toBe('RV');
    f.engine.setLicence(f.array, 'DynamicDataReplication', false);
    expectError(() => f.engine.fullClone(v.vvolId!), 'LICENCE_LOCKED', 'The license for DynamicDataReplication is locked.');
  });
});

describe('B2: ThinProvisioning gates virtual capacity pools and extended snapshots (2.1.2, 2.1.3, 3.7.2)', () => {
  test('B2: ThinProvisioning locked: snapshots and reverts fail with its message; linked and full clones do not need it', () => {
    f = buildArray();
    const v = vvol(f);
    f.engine.write(v, 0, ['A']);
    const esv = f.engine.snapshot(v.vvolId!);
    f.engine.setLicence(f.array, 'ThinProvisioning', false);
    const msg = 'The license for ThinProvisioning is locked.';
    expectError(() => f.engine.snapshot(v.vvolId!), 'LICENCE_LOCKED', msg);
    expectError(() => f.engine.prepareSnapshot(v.vvolId!), 'LICENCE_LOCKED', msg);
    expectError(() => f.engine.revert(v.vvolId!, esv.vvolId!), 'LICENCE_LOCKED', msg);
    expect(f.engine.generations(f.array, v.ldn)).toHaveLength(1);
    // 3.8.2 names DynamicDataReplication and Volume Clone for clones, not ThinProvisioning.
    expect(f.engine.fastClone(v.vvolId!).clone).toBe('FCV');
    expect(f.engine.fullClone(v.vvolId!).ld.rpl).toBe('RV');
    // And no new Storage Container.
    expectError(() => f.engine.createPool(f.array, { poolNo: 9, virtual: true, container: true, capacityBytes: 8 * GB }), 'LICENCE_LOCKED', msg);
    f.engine.setLicence(f.array, 'ThinProvisioning', true);
    f.engine.snapshot(v.vvolId!);
    expect(f.engine.generations(f.array, v.ldn)).toHaveLength(2);
  });

  test('B2: a prepared snapshot cannot be taken once ThinProvisioning is locked', () => {
    f = buildArray();
    const v = vvol(f);
    const esv = f.engine.prepareSnapshot(v.vvolId!);
    f.engine.setLicence(f.array, 'ThinProvisioning', false);
    const [r] = f.engine.takeSnapshots([{ snapshotVvolId: esv.vvolId! }]);
    expect(r.ok || r.outcome !== 'refused' ? null : { code: r.error.code, message: r.error.message }).toEqual({ code: 'LICENCE_LOCKED', message: 'The license for ThinProvisioning is locked.' });
  });

  test('B2: the DynamicSnapVolume message comes first when both snapshot licences are locked', () => {
    f = buildArray();
    const v = vvol(f);
    f.engine.setLicence(f.array, 'ThinProvisioning', false);
    f.engine.setLicence(f.array, 'DynamicSnapVolume', false);
    expectError(() => f.engine.snapshot(v.vvolId!), 'LICENCE_LOCKED', 'The license for snapshot is locked.');
  });
});
