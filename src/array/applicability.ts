/**
 * B12: which array functions apply to a logical disk used in VVOL operation, by its
 * attributes (manual tables 4-1 to 4-5). Where an LD has several attributes, a "No"
 * from any of them wins.
 */
import type { LogicalDisk } from './types';

export interface Applicability {
  /** Table 4-1 */
  backup: boolean;
  /** Table 4-2 */
  ioControl: boolean;
  /** Table 4-3: applicable, and whether the setting can be changed */
  l2Cache: boolean;
  l2CacheChangeable: boolean;
  /** Table 4-4 */
  dataMovementBetweenLds: boolean;
  dataRelocationInsideLd: boolean;
  /** Table 4-5 */
  performanceMonitoring: boolean;
  performanceAnalysis: boolean;
}

type Attr = 'PE' | 'FEV' | 'FCV' | 'EBV' | 'ESV' | 'other';

const TABLE: Record<Attr, Applicability> = {
  PE: { backup: false, ioControl: false, l2Cache: false, l2CacheChangeable: false, dataMovementBetweenLds: false, dataRelocationInsideLd: false, performanceMonitoring: true, performanceAnalysis: true },
  FEV: { backup: false, ioControl: true, l2Cache: true, l2CacheChangeable: true, dataMovementBetweenLds: false, dataRelocationInsideLd: true, performanceMonitoring: true, performanceAnalysis: true },
  FCV: { backup: true, ioControl: true, l2Cache: true, l2CacheChangeable: true, dataMovementBetweenLds: false, dataRelocationInsideLd: true, performanceMonitoring: true, performanceAnalysis: true },
  EBV: { backup: true, ioControl: true, l2Cache: true, l2CacheChangeable: true, dataMovementBetweenLds: false, dataRelocationInsideLd: true, performanceMonitoring: true, performanceAnalysis: true },
  ESV: { backup: true, ioControl: false, l2Cache: true, l2CacheChangeable: true, dataMovementBetweenLds: false, dataRelocationInsideLd: false, performanceMonitoring: true, performanceAnalysis: true },
  other: { backup: true, ioControl: true, l2Cache: true, l2CacheChangeable: true, dataMovementBetweenLds: false, dataRelocationInsideLd: true, performanceMonitoring: true, performanceAnalysis: true },
};

/**
 * The attributes of an LD. `masterOfClones`: it has fast clones of its own, so an FCV
 * (a clone of a clone) is also an FEV.
 */
export function attributesOf(ld: Pick<LogicalDisk, 'kind' | 'snap' | 'clone'>, masterOfClones = false): Attr[] {
  const out: Attr[] = [];
  if (ld.kind === 'pe') out.push('PE');
  if (ld.clone === 'FEV' || ld.clone === 'FCV') out.push(ld.clone);
  if (ld.clone === 'FCV' && masterOfClones) out.push('FEV');
  if (ld.snap === 'EBV' || ld.snap === 'ESV') out.push(ld.snap);
  return out.length ? out : ['other'];
}

export function applicability(ld: Pick<LogicalDisk, 'kind' | 'snap' | 'clone'>, masterOfClones = false): Applicability {
  const rows = attributesOf(ld, masterOfClones).map((a) => TABLE[a]);
  const keys = Object.keys(TABLE.other) as (keyof Applicability)[];
  return Object.fromEntries(keys.map((k) => [k, rows.every((r) => r[k])])) as unknown as Applicability;
}
