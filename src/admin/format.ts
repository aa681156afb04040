/**
 * iSMview displays (manual 3.1.2 and A.2): `-pl` pool list, `-pln` pool detail, `-l` LD
 * list, `-ln` LD detail, with the manual's header lines, columns and key names. What
 * the simulation does not model (PD numbers, owners, cache modes) is shown with the
 * fixed values a healthy array shows.
 */
import { applicability } from '../array/applicability';
import { ldPurpose, ldVmwareType, poolVmwareType } from '../array/display';
import { hex4 } from '../array/ids';
import type { LdDetail, LogicalDisk, Pool } from '../array/types';
import { capacity, hexList, kv, onOffText, table, thousands } from './text';

export const POOL_LIST_HEADER = '--- Pool Information ---';
export const POOL_DETAIL_HEADER = '--- Pool Detail Information ---';
export const LD_LIST_HEADER = '--- LD Information ---';
export const LD_DETAIL_HEADER = '--- LD Detail Information ---';

const POOL_COLUMNS = [
  { label: 'Pool No.(h)', width: 12 },
  { label: 'Pool Name', width: 11 },
  { label: 'Pool Type', width: 20 },
  { label: 'PD Type', width: 12 },
  { label: 'Pool State', width: 14 },
  { label: 'Threshold', width: 15 },
  { label: 'VMware Type', width: 0 },
];

const LD_COLUMNS = [
  { label: 'LDN(h)', width: 8 },
  { label: 'OS Type', width: 9 },
  { label: 'LD Name', width: 22 },
  { label: 'PD Type', width: 9 },
  { label: 'Conf.Chg', width: 10 },
  { label: 'LD State', width: 10 },
  { label: 'Threshold', width: 11 },
  { label: 'VMware Type', width: 0 },
];

export const poolType = (p: Pick<Pool, 'virtual'>) => (p.virtual ? 'dynamic(virtual)' : 'dynamic');
const threshold = (p: Pool) => (p.threshold === null ? '---' : `${p.threshold}%`);

/** The OS type a PE gets for ESXi host access; other LDs show none. */
const osType = (ld: LogicalDisk) => (ld.kind === 'pe' ? 'NX' : '');

const PDS_BY_RAID: Record<string, number> = {
  RAID1: 2, 'RAID1/10': 4, RAID5: 5, RAID6: 6, 'RAID6(8+PQ)': 10, RAID10: 4, RAID50: 10, RAID60: 12, 'RAID-TM': 3,
};

/** A deterministic PD list for a pool (PDs are not modelled): enclosure 00, as many PDs as the RAID needs. */
export function pdList(p: Pick<Pool, 'poolNo' | 'raid'>): string {
  const n = PDS_BY_RAID[p.raid] ?? 4;
  const first = (p.poolNo * 16) % 0x1000;
  return `00-${Array.from({ length: n }, (_, i) => hex4(first + i)).join(',')}`;
}

export function poolList(pools: Pool[]): string[] {
  const rows = pools.map((p) => [hex4(p.poolNo), p.name, poolType(p), p.pdType, 'ready', threshold(p), poolVmwareType(p)]);
  return [POOL_LIST_HEADER, ...table(POOL_COLUMNS, rows)];
}

export function poolDetail(p: Pool): string[] {
  const free = Math.max(0, p.capacity - p.usedBytes);
  const io = (mode: boolean, v: number | null) => (mode && v !== null ? thousands(v) : '---');
  return [
    POOL_DETAIL_HEADER,
    kv('Pool No.(h)', hex4(p.poolNo)),
    kv('Pool Name', p.name),
    kv('Pool Type', poolType(p)),
    kv('RAID Type', p.raid),
    kv('PD Type', p.pdType),
    kv('Pool State', 'ready'),
    'Expansion/',
    kv('Rearrangement State', '---'),
    kv('Rearrangement', 'Finished'),
    kv('Rebuild Time(hour)', 0),
    kv('Expansion Time(hour)', 0),
    kv('Rearranging Mode', '---'),
    kv('Pool Capacity', capacity(p.capacity)),
    kv('Used Pool Capacity', capacity(p.usedBytes)),
    kv('Free Pool Capacity', capacity(free)),
    kv('PD List(h)', pdList(p)),
    kv('Expanding PD List(h)', '---'),
    kv('Block Size', '4,096byte'),
    kv('VMware Type', poolVmwareType(p)),
    kv('Threshold', threshold(p)),
    kv('Encryption', onOffText(p.encrypted)),
    kv('Virtual Capacity', p.virtual ? capacity(p.virtualCapacity) : '---'),
    kv('Provisioned Capacity', capacity(p.provisionedBytes)),
    kv('I/O Upper Mode', onOffText(p.ioUpperMode)),
    kv('I/O Upper Limit', io(p.ioUpperMode, p.ioUpperDefault)),
    kv('I/O Lower Mode', onOffText(p.ioLowerMode)),
    kv('I/O Lower Limit', io(p.ioLowerMode, p.ioLowerDefault)),
  ];
}

export function ldList(lds: LogicalDisk[], pools: Pool[]): string[] {
  const byId = new Map(pools.map((p) => [p.id, p]));
  const rows = lds.map((ld) => [
    hex4(ld.ldn), osType(ld), ld.name, byId.get(ld.poolId)?.pdType ?? '---', '', ld.state, '---', ldVmwareType(ld),
  ]);
  return [LD_LIST_HEADER, ...table(LD_COLUMNS, rows)];
}

export function ldDetail(ld: LdDetail, pool: Pool): string[] {
  const l2 = onOffText(applicability(ld).l2Cache);
  const lines = [
    LD_DETAIL_HEADER,
    kv('LDN(h)', hex4(ld.ldn)),
    kv('OS Type', osType(ld)),
    kv('LD Name', ld.name),
    kv('LD Capacity', capacity(ld.capacity)),
    kv('Pool No.(h)', hex4(pool.poolNo)),
    kv('Pool Name', pool.name),
    kv('RaidType', pool.raid),
    kv('PD Type', pool.pdType),
    kv('LD State', ld.state),
    kv('Capacity Allocation', ld.allocation),
    kv('Access Mode', ld.access),
    'Expansion/',
    kv('Rearrangement State', '---'),
    kv('Group', 'Preserve'),
    kv('Purpose', ldPurpose(ld)),
    kv('RPL Attribute', ld.rpl),
    kv('Snapshot Attribute', ld.snap),
    kv('Current Owner', hex2(ld.ldn % 2)),
    kv('Default Owner', hex2(ld.ldn % 2)),
    kv('Cache Resident', 'no'),
    kv('PD List(h)', pdList(pool)),
    kv('Segment Number(h)', '00'),
    kv('Segment Name', 'DefaultSegment'),
    kv('Read Cache Mode', 'on'),
    kv('Write Cache Mode', 'on'),
    kv('L2 Cache Mode', l2),
    kv('L2 Persistent Write', l2),
    kv('Configuration Change', ''),
    kv('Data Migration State', '---'),
    kv('Movement State', '---'),
    kv('Block Size', '512byte'),
    kv('Clone Attribute', ld.clone),
    kv('VMware Type', ldVmwareType(ld)),
  ];
  // N3: a VVOL lists the PEs it is bound to, a PE the VVOLs bound to it.
  if (ld.kind === 'vvol') lines.push(kv('Bound PE List(h)', hexList(ld.boundPes)));
  if (ld.kind === 'pe') lines.push(kv('Bound VVOL List(h)', hexList(ld.boundVvols)), kv('Host List', ld.hosts.join(',') || '---'));
  if (ld.vvolId) lines.push(kv('VVOL ID', ld.vvolId));
  if (ld.generation !== null && ld.snap === 'ESV') lines.push(kv('Generation', ld.generation));
  return lines;
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
