/**
 * Pools and Storage Containers (N1, B1, B2, B4, L10): create with the container flag
 * (only at creation), expand, modify, delete. A virtual capacity pool (every Storage
 * Container is one) needs the ThinProvisioning licence (2.1.2, 2.1.3).
 */
import type { Ctx } from './context';
import { checkThreshold } from './capacity';
import { ArrayError, invalid } from './errors';
import { appendEvent } from './events';
import { containerUuid, hex4 } from './ids';
import { requireLicence } from './gates';
import { checkIoLimits } from './io-control';
import { getArray, getPool, ArrayRef } from './lookup';
import { GiB, LIMITS, MODEL_LIMITS, PD_TYPES, PdType, RAID_TYPES } from './models';
import { toPool } from './rows';
import type { Pool } from './types';

export interface CreatePool {
  poolNo?: number;
  name?: string;
  /** A virtual capacity (thin provisioning) pool. */
  virtual: boolean;
  /** Create as a Storage Container (only possible at creation, and only for virtual pools). */
  container?: boolean;
  raid?: string;
  pdType?: PdType;
  encrypted?: boolean;
  capacityBytes: number;
  /** Logical limit of a virtual pool; defaults to LIMITS.virtualOvercommit x capacity. */
  virtualCapacityBytes?: number;
  /** Real-capacity threshold in percent (1-99). */
  threshold?: number | null;
}

export function createPool(ctx: Ctx, ref: ArrayRef, p: CreatePool): Pool {
  const a = getArray(ctx, ref);
  const s = ctx.store;
  const problems: string[] = [];
  if (!Number.isFinite(p.capacityBytes) || p.capacityBytes < GiB) problems.push('the pool capacity must be at least 1 GB');
  if (p.container && !p.virtual) problems.push('a Storage Container must be created as a virtual capacity pool');
  const raid = p.raid ?? 'RAID6';
  if (!(RAID_TYPES as readonly string[]).includes(raid)) problems.push(`the RAID type must be one of ${RAID_TYPES.join(', ')}`);
  const pdType = p.pdType ?? 'NLSAS';
  if (!PD_TYPES.includes(pdType)) problems.push(`the PD type must be one of ${PD_TYPES.join(', ')}`);
  if (p.threshold !== undefined && p.threshold !== null && (!Number.isInteger(p.threshold) || p.threshold < 1 || p.threshold > 99)) problems.push('the threshold must be a whole percentage from 1 to 99');
  if (p.poolNo !== undefined && (!Number.isInteger(p.poolNo) || p.poolNo < 0 || p.poolNo > 0xffff)) problems.push('the pool number must be from 0000h to FFFFh');
  if (p.name !== undefined && !/^[A-Za-z0-9_\-/#+]{1,32}$/.test(p.name)) problems.push('the pool name must be 1-32 letters, digits or _-/#+');
  if (problems.length) throw invalid(`Cannot create the pool: ${problems.join('; ')}.`);
  if (p.virtual) requireLicence(a, 'ThinProvisioning');
  const count = (s.get<{ n: number }>('SELECT COUNT(*) AS n FROM pools WHERE array_id = ?', a.id) as { n: number }).n;
  if (count >= MODEL_LIMITS[a.model].maxPools) throw new ArrayError('TOO_MANY', `The number of pools has reached the upper limit of the disk array (${MODEL_LIMITS[a.model].maxPools}).`);
  let poolNo = p.poolNo;
  if (poolNo === undefined) {
    const r = s.get<{ n: number | null }>('SELECT MAX(pool_no) AS n FROM pools WHERE array_id = ?', a.id);
    poolNo = r?.n === null || r?.n === undefined ? 0 : r.n + 1;
  }
  const name = p.name ?? `Pool${hex4(poolNo)}`;
  if (s.get('SELECT 1 FROM pools WHERE array_id = ? AND pool_no = ?', a.id, poolNo)) throw new ArrayError('ALREADY_EXISTS', `The pool number ${hex4(poolNo)}h is already in use.`, { pool: hex4(poolNo) });
  if (s.get('SELECT 1 FROM pools WHERE array_id = ? AND name = ?', a.id, name)) throw new ArrayError('ALREADY_EXISTS', `The pool name ${name} is already in use.`, { name });
  const vcap = p.virtual ? p.virtualCapacityBytes ?? p.capacityBytes * LIMITS.virtualOvercommit : p.capacityBytes;
  if (vcap < p.capacityBytes && p.virtual) throw invalid('The virtual capacity of a pool cannot be below its real capacity.');
  const r = s.run(
    `INSERT INTO pools (array_id, pool_no, name, virtual, container, raid, pd_type, encrypted, capacity, virtual_capacity, threshold, created_at)
     VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
    a.id, poolNo, name, p.virtual ? 1 : 0, p.container ? 1 : 0, raid, pdType, p.encrypted ? 1 : 0,
    p.capacityBytes, vcap, p.threshold ?? null, ctx.clock.now(),
  );
  appendEvent(ctx, a.id, {
    type: 'Config', configType: 'New', objectType: p.container ? 'StorageContainer' : 'StoragePool',
    objectId: p.container ? containerUuid(a.wwn, poolNo) : hex4(poolNo),
    messageId: 'nec.pool.created', message: `The ${p.container ? 'Storage Container' : 'pool'} ${name} (${hex4(poolNo)}h) was created.`,
    params: { pool: hex4(poolNo), name },
  });
  return toPool(s.get('SELECT * FROM pools WHERE id = ?', Number(r.lastInsertRowid)) as Record<string, unknown>);
}

/** B1: a pool cannot be deleted while LDs exist in it. */
export function deletePool(ctx: Ctx, ref: ArrayRef, poolRef: string | number): void {
  const a = getArray(ctx, ref);
  const pool = getPool(ctx, a.id, poolRef);
  const lds = (ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM lds WHERE pool_id = ?', pool.id) as { n: number }).n;
  if (lds > 0) {
    throw new ArrayError(
      'IN_USE',
      `The pool(${hex4(pool.poolNo)}) cannot be deleted because ${lds} logical disk(s) exist in it. Before deleting the pool, all logical disks created in it must be deleted.`,
      { pool: hex4(pool.poolNo), lds },
    );
  }
  ctx.store.run('DELETE FROM pools WHERE id = ?', pool.id);
  appendEvent(ctx, a.id, {
    type: 'Config', configType: 'Delete', objectType: pool.container ? 'StorageContainer' : 'StoragePool',
    objectId: pool.container ? containerUuid(a.wwn, pool.poolNo) : hex4(pool.poolNo),
    messageId: 'nec.pool.deleted', message: `The ${pool.container ? 'Storage Container' : 'pool'} ${pool.name} (${hex4(pool.poolNo)}h) was deleted.`,
    params: { pool: hex4(pool.poolNo) },
  });
}

/** Adds real capacity; LDs that faulted because the pool was full become ready again. */
export function expandPool(ctx: Ctx, ref: ArrayRef, poolRef: string | number, addBytes: number): Pool {
  const a = getArray(ctx, ref);
  const pool = getPool(ctx, a.id, poolRef);
  if (!Number.isFinite(addBytes) || addBytes <= 0) throw invalid('The capacity to add must be positive.');
  const grow = pool.virtual ? Math.max(0, (pool.capacity + addBytes) * LIMITS.virtualOvercommit - pool.virtualCapacity) : addBytes;
  ctx.store.run('UPDATE pools SET capacity = capacity + ?, virtual_capacity = virtual_capacity + ? WHERE id = ?', addBytes, grow, pool.id);
  const healed = ctx.store.run("UPDATE lds SET state = 'ready', fault_reason = NULL WHERE pool_id = ? AND state = 'fault' AND fault_reason = 'pool-full'", pool.id).changes;
  checkThreshold(ctx, pool.id);
  appendEvent(ctx, a.id, {
    type: 'Config', configType: 'Update', objectType: pool.container ? 'StorageContainer' : 'StoragePool',
    objectId: pool.container ? containerUuid(a.wwn, pool.poolNo) : hex4(pool.poolNo),
    messageId: 'nec.pool.expanded', message: `The pool ${pool.name} (${hex4(pool.poolNo)}h) was expanded by ${addBytes} bytes${healed ? `; ${healed} logical disk(s) recovered from the fault state` : ''}.`,
    params: { pool: hex4(pool.poolNo), addBytes: String(addBytes) },
  });
  return getPool(ctx, a.id, pool.poolNo);
}

export interface ModifyPool {
  name?: string;
  threshold?: number | null;
  ioUpperMode?: boolean;
  ioLowerMode?: boolean;
  ioUpperDefault?: number | null;
  ioLowerDefault?: number | null;
  /** Refused: an existing pool cannot be converted into a Storage Container (N1). */
  container?: boolean;
}

export function modifyPool(ctx: Ctx, ref: ArrayRef, poolRef: string | number, m: ModifyPool): Pool {
  const a = getArray(ctx, ref);
  const pool = getPool(ctx, a.id, poolRef);
  if (m.container !== undefined && m.container !== pool.container) {
    throw new ArrayError('NOT_SUPPORTED', 'It is not possible to convert an existing pool into a Storage Container.', { pool: hex4(pool.poolNo) });
  }
  if (m.threshold !== undefined && m.threshold !== null && (!Number.isInteger(m.threshold) || m.threshold < 1 || m.threshold > 99)) {
    throw invalid('The threshold must be a whole percentage from 1 to 99.');
  }
  const upper = m.ioUpperDefault !== undefined ? m.ioUpperDefault : pool.ioUpperDefault;
  const lower = m.ioLowerDefault !== undefined ? m.ioLowerDefault : pool.ioLowerDefault;
  checkIoLimits(upper, lower, 'pool');
  if ((m.ioUpperMode || m.ioLowerMode) && !(pool.ioUpperMode || pool.ioLowerMode)) requireLicence(a, 'I/O Load Manager');
  if (m.name !== undefined) {
    if (!/^[A-Za-z0-9_\-/#+]{1,32}$/.test(m.name)) throw invalid('The pool name must be 1-32 letters, digits or _-/#+.');
    if (ctx.store.get('SELECT 1 FROM pools WHERE array_id = ? AND name = ? AND id <> ?', a.id, m.name, pool.id)) throw new ArrayError('ALREADY_EXISTS', `The pool name ${m.name} is already in use.`);
  }
  ctx.store.run(
    'UPDATE pools SET name = ?, threshold = ?, io_upper_mode = ?, io_lower_mode = ?, io_upper_default = ?, io_lower_default = ? WHERE id = ?',
    m.name ?? pool.name, m.threshold !== undefined ? m.threshold : pool.threshold,
    (m.ioUpperMode ?? pool.ioUpperMode) ? 1 : 0, (m.ioLowerMode ?? pool.ioLowerMode) ? 1 : 0, upper, lower, pool.id,
  );
  checkThreshold(ctx, pool.id);
  appendEvent(ctx, a.id, { type: 'Config', configType: 'Update', objectType: pool.container ? 'StorageContainer' : 'StoragePool', objectId: pool.container ? containerUuid(a.wwn, pool.poolNo) : hex4(pool.poolNo), messageId: 'nec.pool.modified', message: `The pool ${pool.name} (${hex4(pool.poolNo)}h) was modified.` });
  return getPool(ctx, a.id, pool.poolNo);
}

export function listPools(ctx: Ctx, ref: ArrayRef): Pool[] {
  const a = getArray(ctx, ref);
  return ctx.store.all('SELECT * FROM pools WHERE array_id = ? ORDER BY pool_no', a.id).map((r) => toPool(r));
}
