/**
 * The CLI's display formats and argument parsers in-process: the manual's example
 * values (3.1.2, A.2) must come out exactly as the manual prints them.
 */
import { InvalidArgumentError } from 'commander';
import { pairBlock, scQuery, svLine } from '../../src/admin/format-copy';
import { ldList, pdList } from '../../src/admin/format';
import { parseView } from '../../src/admin/array-view-commands';
import { ldNameRef, licence, raid, size } from '../../src/admin/parse';
import { capacity, ismTime, table } from '../../src/admin/text';
import type { LogicalDisk, Pool, ReplicationPair, SnapshotGeneration } from '../../src/array/types';

const T = Date.UTC(2015, 9, 9, 7, 12, 55);

test('capacities are GB cut to one decimal, with the byte count (3.1.2 examples)', () => {
  expect(capacity(1_950_988_894_208)).toBe('1817.0GB(1,950,988,894,208Bytes)');
  expect(capacity(263_335_182_336)).toBe('245.2GB(263,335,182,336Bytes)');
  expect(capacity(1_687_653_711_872)).toBe('1571.7GB(1,687,653,711,872Bytes)');
  expect(capacity(5_368_709_120)).toBe('5.0GB(5,368,709,120Bytes)');
});

test('times are YYYY/MM/DD hh:mm:ss in UTC', () => {
  expect(ismTime(T)).toBe('2015/10/09 07:12:55');
  expect(ismTime(null)).toBe('-');
});

test('iSMrc_query pair block as in A.2', () => {
  const p = {
    mvName: 'mv_test', rvName: 'rv_test', activity: 'separate', syncState: 'separated', copyControl: '-',
    separateStart: T, separateEnd: T, separateDiffBytes: 0, copyDiffBytes: 0, rvAccess: 'rw', previousActive: 'sep/exec',
  } as ReplicationPair;
  expect(pairBlock(p)).toEqual([
    'MV: Special File       -',
    '     LD Name            mv_test',
    '     Type               -',
    'RV: Special File       -',
    '     LD Name            rv_test',
    '     Type               -',
    'Activity State         separate',
    'Sync State             separated',
    'Copy Control State     -',
    'Separate Start Time    2015/10/09 07:12:55',
    'Separate End Time      2015/10/09 07:12:55',
    'Separate Diff          0KB',
    'Copy Diff              0KB',
    'RV Access              rw',
    'Previous Active        sep/exec',
  ]);
});

test('iSMsc_query SV lines: relative generation, active or deleting', () => {
  const g = (relative: number, state: 'active' | 'deleting'): SnapshotGeneration =>
    ({ ldn: 0xa7b, name: '58C232D70B53012D_SV0A7B', vvolId: null, generation: 1, relative, createdAt: Date.UTC(2015, 9, 10, 3, 20, 40), state, temporary: false });
  expect(svLine(g(-6, 'active'))).toBe('   -:58C232D70B53012D_SV0A7B (  -6) snap/active   [2015/10/10 03:20:40]');
  expect(svLine(g(-256, 'deleting'))).toBe('   -:58C232D70B53012D_SV0A7B (-256) snap/deleting   [2015/10/10 03:20:40]');
  const bv = { name: '200058C232D70B53012D', state: 'ready' } as LogicalDisk;
  expect(scQuery(bv, [])).toEqual(['BV Information', '   LD Name     : 200058C232D70B53012D', '   Type        : -', '   Special File: -', '   State       : normal', '   Reserve Area: verified', '', 'SV Information']);
});

test('a name longer than its column keeps one space and the next columns snap back', () => {
  const pool = { id: 1, pdType: 'NLSAS' } as Pool;
  const ld = (ldn: number, name: string): LogicalDisk => ({ ldn, name, poolId: 1, kind: 'vvol', vvolType: 'data', state: 'ready' }) as LogicalDisk;
  expect(ldList([ld(3, '20000009910077770003'), ld(0xa7b, '00255CDB05310269_SV0A7B')], [pool]).slice(2)).toEqual([
    '0003             20000009910077770003  NLSAS              ready     ---        vmdk-VVOL',
    '0A7B             00255CDB05310269_SV0A7B NLSAS            ready     ---        vmdk-VVOL',
  ]);
  expect(table([{ label: 'A', width: 3 }, { label: 'B', width: 0 }], [['abcdef', 'x']])).toEqual(['A  B', 'abcdef x']);
});

test('a deterministic PD list per RAID type', () => {
  expect(pdList({ poolNo: 1, raid: 'RAID1' })).toBe('00-0010,0011');
});

test('view arguments as iSMview takes them', () => {
  expect(parseView(['-pl'])).toEqual({ mode: 'pl', array: undefined });
  expect(parseView(['-pl', 'Storage001'])).toEqual({ mode: 'pl', array: 'Storage001' });
  expect(parseView(['-pln', '0000h'])).toEqual({ mode: 'pln', target: '0000h' });
  expect(parseView(['-pln', 'Storage001', '0000h'])).toEqual({ mode: 'pln', array: 'Storage001', target: '0000h' });
  expect(parseView(['-ln', '10h'])).toEqual({ mode: 'ln', target: '10h' });
  expect(() => parseView(['-ln'])).toThrow(/-ln takes/);
  expect(() => parseView(['-x'])).toThrow(/view needs one of/);
});

test('argument parsers: licences, sizes, RAID, iSMcfg names', () => {
  expect(licence('snapshot')).toBe('DynamicSnapVolume');
  expect(licence('CLONE')).toBe('VolumeClone');
  expect(licence('ddr')).toBe('DynamicDataReplication');
  expect(licence('vvol')).toBe('Virtual Volume');
  expect(licence('virtual volume')).toBe('Virtual Volume');
  expect(licence('thin')).toBe('ThinProvisioning');
  expect(licence('ioload')).toBe('I/O Load Manager');
  expect(() => licence('nope')).toThrow(InvalidArgumentError);
  expect(size('512m')).toBe(512 * 1024 * 1024);
  expect(size('2')).toBe(2 * 1024 ** 3);
  expect(size('1.5t')).toBe(1.5 * 1024 ** 4);
  expect(() => size('2x')).toThrow(InvalidArgumentError);
  expect(raid('6')).toBe('RAID6');
  expect(raid('1/10')).toBe('RAID1/10');
  expect(raid('tm')).toBe('RAID-TM');
  expect(ldNameRef(':200058C232D70B53012D')).toBe('200058C232D70B53012D');
  expect(ldNameRef('LX:mv_test')).toBe('mv_test');
  expect(ldNameRef('mv_test')).toBe('mv_test');
});
