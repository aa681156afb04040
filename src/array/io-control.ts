/**
 * L10: the I/O control limits (3.9.2). An I/O upper or lower limit is a whole number of
 * IOPS from 10 to 1,000,000, and the lower limit must be less than the upper one. The
 * same rule is met in two places with two texts of the manual: setting a pool's
 * defaults (3.9.2's sentence) and applying an I/O Control storage policy (B.1's message),
 * so the caller names where it stands. Which LDs carry limits at all is table 4-2.
 */
import { invalid } from './errors';
import { MSG } from './messages';
import { LIMITS } from './models';
import type { Pool } from './types';

export type IoLimitSource = 'pool' | 'policy';

type Limit = number | null | undefined;

function checkRange(what: 'upper' | 'lower', v: Limit): void {
  if (v === null || v === undefined) return;
  if (!Number.isInteger(v) || v < LIMITS.iopsMin || v > LIMITS.iopsMax) {
    throw invalid(`The I/O ${what} limit ${String(v)} IOPS cannot be set. ${MSG.ioRange}`, { [what]: v });
  }
}

/** Throws INVALID_ARGUMENT with the manual's text when either limit or their order is wrong. */
export function checkIoLimits(upper: Limit, lower: Limit, source: IoLimitSource = 'pool'): void {
  checkRange('upper', upper);
  checkRange('lower', lower);
  // 3.9.2: "must be less than": an equal pair is refused too.
  if (upper !== null && upper !== undefined && lower !== null && lower !== undefined && lower >= upper) {
    throw invalid(source === 'policy' ? MSG.policyIoLowerAboveUpper : MSG.ioLowerNotBelowUpper, { upper, lower });
  }
}

/**
 * Table 4-2 and 4.2: the limits a new VVol gets from its pool's I/O control defaults
 * ("initial values ... for each pool ... set automatically when creating VVOLs").
 */
export function poolIoDefaults(pool: Pick<Pool, 'ioUpperMode' | 'ioLowerMode' | 'ioUpperDefault' | 'ioLowerDefault'>): { ioUpper: number | null; ioLower: number | null } {
  return { ioUpper: pool.ioUpperMode ? pool.ioUpperDefault : null, ioLower: pool.ioLowerMode ? pool.ioLowerDefault : null };
}
