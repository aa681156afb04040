/**
 * L10: the I/O control limits (3.9.2). An I/O upper or lower limit is a whole number of
 * IOPS from 10 to 1,000,000, and the lower limit must be less than the upper one. The
 * same rule is met in two places with two texts of the manual: setting a pool's
 * defaults (3.9.2's sentence) and applying an I/O Control storage policy (B.1's message),
 * so the caller names where it stands. Which LDs carry limits at all is table 4-2.
 */
import { ldApplicability } from './applicability';
import type { Ctx } from './context';
import { ArrayError, invalid } from './errors';
import { appendEvent } from './events';
import { hex4 } from './ids';
import { getArray, getPoolById } from './lookup';
import { MSG } from './messages';
import { LIMITS } from './models';
import type { LogicalDisk, Pool } from './types';

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

/** B.1: the pool of the datastore has the I/O control mode the policy asks for disabled. */
export const IO_MODE_DISABLED = 'Failed to apply the storage policy because I/O control mode is disabled in the pool. Enable I/O control mode.';
/** B.1: I/O control could not be configured (the manual's first cause: no system volume, i.e. no SSV). */
export const IO_CONFIG_ERROR = 'Failed to apply the storage policy due to I/O control configuration error.';

/** The I/O limits a storage policy enables (3.9.2); a limit left undefined is not set by the policy. */
export interface PolicyIoLimits {
  upper?: number;
  lower?: number;
}

/**
 * L10 via policy (3.9.2, 4.2, B.1): sets the limits a policy enables on a VVol's LD,
 * inside the caller's transaction. A limit the policy does not enable keeps what the LD
 * has (the pool's initial value from 4.2, or what iSM set since). Table 4-2: an LD that
 * may not carry limits (an ESV: the snapshot vCenter prepares with the VM's policy; a
 * PE) is left alone rather than refused, so a VM's policy still applies to its
 * snapshots. Returns whether the limits were set.
 */
export function applyPolicyIoLimits(ctx: Ctx, ld: LogicalDisk, io: PolicyIoLimits): boolean {
  if (io.upper === undefined && io.lower === undefined) return false;
  if (!ldApplicability(ctx, ld).ioControl) return false;
  const a = getArray(ctx, ld.arrayId);
  if (!a.licences['I/O Load Manager']) throw new ArrayError('LICENCE_LOCKED', MSG.licenceIoLoad, { vvolId: ld.vvolId ?? '' });
  const pool = getPoolById(ctx, ld.poolId);
  if ((io.upper !== undefined && !pool.ioUpperMode) || (io.lower !== undefined && !pool.ioLowerMode)) {
    throw new ArrayError('FAILED_PRECONDITION', IO_MODE_DISABLED, { pool: pool.name });
  }
  if (!ctx.store.get("SELECT 1 FROM lds WHERE array_id = ? AND kind = 'ssv' AND state = 'ready'", a.id)) {
    throw new ArrayError('FAILED_PRECONDITION', IO_CONFIG_ERROR, { array: a.name });
  }
  const upper = io.upper ?? ld.ioUpper;
  const lower = io.lower ?? ld.ioLower;
  checkIoLimits(upper, lower, 'policy');
  ctx.store.run('UPDATE lds SET io_upper = ?, io_lower = ? WHERE id = ?', upper, lower, ld.id);
  appendEvent(ctx, a.id, {
    type: 'Config', configType: 'Update', objectType: 'VirtualVolume', objectId: ld.vvolId ?? hex4(ld.ldn), messageId: 'nec.vvol.ioLimits',
    message: `The I/O limits of ${ld.name} (${hex4(ld.ldn)}h) were set from the storage policy: upper ${upper ?? '-'} IOPS, lower ${lower ?? '-'} IOPS.`,
    params: { upper: String(upper ?? ''), lower: String(lower ?? '') },
  });
  return true;
}
