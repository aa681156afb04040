/**
 * Behaviours B1-B4 and B12: deleting pools and PEs, licences, monitoring state and the
 * configuration lock, thin pools running full, applicability tables 4-1..4-5.
 */
import { buildArray, demoSpec, Fixture, GB } from '../helpers/fixture';
import { expectError, tokens, vvol } from '../helpers/expect-error';
import type { Licence } from '../../src/array/models';

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

describe('B1: pools with LDs and PEs with bound VVols cannot be deleted', () => {
  beforeEach(() => { f = buildArray(); });

  test('B1: a pool cannot be deleted while LDs exist in it', () => {
    const v = vvol(f, { pool: 1 });
    expectError(() => f.engine.deletePool(f.array, 1), 'IN_USE', /^The pool\(0001\) cannot be deleted because 2 logical disk\(s\) exist in it\./);
    expectError(() => f.engine.deletePool(f.array, 2), 'IN_USE', /^The pool\(0002\) cannot be deleted because 1 logical disk\(s\) exist in it\./);
    f.engine.deleteVvol(v.vvolId!);
    f.engine.deleteLd(f.array, 0x401);
    f.engine.deletePool(f.array, 1);
    expect(f.engine.listPools(f.array).map((p) => p.poolNo)).toEqual([0, 2, 3]);
    // An empty pool goes at once.
    f.engine.deletePool(f.array, 'vvolbackup0');
    expect(f.engine.listPools(f.array).map((p) => p.poolNo)).toEqual([0, 2]);
  });

  test('B1: a PE with bound VVols cannot be deleted; after the unbind it can', () => {
    const v = vvol(f);
    const [r] = f.engine.bindVvols('esxi01', [v.vvolId!], [0x400]);
    expect(r.ok).toBe(true);
    expectError(() => f.engine.deleteLd(f.array, 0x400), 'IN_USE', /^The Protocol Endpoint 0400h cannot be deleted because 1 VVOL\(s\) are bound to it\./);
    // The bound VVol itself cannot be deleted either.
    expectError(() => f.engine.deleteVvol(v.vvolId!), 'IN_USE', /is bound to 1 Protocol Endpoint/);
    // A host that still binds through the PE keeps its access.
    expectError(() => f.engine.revokePeAccess(f.array, 0x400, 'esxi01'), 'IN_USE', /still has 1 VVOL\(s\) bound/);
    f.engine.unbindVvols('esxi01', [{ vvolId: v.vvolId! }]);
    f.engine.deleteLd(f.array, 0x400);
    expect(f.engine.listLds(f.array).filter((l) => l.kind === 'pe').map((l) => l.ldn)).toEqual([0x401]);
  });
});

describe('B2: licences gate functions, each with its message', () => {
  const without = (...drop: Licence[]) => demoSpec().licences.filter((l) => !drop.includes(l));

  test('B2: Virtual Volume locked: "The license for Virtual Volume is locked."', () => {
    f = buildArray();
    const v = vvol(f);
    f.engine.setLicence(f.array, 'Virtual Volume', false);
    const msg = 'The license for Virtual Volume is locked.';
    expectError(() => vvol(f), 'LICENCE_LOCKED', msg);
    expectError(() => f.engine.snapshot(v.vvolId!), 'LICENCE_LOCKED', msg);
    expectError(() => f.engine.fastClone(v.vvolId!), 'LICENCE_LOCKED', msg);
    expectError(() => f.engine.updateVvolMetadata(v.vvolId!, { k: 'v' }), 'LICENCE_LOCKED', msg);
    expectError(() => f.engine.createLd(f.array, { pool: 0, kind: 'pe' }), 'LICENCE_LOCKED', msg);
    const [r] = f.engine.bindVvols('esxi01', [v.vvolId!]);
    expect(r.ok ? null : { code: r.error.code, message: r.error.message }).toEqual({ code: 'LICENCE_LOCKED', message: msg });
    f.engine.setLicence(f.array, 'Virtual Volume', true);
    vvol(f);
  });

  test('B2: DynamicSnapVolume locked: "The license for snapshot is locked."', () => {
    f = buildArray({ spec: demoSpec({ licences: without('DynamicSnapVolume') }) });
    const v = vvol(f);
    const msg = 'The license for snapshot is locked.';
    expectError(() => f.engine.snapshot(v.vvolId!), 'LICENCE_LOCKED', msg);
    expectError(() => f.engine.prepareSnapshot(v.vvolId!), 'LICENCE_LOCKED', msg);
    // Linked clones need VolumeClone, not the snapshot licence.
    f.engine.fastClone(v.vvolId!);
    f.engine.setLicence(f.array, 'DynamicSnapVolume', true);
    const esv = f.engine.snapshot(v.vvolId!);
    f.engine.setLicence(f.array, 'DynamicSnapVolume', false);
    expectError(() => f.engine.revert(v.vvolId!, esv.vvolId!), 'LICENCE_LOCKED', msg);
  });

  test('B2: VolumeClone locked: "The license for Volume Clone is locked."', () => {
    f = buildArray({ spec: demoSpec({ licences: without('VolumeClone') }) });
    const v = vvol(f);
    expectError(() => f.engine.fastClone(v.vvolId!), 'LICENCE_LOCKED', 'The license for Volume Clone is locked.');
    f.engine.snapshot(v.vvolId!);
    expect(f.engine.getLd(f.array, v.ldn).clone).toBe('---');
  });

  test('B2: DynamicDataReplication locked: "The license for DynamicDataReplication is locked."', () => {
    f = buildArray({ spec: demoSpec({ licences: without('DynamicDataReplication') }) });
    const v = vvol(f);
    const rv = f.engine.createLd(f.array, { pool: 3, kind: 'ld', capacityBytes: GB });
    const msg = 'The license for DynamicDataReplication is locked.';
    expectError(() => f.engine.fullClone(v.vvolId!), 'LICENCE_LOCKED', msg);
    expectError(() => f.engine.pairVolumes(f.array, v.ldn, rv.ldn), 'LICENCE_LOCKED', msg);
    f.engine.setLicence(f.array, 'DynamicDataReplication', true);
    f.engine.pairVolumes(f.array, v.ldn, rv.ldn);
    f.engine.setLicence(f.array, 'DynamicDataReplication', false);
    expectError(() => f.engine.replicate(f.array, v.ldn, rv.ldn), 'LICENCE_LOCKED', msg);
    expectError(() => f.engine.unpair(f.array, v.ldn, rv.ldn), 'LICENCE_LOCKED', msg);
    expect(f.engine.listLds(f.array).filter((l) => l.kind === 'vvol')).toHaveLength(1);
  });

  test('B2: I/O Load Manager locked: I/O control cannot be switched on', () => {
    f = buildArray({ spec: demoSpec({ licences: without('I/O Load Manager') }) });
    expectError(
      () => f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioUpperDefault: 1000 }),
      'LICENCE_LOCKED', 'Failed to apply the storage policy because the license for I/O Load Manager is locked.',
    );
    f.engine.setLicence(f.array, 'I/O Load Manager', true);
    expect(f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioUpperDefault: 1000 }).ioUpperMode).toBe(true);
    expect(vvol(f).ioUpper).toBe(1000);
  });

  test('B2: ThinProvisioning locked: no virtual capacity pool', () => {
    // Only the normal pool (with the SSV) can exist without the licence.
    f = buildArray({ spec: demoSpec({ licences: without('ThinProvisioning'), pools: demoSpec().pools.filter((p) => !p.virtual), pes: [] }) });
    expectError(() => f.engine.createPool(f.array, { virtual: true, container: true, capacityBytes: 8 * GB }), 'LICENCE_LOCKED', 'The license for ThinProvisioning is locked.');
    expect(f.engine.createPool(f.array, { virtual: false, capacityBytes: 8 * GB }).virtual).toBe(false);
  });
});

describe('B3: monitoring state Running is required; the configuration lock blocks configuration', () => {
  beforeEach(() => { f = buildArray(); });

  test('B3: monitoring Stopped: each operation fails with its message', () => {
    const v = vvol(f);
    f.engine.write(v, 0, ['A']);
    const [bound] = f.engine.bindVvols('esxi01', [v.vvolId!]);
    expect(bound.ok).toBe(true);
    const rv = f.engine.createLd(f.array, { pool: 3, kind: 'ld', capacityBytes: GB });
    f.engine.pairVolumes(f.array, v.ldn, rv.ldn);
    f.engine.setMonitoring(f.array, 'Stopped');
    const notMonitored = 'The disk array is not in normal monitoring state.';
    expectError(() => vvol(f), 'NOT_MONITORED', notMonitored);
    expectError(() => f.engine.snapshot(v.vvolId!), 'NOT_MONITORED', notMonitored);
    expectError(() => f.engine.fastClone(v.vvolId!), 'NOT_MONITORED', notMonitored);
    expectError(() => f.engine.fullClone(v.vvolId!), 'NOT_MONITORED', notMonitored);
    expectError(() => f.engine.resizeVvol(v.vvolId!, 2 * GB), 'NOT_MONITORED', notMonitored);
    expectError(() => f.engine.deleteVvol(v.vvolId!), 'NOT_MONITORED', notMonitored);
    const other = 'naa.65cdb050000000005cdb05310000ffff';
    const [b] = f.engine.bindVvols('esxi02', [v.vvolId!]);
    expect(b.ok ? null : { code: b.error.code, message: b.error.message }).toEqual({ code: 'NOT_MONITORED', message: 'Failed to bind PE and VVOL.' });
    const [u] = f.engine.unbindVvols('esxi01', [{ vvolId: v.vvolId! }]);
    expect(u.ok ? null : { code: u.error.code, message: u.error.message }).toEqual({ code: 'NOT_MONITORED', message: 'Failed to unbind PE and VVOL.' });
    const [ua] = f.engine.unbindFromAllHosts([v.vvolId!]);
    expect(ua.ok ? null : { code: ua.error.code, message: ua.error.message }).toEqual({ code: 'NOT_MONITORED', message: 'Failed to unbind PE and VVOL.' });
    expectError(() => f.engine.updateVvolMetadata(v.vvolId!, { k: 'v' }), 'NOT_MONITORED', 'Failed to write metadata to the VVOL.');
    const seg = { startBytes: 0, lengthBytes: GB, chunkSizeBytes: 1024 * 1024 };
    expectError(() => f.engine.allocatedBitmap(v.vvolId!, seg), 'NOT_MONITORED', 'Failed to get the information (bitmap) on the specified VVOLs.');
    expectError(() => f.engine.unsharedChunks(v.vvolId!, undefined, 0, GB), 'NOT_MONITORED', 'Failed to get the information (bitmap) on the specified VVOLs.');
    expectError(() => f.engine.vvolSpace(v.vvolId!), 'NOT_MONITORED', 'Failed to get information from the disk array.');
    expectError(() => f.engine.replicate(f.array, v.ldn, rv.ldn), 'NOT_MONITORED', 'Command failed.');
    // An unknown VVol is still reported as unknown.
    expectError(() => f.engine.updateVvolMetadata(other, { k: 'v' }), 'NOT_FOUND', `The specified ${other} does not exist.`);
    // The data path does not depend on iSM monitoring: the host keeps reading and writing.
    f.engine.write(v, 1, ['B']);
    expect(f.engine.readChunks(v, 0, 2)).toEqual(['A', 'B']);
    // Monitoring running again: everything works.
    f.engine.setMonitoring(f.array, 'Running');
    f.engine.updateVvolMetadata(v.vvolId!, { k: 'v' });
    expect(f.engine.unbindVvols('esxi01', [{ vvolId: v.vvolId! }])[0].ok).toBe(true);
  });

  test('B3: monitoring Stopped (maintenance): the maintenance message for every operation', () => {
    const v = vvol(f);
    f.engine.setMonitoring(f.array, 'Stopped (maintenance)');
    const msg = 'The state of disk array monitoring is stop (maintenance). Check the status of monitoring, and then try again.';
    expectError(() => vvol(f), 'NOT_MONITORED', msg);
    expectError(() => f.engine.snapshot(v.vvolId!), 'NOT_MONITORED', msg);
    expectError(() => f.engine.updateVvolMetadata(v.vvolId!, { k: 'v' }), 'NOT_MONITORED', msg);
    expectError(() => f.engine.allocatedBitmap(v.vvolId!, { startBytes: 0, lengthBytes: GB, chunkSizeBytes: GB }), 'NOT_MONITORED', msg);
    const [b] = f.engine.bindVvols('esxi01', [v.vvolId!]);
    expect(b.ok ? null : { code: b.error.code, message: b.error.message }).toEqual({ code: 'NOT_MONITORED', message: msg });
  });

  test('B3: while another user holds the configuration lock: "Another user is configuring the disk array."', () => {
    const v = vvol(f);
    f.engine.lockConfiguration(f.array, 'ism-client@admin-pc');
    const msg = 'Another user is configuring the disk array.';
    expectError(() => vvol(f), 'CONFIG_LOCKED', msg);
    expectError(() => f.engine.snapshot(v.vvolId!), 'CONFIG_LOCKED', msg);
    expectError(() => f.engine.fastClone(v.vvolId!), 'CONFIG_LOCKED', msg);
    expectError(() => f.engine.deleteVvol(v.vvolId!), 'CONFIG_LOCKED', msg);
    expectError(() => f.engine.updateVvolMetadata(v.vvolId!, { k: 'v' }), 'CONFIG_LOCKED', msg);
    // Binding (a SCSI command to the array) is not configuration and still works.
    expect(f.engine.bindVvols('esxi01', [v.vvolId!])[0].ok).toBe(true);
    // A second user cannot take the lock; the holder cannot be bypassed without force.
    expectError(() => f.engine.lockConfiguration(f.array, 'other-user'), 'CONFIG_LOCKED', /^Another user is configuring the disk array\./);
    expectError(() => f.engine.unlockConfiguration(f.array, 'other-user'), 'CONFIG_LOCKED');
    f.engine.unlockConfiguration(f.array, 'other-user', true); // iSMcfg setseize -mode off -force
    vvol(f);
    f.engine.unbindAllFromHost('esxi01');
  });
});

describe('B4: a thin pool can run out of real capacity', () => {
  const MiB = 1024 * 1024;
  test('B4: writes fail, the LD goes to fault, the threshold alarm is raised; expanding the pool recovers', () => {
    // Container 0 with 2 GB of real capacity (2048 chunks), threshold 80 %.
    f = buildArray({ spec: demoSpec({ pools: demoSpec().pools.map((p) => (p.poolNo === 0 ? { ...p, capacityGB: 2, threshold: 80 } : p)) }) });
    const serial = f.engine.getArray(f.array).serial;
    const a = vvol(f, { sizeBytes: 3 * GB });
    const b = vvol(f, { sizeBytes: 3 * GB });
    const alarms0 = f.engine.lastSequences(f.array).alarm;
    f.engine.write(a, 0, tokens('a', 1600)); // 78 %
    expect(f.engine.alarmsSince(f.array, alarms0)).toEqual([]);
    f.engine.write(a, 1600, tokens('a', 100, 1600)); // 83 %
    const threshold = f.engine.alarmsSince(f.array, alarms0);
    expect(threshold).toHaveLength(1);
    expect(threshold[0]).toMatchObject({
      type: 'SpaceCapacity', status: 'Yellow',
      message: `The capacity allocated to the pool(0000) on the disk array(${serial}) has exceeded the actual capacity threshold of the pool.`,
    });
    expect(threshold[0].message).toBe('The capacity allocated to the pool(0000) on the disk array(0000000991007777) has exceeded the actual capacity threshold of the pool.');
    expect(f.engine.getPool(f.array, 0).thresholdAlarm).toBe(true);
    // Fill the pool to the last chunk.
    f.engine.write(b, 0, tokens('b', 348));
    expect(f.engine.getPool(f.array, 0).usedBytes).toBe(2 * GB);
    // The next write needs a new chunk: it fails as an I/O error and faults the LD.
    const seqBefore = f.engine.lastSequences(f.array).alarm;
    expectError(() => f.engine.write(a, 2000, ['x']), 'IO_ERROR', /^The write to the logical disk [0-9A-F]{4}h failed: Insufficient pool space\. The logical disk is in the fault state\.$/);
    expect(f.engine.getLd(f.array, a.ldn)).toMatchObject({ state: 'fault', faultReason: 'pool-full' });
    // Nothing of the failed write happened; reads still work.
    expect(f.engine.readChunks(a, 1999, 2)).toEqual([null, null]);
    expect(f.engine.readChunks(a, 0, 1)).toEqual(['a0']);
    const faults = f.engine.alarmsSince(f.array, seqBefore);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ status: 'Red', messageId: 'nec.ld.fault', objectId: a.vvolId });
    // A faulted LD refuses further writes, even in place.
    expectError(() => f.engine.write(a, 0, ['again']), 'IO_ERROR', /is in the fault state \(its pool ran out of real capacity\)/);
    // Another LD of the full pool faults on its next new chunk too; a thick VVol cannot be created.
    expectError(() => f.engine.write(b, 400, ['y']), 'IO_ERROR');
    expect(f.engine.getLd(f.array, b.ldn).state).toBe('fault');
    expectError(() => vvol(f, { thick: true }), 'OUT_OF_RESOURCE', 'Insufficient pool space.');
    // Expanding the pool recovers the LDs; the threshold alarm clears (Green).
    const seqExpand = f.engine.lastSequences(f.array).alarm;
    f.engine.expandPool(f.array, 0, 2 * GB);
    expect(f.engine.getLd(f.array, a.ldn)).toMatchObject({ state: 'ready', faultReason: null });
    expect(f.engine.getLd(f.array, b.ldn).state).toBe('ready');
    expect(f.engine.alarmsSince(f.array, seqExpand).map((x) => x.status)).toEqual(['Green']);
    f.engine.write(a, 2000, ['x']);
    expect(f.engine.readChunks(a, 2000, 1)).toEqual(['x']);
    expect(f.engine.getPool(f.array, 0).usedBytes).toBe(2 * GB + MiB);
  });
});

describe('B12: applicability of functions by LD attribute (tables 4-1 to 4-5)', () => {
  beforeEach(() => { f = buildArray(); });

  test('B12: PE, FEV, FCV, EBV, ESV and plain LDs', () => {
    const base = vvol(f);
    const esv = f.engine.snapshot(base.vvolId!);
    const fev = vvol(f);
    const fcv = f.engine.fastClone(fev.vvolId!);
    const plainVvol = vvol(f);
    const plainLd = f.engine.createLd(f.array, { pool: 3, kind: 'ld', capacityBytes: GB });
    const of = (ldn: number) => f.engine.applicability(f.array, ldn);
    const row = (backup: boolean, ioControl: boolean, l2: boolean, between: boolean, inside: boolean) => ({
      backup, ioControl, l2Cache: l2, l2CacheChangeable: l2, dataMovementBetweenLds: between, dataRelocationInsideLd: inside,
      performanceMonitoring: true, performanceAnalysis: true,
    });
    //                                   4-1 backup, 4-2 I/O, 4-3 L2, 4-4 between, inside
    expect(of(0x400)).toEqual(row(false, false, false, false, false)); // PE
    expect(of(fev.ldn)).toEqual(row(false, true, true, false, true)); // FEV
    expect(of(fcv.ldn)).toEqual(row(true, true, true, false, true)); // FCV
    expect(of(base.ldn)).toEqual(row(true, true, true, false, true)); // EBV
    expect(of(esv.ldn)).toEqual(row(true, false, true, false, false)); // ESV
    expect(of(plainVvol.ldn)).toEqual(row(true, true, true, false, true)); // no attribute
    expect(of(plainLd.ldn)).toEqual(row(true, true, true, false, true)); // no attribute
  });

  test('B12: an LD with several attributes: a "No" from any of them wins', () => {
    const v = vvol(f);
    f.engine.snapshot(v.vvolId!);
    f.engine.fastClone(v.vvolId!);
    // EBV (backup yes) + FEV (backup no) -> no backup.
    expect(f.engine.getLd(f.array, v.ldn)).toMatchObject({ snap: 'EBV', clone: 'FEV' });
    expect(f.engine.applicability(f.array, v.ldn)).toMatchObject({ backup: false, ioControl: true });
    // ESV that became an FEV (clone from a snapshot): no backup (FEV), no I/O control (ESV), no relocation (ESV).
    const esv = f.engine.snapshot(v.vvolId!);
    f.engine.fastClone(esv.vvolId!);
    expect(f.engine.applicability(f.array, esv.ldn)).toMatchObject({ backup: false, ioControl: false, dataRelocationInsideLd: false, l2Cache: true, performanceMonitoring: true });
    // FCV + EBV: both allow backup.
    const fcv = f.engine.fastClone(v.vvolId!);
    f.engine.snapshot(fcv.vvolId!);
    expect(f.engine.applicability(f.array, fcv.ldn)).toMatchObject({ backup: true, ioControl: true });
  });
});

test('B12: a clone of a clone makes the middle one FCV and FEV at once: no backup (table 4-1)', () => {
  f = buildArray();
  const v = vvol(f);
  const mid = f.engine.fastClone(v.vvolId!);
  expect(f.engine.applicability(f.array, mid.ldn).backup).toBe(true);
  f.engine.fastClone(mid.vvolId!);
  expect(f.engine.getLd(f.array, mid.ldn).clone).toBe('FCV');
  expect(f.engine.applicability(f.array, mid.ldn)).toMatchObject({ backup: false, ioControl: true, dataRelocationInsideLd: true });
});

describe('bind and unbind batches: a refused item changes nothing, the others are done (no savepoint per item)', () => {
  beforeEach(() => { f = buildArray(); });

  test('a prepared snapshot VVol in a batch is refused alone; the batch events are numbered in item order', () => {
    const [a, b] = [vvol(f), vvol(f)];
    const prepared = f.engine.prepareSnapshot(a.vvolId!);
    const events0 = f.engine.vasaEvents(-1).last;
    const r = f.engine.bindBatch('esxi01', [a.vvolId!, prepared.vvolId!, b.vvolId!]);
    expect(r.results.map((x) => (x.ok ? 'ok' : x.error.code))).toEqual(['ok', 'FAILED_PRECONDITION', 'ok']);
    expect(f.engine.listBindings(f.array, 'esxi01').map((x) => x.vvolId).sort()).toEqual([a.vvolId, b.vvolId].sort());
    // Two bound events, consecutive, in item order; nothing for the refused one.
    const bound = f.engine.eventsSince(f.array, 0).filter((e) => e.messageId === 'nec.vvol.bound');
    expect(bound.map((e) => e.objectId)).toEqual([a.vvolId, b.vvolId]);
    expect(bound[1].seq - bound[0].seq).toBe(1);
    expect(f.engine.vasaEvents(-1).last).toBe(events0 + 2);
    // Unbinding the three: the never-bound one is refused alone, the two go.
    const u = f.engine.unbindVvols('esxi01', [{ vvolId: a.vvolId! }, { vvolId: prepared.vvolId! }, { vvolId: b.vvolId! }]);
    expect(u.map((x) => (x.ok ? 'ok' : x.error.code))).toEqual(['ok', 'NOT_FOUND', 'ok']);
    expect(f.engine.listBindings(f.array, 'esxi01')).toEqual([]);
  });
});
