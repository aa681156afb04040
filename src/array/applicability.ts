/**
 * B12: which array functions apply to a logical disk used in VVOL operation, by its
 * attributes (manual tables 4-1 to 4-5). Where an LD has several attributes, a "No"
 * from any of them wins. Enforced where the array offers the function: table 4-1 by
 * the replication pairs (replication.ts), table 4-2 by the I/O limits an LD may carry
 * (set from the pool defaults on VVols and fast clones only, never on a PE or an ESV).
 * Tables 4-3 to 4-5 govern functions the simulated array shows but does not operate
 * (L2 cache, data allocation optimisation, performance monitoring): read here only.
 */
import type { Ctx } from './context';
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

export type Attr = 'PE' | 'FEV' | 'FCV' | 'EBV' | 'ESV' | 'other';

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

/** Whether a stored LD has fast clones of its own (and so is an FEV besides what it shows). */
function mastersClones(ctx: Ctx, ldId: number): boolean {
  return !!ctx.store.get("SELECT 1 FROM lds WHERE parent_id = ? AND clone = 'FCV'", ldId);
}

type StoredLd = Pick<LogicalDisk, 'id' | 'kind' | 'snap' | 'clone'>;

/** The applicability of a stored LD. */
export function ldApplicability(ctx: Ctx, ld: StoredLd): Applicability {
  return applicability(ld, mastersClones(ctx, ld.id));
}

/** The attributes of a stored LD as ldApplicability weighs them (for messages). */
export function ldAttributes(ctx: Ctx, ld: StoredLd): Attr[] {
  return attributesOf(ld, mastersClones(ctx, ld.id));
}
