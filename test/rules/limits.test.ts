/**
 * Limits L1-L4: arrays per provider, PEs per array, the SSV, volume sizes.
 */
import { buildArray, demoSpec, Fixture, GB } from '../helpers/fixture';
import { expectError, vvol } from '../helpers/expect-error';
import type { Licence } from '../../src/array/models';

const MiB = 1024 * 1024;
const TiB = 1024 * GB;

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

describe('L1: up to 4 disk arrays per provider, IPv4 addresses only', () => {
  beforeEach(() => { f = buildArray(); });

  test('L1: the 5th disk array is refused', () => {
    for (let i = 2; i <= 4; i++) {
      f.engine.registerArray({ name: `Storage00${i}`, serial: `000000099100777${i}`, wwn: `00255CDB0531000${i}`, model: 'M310', ip: `192.0.2.${10 + i}` });
    }
    expect(f.engine.listArrays()).toHaveLength(4);
    expectError(
      () => f.engine.registerArray({ name: 'Storage005', serial: '0000000991007775', wwn: '00255CDB05310005', model: 'M310', ip: '192.0.2.15' }),
      'TOO_MANY', /Up to 4 disk arrays/,
    );
    expect(f.engine.listArrays()).toHaveLength(4);
    // Removing one makes room again.
    f.engine.unregisterArray('Storage004', true);
    f.engine.registerArray({ name: 'Storage005', serial: '0000000991007775', wwn: '00255CDB05310005', model: 'M310', ip: '192.0.2.15' });
    expect(f.engine.listArrays().map((a) => a.name)).toEqual(['Storage001', 'Storage002', 'Storage003', 'Storage005']);
  });

  test('L1: only IPv4 addresses are accepted for a disk array', () => {
    for (const ip of ['2001:db8::10', '::1', 'fe80::1%eth0', '192.0.2', '192.0.2.256', '192.0.2.010', 'array.example.com', '']) {
      expectError(() => f.engine.registerArray({ name: 'Storage002', serial: '0000000991007772', model: 'M310', ip }), 'INVALID_ARGUMENT', /must be an IPv4 address/);
    }
    const a = f.engine.registerArray({ name: 'Storage002', serial: '0000000991007772', model: 'M310', ip: '198.51.100.7' });
    expect(a.ip).toBe('198.51.100.7');
    // Registered without a WWN: one is derived from the serial, 16 hex digits like the manual's 200000255CDB0531.
    expect(a.wwn).toMatch(/^200000255C[0-9A-F]{6}$/);
  });
});

describe('L2: up to 8 PEs per array, created in a Storage Container, shared by many hosts', () => {
  beforeEach(() => { f = buildArray(); });

  test('L2: the 9th Protocol Endpoint is refused', () => {
    for (let i = 2; i < 8; i++) f.engine.createLd(f.array, { pool: i % 2, kind: 'pe', ldn: 0x400 + i });
    expect(f.engine.listLds(f.array).filter((l) => l.kind === 'pe')).toHaveLength(8);
    expectError(() => f.engine.createLd(f.array, { pool: 0, kind: 'pe' }), 'TOO_MANY', 'Up to 8 Protocol Endpoints can be created in a single disk array unit.');
    f.engine.deleteLd(f.array, 0x407);
    expect(f.engine.createLd(f.array, { pool: 1, kind: 'pe', ldn: 0x408 }).kind).toBe('pe');
  });

  test('L2: a PE can only be created in a Storage Container pool', () => {
    expectError(() => f.engine.createLd(f.array, { pool: 2, kind: 'pe' }), 'INVALID_ARGUMENT', /must be created in a Storage Container pool; the pool\(0002\) is not one/);
    // A virtual capacity pool made without the container flag is no Storage Container either.
    f.engine.createPool(f.array, { poolNo: 5, virtual: true, capacityBytes: 8 * GB });
    expectError(() => f.engine.createLd(f.array, { pool: 5, kind: 'pe' }), 'INVALID_ARGUMENT', /must be created in a Storage Container pool; the pool\(0005\) is not one/);
  });

  test('L2: one PE is shared by several hosts, each binding through it', () => {
    f.engine.grantPeAccess(f.array, 0x400, 'esxi03');
    expect(f.engine.ldDetail(f.array, 0x400).hosts).toEqual(['esxi01', 'esxi02', 'esxi03']);
    const v = vvol(f);
    for (const host of ['esxi01', 'esxi02', 'esxi03']) {
      const [r] = f.engine.bindVvols(host, [v.vvolId!], [0x400]);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.handle).toMatchObject({ peLdn: 0x400, peId: 'eui.5cdb053100000400', secondaryId: 1 });
    }
    expect(f.engine.listBindings(f.array)).toEqual([{ vvolId: v.vvolId, vvolLdn: v.ldn, peLdn: 0x400, secondaryId: 1, hosts: ['esxi01', 'esxi02', 'esxi03'] }]);
    // A host without access to any PE cannot bind.
    const [r] = f.engine.bindVvols('esxi09', [v.vvolId!]);
    expect(r.ok).toBe(false);
    f.engine.unbindFromAllHosts([v.vvolId!]);
  });
});

describe('L3: one SSV per array, 4 GB of real capacity, needs a licence; snapshots and clones need it', () => {
  test('L3: a second SSV is refused', () => {
    f = buildArray();
    expectError(() => f.engine.createLd(f.array, { pool: 0, kind: 'ssv' }), 'TOO_MANY', 'Only a single SSV can be created in a disk array.');
    expect(f.engine.listLds(f.array).filter((l) => l.kind === 'ssv')).toHaveLength(1);
  });

  test('L3: the SSV is fixed at 4 GB, fully allocated even in a virtual capacity pool', () => {
    f = buildArray({ spec: demoSpec({ ssv: undefined }) });
    const before = f.engine.getPool(f.array, 1).usedBytes;
    const ssv = f.engine.createLd(f.array, { pool: 1, kind: 'ssv', capacityBytes: 20 * GB });
    expect(ssv).toMatchObject({ kind: 'ssv', capacity: 4 * GB, allocation: 'real' });
    expect(f.engine.getPool(f.array, 1).usedBytes - before).toBe(4 * GB);
    // And in the normal pool of the demo array.
    const g = buildArray();
    try {
      const demoSsv = g.engine.listLds(g.array).find((l) => l.kind === 'ssv')!;
      expect(demoSsv).toMatchObject({ capacity: 4 * GB, allocation: 'real', poolNo: 2 });
      expect(g.engine.getPool(g.array, 2).usedBytes).toBe(4 * GB);
    } finally {
      g.close();
    }
  });

  test('L3: the SSV needs 4 GB free in its pool', () => {
    f = buildArray({ spec: demoSpec({ ssv: undefined }) });
    f.engine.createPool(f.array, { poolNo: 7, virtual: false, capacityBytes: 3 * GB });
    expectError(() => f.engine.createLd(f.array, { pool: 7, kind: 'ssv' }), 'OUT_OF_RESOURCE', 'Insufficient pool space.');
    f.engine.expandPool(f.array, 7, GB);
    expect(f.engine.createLd(f.array, { pool: 7, kind: 'ssv' }).capacity).toBe(4 * GB);
    expect(f.engine.getPool(f.array, 7).usedBytes).toBe(4 * GB);
  });

  test('L3: the SSV needs the VolumeClone or DynamicSnapVolume licence', () => {
    const without = (...drop: Licence[]) => demoSpec({ ssv: undefined }).licences.filter((l) => !drop.includes(l));
    f = buildArray({ spec: demoSpec({ ssv: undefined, licences: without('VolumeClone', 'DynamicSnapVolume') }) });
    expectError(() => f.engine.createLd(f.array, { pool: 2, kind: 'ssv' }), 'LICENCE_LOCKED', 'To create an SSV, the VolumeClone or DynamicSnapVolume license must have been unlocked.');
    f.engine.setLicence(f.array, 'DynamicSnapVolume', true);
    expect(f.engine.createLd(f.array, { pool: 2, kind: 'ssv' }).kind).toBe('ssv');
    f.close();
    f = buildArray({ spec: demoSpec({ ssv: undefined, licences: without('DynamicSnapVolume') }) });
    expect(f.engine.createLd(f.array, { pool: 2, kind: 'ssv' }).kind).toBe('ssv');
  });

  test('L3: without an SSV, snapshots and fast clones fail with "No SSV is created."', () => {
    f = buildArray({ spec: demoSpec({ ssv: undefined }) });
    const v = vvol(f);
    expectError(() => f.engine.snapshot(v.vvolId!), 'FAILED_PRECONDITION', 'No SSV is created.');
    expectError(() => f.engine.prepareSnapshot(v.vvolId!), 'FAILED_PRECONDITION', 'No SSV is created.');
    expectError(() => f.engine.fastClone(v.vvolId!), 'FAILED_PRECONDITION', 'No SSV is created.');
    expect(f.engine.getLd(f.array, v.ldn)).toMatchObject({ snap: '---', clone: '---' });
    const ssv = f.engine.createLd(f.array, { pool: 2, kind: 'ssv' });
    f.engine.snapshot(v.vvolId!);
    f.engine.fastClone(v.vvolId!);
    // The SSV cannot simply be deleted while snapshots and clones use it.
    expectError(() => f.engine.deleteLd(f.array, ssv.ldn), 'IN_USE', /The SSV cannot be deleted while 2 snapshot or clone volume\(s\) exist/);
  });
});

describe('L4: volumes below 1 GB are created with 1 GB and a warning; over 10 TB is refused', () => {
  beforeEach(() => { f = buildArray(); });

  test('L4: a 512 MB volume is created with 1 GB and the manual warning', () => {
    const { ld, warnings } = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 512 * MiB });
    expect(ld.capacity).toBe(GB);
    expect(warnings).toEqual([
      `The volume size you have specified (512MB) is less than 1 GB. But the volume (${ld.vvolId}) is created with 1 GB in the disk array because a volume requires at least 1 GB.`,
    ]);
    // The warning also reaches the event console.
    const ev = f.engine.eventsSince(f.array, -1).filter((e) => e.messageId === 'nec.vvol.sizeRaised');
    expect(ev.map((e) => e.message)).toEqual(warnings);
    // 1 GB exactly: no warning.
    expect(f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB }).warnings).toEqual([]);
    // A tiny swap VVol: the size in MB is rounded up.
    const tiny = f.engine.createVvol(f.array, { pool: 0, type: 'swap', sizeBytes: 1000 });
    expect(tiny.ld.capacity).toBe(GB);
    expect(tiny.warnings[0]).toBe(`The volume size you have specified (1MB) is less than 1 GB. But the volume (${tiny.ld.vvolId}) is created with 1 GB in the disk array because a volume requires at least 1 GB.`);
  });

  test('L4: a volume over 10 TB is refused, at creation and at expansion', () => {
    expectError(() => f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 10 * TiB + MiB }), 'INVALID_ARGUMENT', 'The volume capacity over 10TB is not supported.');
    expectError(() => f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 11 * TiB }), 'INVALID_ARGUMENT', 'The volume capacity over 10TB is not supported.');
    expectError(() => f.engine.createLd(f.array, { pool: 2, kind: 'ld', capacityBytes: 10 * TiB + 1 }), 'INVALID_ARGUMENT', 'The volume capacity over 10TB is not supported.');
    const v = vvol(f);
    expectError(() => f.engine.resizeVvol(v.vvolId!, 10 * TiB + MiB), 'INVALID_ARGUMENT', 'The volume capacity over 10TB is not supported.');
    expect(f.engine.listLds(f.array).filter((l) => l.kind === 'vvol')).toHaveLength(1);
  });

  test('L4: exactly 10 TB is allowed where the pool has the room', () => {
    f.close();
    f = buildArray({ spec: demoSpec({ pools: demoSpec().pools.map((p) => (p.poolNo === 0 ? { ...p, virtualCapacityGB: 16 * 1024 } : p)) }) });
    const { ld, warnings } = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 10 * TiB });
    expect(ld.capacity).toBe(10 * TiB);
    expect(warnings).toEqual([]);
  });
});
