/**
 * B12: tables 4-1 to 4-5, one test per table, each walking every attribute row (PE, FEV,
 * FCV, EBV, ESV, none) and the remark rows: "If the logical disk also has an attribute
 * that denies application of the function, the function cannot be applied." Where the
 * array offers the function, the test goes through it: table 4-1 through replication
 * pairs (iSMrc_pair), table 4-2 through the I/O limits the LDs get.
 */
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { expectError, runTask, tokens, vvol } from '../helpers/expect-error';
import type { LogicalDisk } from '../../src/array/types';

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

type Row = 'PE' | 'FEV' | 'FCV' | 'EBV' | 'ESV' | 'none (VVol)' | 'none (LD)' | 'FEV+EBV' | 'ESV+FEV' | 'FCV+FEV' | 'FCV+EBV';

/** One LD of every attribute row, and of the combinations the remarks speak of. */
function buildRows(): Record<Row, LogicalDisk> {
  const e = f.engine;
  const fev = vvol(f);
  const fcv = e.fastClone(fev.vvolId!);
  const ebv = vvol(f);
  const esv = e.snapshot(ebv.vvolId!);
  const plain = vvol(f);
  const plainLd = e.createLd(f.array, { pool: 2, kind: 'ld', capacityBytes: GB });
  const fevEbv = vvol(f);
  e.snapshot(fevEbv.vvolId!);
  e.fastClone(fevEbv.vvolId!);
  // A linked clone made from a snapshot: the ESV becomes the FEV of its clone.
  const esvFev = e.snapshot(ebv.vvolId!);
  e.fastClone(esvFev.vvolId!);
  // A clone of a clone: the middle one is the FCV of its source and the FEV of its clone.
  const fcvFev = e.fastClone(vvol(f).vvolId!);
  e.fastClone(fcvFev.vvolId!);
  const fcvEbv = e.fastClone(vvol(f).vvolId!);
  e.snapshot(fcvEbv.vvolId!);
  const rows: Record<Row, LogicalDisk> = {
    PE: e.getLd(f.array, 0x400), FEV: fev, FCV: fcv, EBV: ebv, ESV: esv, 'none (VVol)': plain, 'none (LD)': plainLd,
    'FEV+EBV': fevEbv, 'ESV+FEV': esvFev, 'FCV+FEV': fcvFev, 'FCV+EBV': fcvEbv,
  };
  // Re-read: the attributes changed as snapshots and clones were made.
  const fresh = Object.fromEntries(Object.entries(rows).map(([k, ld]) => [k, e.getLd(f.array, ld.ldn)])) as Record<Row, LogicalDisk>;
  expect(Object.fromEntries(Object.entries(fresh).map(([k, ld]) => [k, [ld.kind, ld.clone, ld.snap]]))).toEqual({
    PE: ['pe', '---', '---'], FEV: ['vvol', 'FEV', '---'], FCV: ['vvol', 'FCV', '---'], EBV: ['vvol', '---', 'EBV'], ESV: ['vvol', '---', 'ESV'],
    'none (VVol)': ['vvol', '---', '---'], 'none (LD)': ['ld', '---', '---'], 'FEV+EBV': ['vvol', 'FEV', 'EBV'], 'ESV+FEV': ['vvol', 'FEV', 'ESV'],
    'FCV+FEV': ['vvol', 'FCV', '---'], 'FCV+EBV': ['vvol', 'FCV', 'EBV'],
  });
  return fresh;
}

function walk<K extends string>(rows: Record<Row, LogicalDisk>, pick: (ld: LogicalDisk) => Record<K, boolean>): Record<Row, Record<K, boolean>> {
  return Object.fromEntries(Object.entries(rows).map(([k, ld]) => [k, pick(ld as LogicalDisk)])) as Record<Row, Record<K, boolean>>;
}

const of = (ld: LogicalDisk) => f.engine.applicability(f.array, ld.ldn);

describe('B12: table 4-1, the backup function (replication pairs)', () => {
  test('B12 table 4-1: PE No, FEV No, FCV/EBV/ESV/none Yes unless another attribute denies it; pairing follows the table', () => {
    f = buildArray();
    const rows = buildRows();
    const table = { PE: false, FEV: false, FCV: true, EBV: true, ESV: true, 'none (VVol)': true, 'none (LD)': true, 'FEV+EBV': false, 'ESV+FEV': false, 'FCV+FEV': false, 'FCV+EBV': true };
    expect(walk(rows, (ld) => ({ backup: of(ld).backup }))).toEqual(Object.fromEntries(Object.entries(table).map(([k, v]) => [k, { backup: v }])));
    // Each row as the MV of a backup pair with a fresh RV in the backup container.
    const paired = Object.fromEntries(Object.entries(rows).map(([k, mv]) => {
      const rv = f.engine.createLd(f.array, { pool: 'vvolbackup0', kind: 'ld', capacityBytes: GB });
      try {
        f.engine.pairVolumes(f.array, mv.ldn, rv.ldn);
        return [k, true];
      } catch (e) {
        expect((e as Error).message).toMatch(/^The backup function cannot be applied to the LD [0-9A-F]{4}h \([A-Z/]+\) \(table 4-1\)\.$/);
        return [k, false];
      }
    }));
    expect(paired).toEqual(table);
    // The fix of issue 9: an FEV is refused as MV (it was accepted) and an ESV accepted (it was refused).
    expectError(() => f.engine.pairVolumes(f.array, rows.FEV.ldn, f.engine.createLd(f.array, { pool: 3, kind: 'ld', capacityBytes: GB }).ldn),
      'NOT_SUPPORTED', `The backup function cannot be applied to the LD ${rows.FEV.ldn.toString(16).toUpperCase().padStart(4, '0')}h (FEV) (table 4-1).`);
    expect(f.engine.queryPairs(f.array, rows.ESV.ldn)).toHaveLength(1);
    // The RV side follows the table too: no PE, no FEV.
    const mv = vvol(f);
    expectError(() => f.engine.pairVolumes(f.array, mv.ldn, rows.PE.ldn), 'NOT_SUPPORTED', /\(PE\) \(table 4-1\)/);
    expectError(() => f.engine.pairVolumes(f.array, mv.ldn, rows.FEV.ldn), 'NOT_SUPPORTED', /\(FEV\) \(table 4-1\)/);
  });

  test('B12 table 4-1: an ESV is backed up as it was when the snapshot was taken; deleting it dissolves its pair', () => {
    f = buildArray({ engine: { copyBytesPerSec: 100 * 1024 * 1024 } });
    const base = vvol(f);
    f.engine.write(base, 0, tokens('A', 20));
    const esv = f.engine.snapshot(base.vvolId!);
    f.engine.write(base, 0, tokens('B', 20));
    const rv = f.engine.createLd(f.array, { pool: 'vvolbackup0', kind: 'ld', capacityBytes: GB });
    f.engine.pairVolumes(f.array, esv.ldn, rv.ldn);
    expect(runTask(f, f.engine.replicate(f.array, esv.ldn, rv.ldn).taskId!).state).toBe('success');
    f.engine.separate(f.array, esv.ldn, rv.ldn);
    expect(f.engine.readChunks(f.engine.getLd(f.array, rv.ldn), 0, 20)).toEqual(tokens('A', 20));
    // A snapshot keeps its point in time: no restore over it.
    expectError(() => f.engine.restore(f.array, esv.ldn, rv.ldn), 'NOT_SUPPORTED', /is a snapshot volume \(ESV\); it cannot be restored from its RV/);
    f.engine.deleteVvol(esv.vvolId!);
    expect(f.engine.queryPairs(f.array, rv.ldn)).toEqual([]);
    expect(f.engine.getLd(f.array, rv.ldn).rpl).toBe('IV');
  });

  test('B12 table 4-1: an MV that becomes an FEV afterwards can no longer be backed up (a "No" from any attribute wins)', () => {
    f = buildArray();
    const mv = vvol(f);
    const rv = f.engine.createLd(f.array, { pool: 'vvolbackup0', kind: 'ld', capacityBytes: GB });
    f.engine.pairVolumes(f.array, mv.ldn, rv.ldn);
    f.engine.fastClone(mv.vvolId!);
    const msg = `The backup function cannot be applied to the LD ${mv.ldn.toString(16).toUpperCase().padStart(4, '0')}h (FEV) (table 4-1).`;
    expectError(() => f.engine.replicate(f.array, mv.ldn, rv.ldn), 'NOT_SUPPORTED', msg);
    expectError(() => f.engine.restore(f.array, mv.ldn, rv.ldn), 'NOT_SUPPORTED', msg);
    // The pair can still be dissolved.
    f.engine.unpair(f.array, mv.ldn, rv.ldn);
    expect(f.engine.getLd(f.array, mv.ldn).rpl).toBe('IV');
  });
});

describe('B12: table 4-2, the I/O control function', () => {
  test('B12 table 4-2: PE No, ESV No, FEV/FCV/EBV/none Yes; only those LDs carry the pool\'s I/O limits', () => {
    f = buildArray();
    f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioLowerMode: true, ioUpperDefault: 5000, ioLowerDefault: 100 });
    f.engine.createLd(f.array, { pool: 0, kind: 'pe', ldn: 0x402 });
    const rows = buildRows();
    rows.PE = f.engine.getLd(f.array, 0x402);
    const table = { PE: false, FEV: true, FCV: true, EBV: true, ESV: false, 'none (VVol)': true, 'none (LD)': true, 'FEV+EBV': true, 'ESV+FEV': false, 'FCV+FEV': true, 'FCV+EBV': true };
    expect(walk(rows, (ld) => ({ ioControl: of(ld).ioControl }))).toEqual(Object.fromEntries(Object.entries(table).map(([k, v]) => [k, { ioControl: v }])));
    // The LDs of the I/O controlled container: limits exactly where the table allows them
    // (the ordinary LD lives in the normal pool, which has no I/O defaults).
    const limited = walk(rows, (ld) => ({ limited: ld.ioUpper === 5000 && ld.ioLower === 100 }));
    const none = walk(rows, (ld) => ({ none: ld.ioUpper === null && ld.ioLower === null }));
    for (const k of Object.keys(table) as Row[]) {
      if (k === 'none (LD)') continue;
      expect({ row: k, ...(table[k] ? limited[k] : none[k]) }).toEqual({ row: k, ...(table[k] ? { limited: true } : { none: true }) });
    }
  });

  test('B12 table 4-2: the linked clone of a snapshot and a full clone take the container\'s I/O defaults as new VVols', () => {
    f = buildArray();
    const base = vvol(f);
    const esv = f.engine.snapshot(base.vvolId!);
    f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioUpperDefault: 3000 });
    f.engine.modifyPool(f.array, 1, { ioUpperMode: true, ioUpperDefault: 700 });
    expect(f.engine.getLd(f.array, esv.ldn).ioUpper).toBeNull();
    expect(f.engine.fastClone(esv.vvolId!).ioUpper).toBe(3000);
    // A linked clone of a VVol keeps its source's limits (none here: it predates the defaults).
    expect(f.engine.fastClone(base.vvolId!).ioUpper).toBeNull();
    expect(f.engine.fullClone(base.vvolId!, { pool: 1 }).ld.ioUpper).toBe(700);
  });
});

describe('B12: table 4-3, the L2 cache function', () => {
  test('B12 table 4-3: PE No (not changeable); FEV, FCV, EBV, ESV and none Yes (changeable), in any combination', () => {
    f = buildArray();
    const rows = buildRows();
    const yes = { l2Cache: true, l2CacheChangeable: true };
    const no = { l2Cache: false, l2CacheChangeable: false };
    expect(walk(rows, (ld) => ({ l2Cache: of(ld).l2Cache, l2CacheChangeable: of(ld).l2CacheChangeable }))).toEqual({
      PE: no, FEV: yes, FCV: yes, EBV: yes, ESV: yes, 'none (VVol)': yes, 'none (LD)': yes, 'FEV+EBV': yes, 'ESV+FEV': yes, 'FCV+FEV': yes, 'FCV+EBV': yes,
    });
  });
});

describe('B12: table 4-4, data allocation optimisation', () => {
  test('B12 table 4-4: movement between LDs No for every row; relocation inside an LD No for PE and ESV (and an LD that is also an ESV)', () => {
    f = buildArray();
    const rows = buildRows();
    const r = (inside: boolean) => ({ dataMovementBetweenLds: false, dataRelocationInsideLd: inside });
    expect(walk(rows, (ld) => ({ dataMovementBetweenLds: of(ld).dataMovementBetweenLds, dataRelocationInsideLd: of(ld).dataRelocationInsideLd }))).toEqual({
      PE: r(false), FEV: r(true), FCV: r(true), EBV: r(true), ESV: r(false), 'none (VVol)': r(true), 'none (LD)': r(true),
      'FEV+EBV': r(true), 'ESV+FEV': r(false), 'FCV+FEV': r(true), 'FCV+EBV': r(true),
    });
  });
});

describe('B12: table 4-5, performance monitoring and analysis', () => {
  test('B12 table 4-5: every row Yes for both', () => {
    f = buildArray();
    const rows = buildRows();
    const yes = { performanceMonitoring: true, performanceAnalysis: true };
    expect(walk(rows, (ld) => ({ performanceMonitoring: of(ld).performanceMonitoring, performanceAnalysis: of(ld).performanceAnalysis }))).toEqual(
      Object.fromEntries(Object.keys(rows).map((k) => [k, yes])),
    );
  });
});
