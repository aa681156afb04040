/**
 * Objects and names (N1-N5): Storage Containers, LD attributes and purposes, the
 * identifiers vSphere shows and the LD names iSM shows.
 */
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { expectError, vvol } from '../helpers/expect-error';
import { containerDisplayId, containerUuid, peEui, vvolNaa } from '../../src/array/ids';
import { poolVmwareType } from '../../src/array/display';

let f: Fixture;
beforeEach(() => { f = buildArray(); });
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

describe('N1: a Storage Container is a virtual capacity pool made with the container flag at creation', () => {
  test('N1: an existing pool cannot be converted into a Storage Container (or back)', () => {
    expectError(() => f.engine.modifyPool(f.array, 2, { container: true }), 'NOT_SUPPORTED', 'It is not possible to convert an existing pool into a Storage Container.');
    expectError(() => f.engine.modifyPool(f.array, 3, { container: false }), 'NOT_SUPPORTED', 'It is not possible to convert an existing pool into a Storage Container.');
    expectError(() => f.engine.modifyPool(f.array, 0, { container: false }), 'NOT_SUPPORTED', 'It is not possible to convert an existing pool into a Storage Container.');
    expect(f.engine.getPool(f.array, 2).container).toBe(false);
    expect(f.engine.getPool(f.array, 0).container).toBe(true);
    // Other modifications of a container stay possible.
    expect(f.engine.modifyPool(f.array, 0, { threshold: 70 }).threshold).toBe(70);
  });

  test('N1: a Storage Container must be a virtual capacity pool', () => {
    expectError(() => f.engine.createPool(f.array, { poolNo: 9, virtual: false, container: true, capacityBytes: 8 * GB }), 'INVALID_ARGUMENT', /a Storage Container must be created as a virtual capacity pool/);
    expect(f.engine.listPools(f.array).map((p) => p.poolNo)).toEqual([0, 1, 2, 3]);
    const c = f.engine.createPool(f.array, { poolNo: 9, virtual: true, container: true, capacityBytes: 8 * GB });
    expect(c).toMatchObject({ poolNo: 9, virtual: true, container: true, name: 'Pool0009' });
  });

  test('N1: VMware Type shows Container for a Storage Container and --- for other pools', () => {
    const shown = f.engine.listPools(f.array).map((p) => [p.poolNo, poolVmwareType(p)]);
    // vvolbackup0 is the backup Storage Container (3.9.1).
    expect(shown).toEqual([[0, 'Container'], [1, 'Container'], [2, '---'], [3, 'Container']]);
  });

  test('N1: VVols are created only in a Storage Container', () => {
    expectError(() => f.engine.createVvol(f.array, { pool: 2, type: 'data', sizeBytes: GB }), 'INVALID_ARGUMENT', 'The pool(0002) is not a Storage Container.');
  });
});

describe('N2/N3: VMware Type, Purpose and the RPL/Snapshot/Clone attributes of each kind of LD', () => {
  test('N2: VMware Type of VVOLs by type, PE, and --- for other LDs', () => {
    const types = { config: 'config-VVOL', data: 'vmdk-VVOL', swap: 'swap-VVOL', memory: 'memory-VVOL' } as const;
    for (const [type, label] of Object.entries(types)) {
      const ld = vvol(f, { type: type as keyof typeof types });
      expect(f.engine.ldDetail(f.array, ld.ldn)).toMatchObject({ kind: 'vvol', vvolType: type, vmwareType: label, purpose: 'VVOL' });
    }
    expect(f.engine.ldDetail(f.array, 0x400)).toMatchObject({ kind: 'pe', vmwareType: 'PE', purpose: 'VVOL' });
    const ssv = f.engine.listLds(f.array).find((l) => l.kind === 'ssv')!;
    expect(f.engine.ldDetail(f.array, ssv.ldn)).toMatchObject({ kind: 'ssv', vmwareType: '---', purpose: 'Solution Reserved Volume', allocation: 'real' });
    const plain = f.engine.createLd(f.array, { pool: 3, kind: 'ld', capacityBytes: GB });
    expect(f.engine.ldDetail(f.array, plain.ldn)).toMatchObject({ kind: 'ld', vmwareType: '---', purpose: '---', rpl: 'IV', snap: '---', clone: '---' });
  });

  test('N2/N3: EBV/ESV show Purpose Snapshot, FEV Snapshot/Clone, FCV Clone, with their attributes', () => {
    const base = vvol(f, { vm: 'vm-1' });
    expect(f.engine.ldDetail(f.array, base.ldn)).toMatchObject({ rpl: 'IV', snap: '---', clone: '---', purpose: 'VVOL' });
    const esv = f.engine.snapshot(base.vvolId!);
    expect(f.engine.ldDetail(f.array, base.ldn)).toMatchObject({ snap: 'EBV', clone: '---', purpose: 'Snapshot', vmwareType: 'vmdk-VVOL' });
    expect(f.engine.ldDetail(f.array, esv.ldn)).toMatchObject({ kind: 'vvol', snap: 'ESV', clone: '---', rpl: 'IV', purpose: 'Snapshot', vmwareType: 'vmdk-VVOL', access: 'ReadOnly' });

    const src = vvol(f, { type: 'config' });
    const fcv = f.engine.fastClone(src.vvolId!);
    expect(f.engine.ldDetail(f.array, src.ldn)).toMatchObject({ clone: 'FEV', snap: '---', purpose: 'Snapshot/Clone' });
    expect(f.engine.ldDetail(f.array, fcv.ldn)).toMatchObject({ clone: 'FCV', snap: '---', purpose: 'Clone', vmwareType: 'config-VVOL' });
    // An FCV that gets snapshots is FCV and EBV at once and still shows Clone (manual A.2 listing).
    f.engine.snapshot(fcv.vvolId!);
    expect(f.engine.ldDetail(f.array, fcv.ldn)).toMatchObject({ clone: 'FCV', snap: 'EBV', purpose: 'Clone' });
  });

  test('N3: the attributes go back to --- when the last snapshot or clone is gone', () => {
    const base = vvol(f);
    const esv = f.engine.snapshot(base.vvolId!);
    const fcv = f.engine.fastClone(base.vvolId!);
    expect(f.engine.getLd(f.array, base.ldn)).toMatchObject({ snap: 'EBV', clone: 'FEV' });
    f.engine.deleteVvol(fcv.vvolId!);
    expect(f.engine.getLd(f.array, base.ldn).clone).toBe('---');
    const del = f.engine.deleteVvol(esv.vvolId!);
    expect(del.background).toBe(true);
    f.engine.tick();
    expect(f.engine.getTask(del.taskId!).state).toBe('success');
    expect(f.engine.getLd(f.array, base.ldn).snap).toBe('---');
  });

  test('N3: RPL attribute MV/RV on a replication pair, IV again after unpairing', () => {
    const mv = vvol(f);
    const rv = f.engine.createLd(f.array, { pool: 3, kind: 'ld', capacityBytes: GB });
    f.engine.pairVolumes(f.array, mv.ldn, rv.ldn);
    expect(f.engine.getLd(f.array, mv.ldn).rpl).toBe('MV');
    expect(f.engine.getLd(f.array, rv.ldn).rpl).toBe('RV');
    f.engine.unpair(f.array, mv.ldn, rv.ldn);
    expect(f.engine.getLd(f.array, mv.ldn).rpl).toBe('IV');
    expect(f.engine.getLd(f.array, rv.ldn).rpl).toBe('IV');
  });

  test('N3: a VVOL shows its Bound PE list and a PE its Bound VVOL list', () => {
    const a = vvol(f);
    const b = vvol(f);
    const r1 = f.engine.bindVvols('esxi01', [a.vvolId!], [0x400]);
    const r2 = f.engine.bindVvols('esxi02', [a.vvolId!], [0x401]);
    const r3 = f.engine.bindVvols('esxi01', [b.vvolId!], [0x400]);
    expect([r1, r2, r3].flat().every((r) => r.ok)).toBe(true);
    expect(f.engine.ldDetail(f.array, a.ldn).boundPes).toEqual([0x400, 0x401]);
    expect(f.engine.ldDetail(f.array, b.ldn).boundPes).toEqual([0x400]);
    expect(f.engine.ldDetail(f.array, 0x400).boundVvols).toEqual([a.ldn, b.ldn].sort((x, y) => x - y));
    expect(f.engine.ldDetail(f.array, 0x401).boundVvols).toEqual([a.ldn]);
    expect(f.engine.ldDetail(f.array, 0x400).hosts).toEqual(['esxi01', 'esxi02']);
    f.engine.unbindVvols('esxi02', [{ vvolId: a.vvolId! }]);
    expect(f.engine.ldDetail(f.array, a.ldn).boundPes).toEqual([0x400]);
    expect(f.engine.ldDetail(f.array, 0x401).boundVvols).toEqual([]);
    f.engine.unbindAllFromHost('esxi01');
  });
});

test('N4: container UUID, VVol NAA and PE EUI identifiers derive from the array WWN', () => {
  // WWN 00255CDB05310000: 5th-10th digits 5CDB05, last 12 digits 5CDB05310000.
  const wwn = f.engine.getArray(f.array).wwn;
  expect(wwn).toBe('00255CDB05310000');
  expect(containerDisplayId(wwn, 0)).toBe('vvol:65cdb05000000000-5cdb053100000000');
  expect(containerDisplayId(wwn, 0x1a)).toBe('vvol:65cdb05000000000-5cdb05310000001a');
  expect(containerUuid(wwn, 1)).toBe('65cdb050-0000-0000-5cdb-053100000001');
  expect(vvolNaa(wwn, 0x12)).toBe('naa.65cdb050000000005cdb053100000012');
  expect(peEui(wwn, 0x400)).toBe('eui.5cdb053100000400');
  // The manual's own example WWN shape: 2000 + 00255C... gives the identifiers of its listings.
  expect(peEui('200000255CDB0531', 0x1f)).toBe('eui.00255cdb0531001f');
  expect(vvolNaa('200000255CDB0531', 0x269)).toBe('naa.600255c00000000000255cdb05310269');
  // The PE creation event carries the PE's EUI.
  const ev = f.engine.eventsSince(f.array, -1).find((e) => e.messageId === 'nec.pe.created' && e.objectId === 'eui.5cdb053100000401');
  expect(ev).toBeDefined();
});

describe('N5: LD names of VVOLs, snapshot and fast clone volumes', () => {
  const last12 = '5CDB05310000';
  const h4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

  test('N5: a VVOL LD is named 2000 + last 12 WWN digits + LD number', () => {
    const ld = vvol(f);
    expect(ld.name).toBe(`2000${last12}${h4(ld.ldn)}`);
    expect(ld.name).toMatch(/^2000[0-9A-F]{16}$/);
  });

  test('N5: an ESV is named <last 12 WWN digits><base LDN>_SV<ESV LDN>', () => {
    const base = vvol(f);
    const esv = f.engine.snapshot(base.vvolId!);
    expect(esv.name).toBe(`${last12}${h4(base.ldn)}_SV${h4(esv.ldn)}`);
    const gens = f.engine.generations(f.array, base.ldn);
    expect(gens.map((g) => g.name)).toEqual([esv.name]);
  });

  test('N5: an FCV is named <last 12 WWN digits><FEV LDN>_FCV<FCV LDN>', () => {
    const src = vvol(f);
    const fcv = f.engine.fastClone(src.vvolId!);
    expect(fcv.name).toBe(`${last12}${h4(src.ldn)}_FCV${h4(fcv.ldn)}`);
    // A full clone is an ordinary VVOL and gets a VVOL name.
    const { ld } = f.engine.fullClone(src.vvolId!);
    expect(ld.name).toBe(`2000${last12}${h4(ld.ldn)}`);
  });

  test('N5: PE and SSV get <pool name>_<LDN> as in the manual listing', () => {
    expect(f.engine.getLd(f.array, 0x400).name).toBe('Pool0000_0400');
    const ssv = f.engine.listLds(f.array).find((l) => l.kind === 'ssv')!;
    expect(ssv.name).toBe(`Pool0002_${h4(ssv.ldn)}`);
  });
});
