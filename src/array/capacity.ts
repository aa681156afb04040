/**
 * Real capacity accounting of a pool. Used capacity = thick reservations + blocks
 * that no reservation covers. A block written by a thick LD lies inside that LD's
 * reservation (home_ld); once the thick LD no longer maps it (copy-on-write after a
 * snapshot, trim, deletion) but a snapshot still does, it starts to count. The
 * counters are kept in the same transaction as the change; the invariant checker
 * recomputes them from the blocks.
 */
import type { Ctx } from './context';
import { ArrayError } from './errors';
import { hex4 } from './ids';
import { MSG, poolThresholdExceeded } from './messages';
import { CHUNK_BYTES } from './models';
import { appendAlarm } from './events';
import { containerUuid } from './ids';

interface PoolCounters {
  id: number;
  array_id: number;
  pool_no: number;
  capacity: number;
  virtual: number;
  virtual_capacity: number;
  reserved_bytes: number;
  counted_blocks: number;
  provisioned_bytes: number;
  threshold: number | null;
  threshold_alarm: number;
}

function counters(ctx: Ctx, poolId: number): PoolCounters {
  return ctx.store.get<PoolCounters>(
    'SELECT id, array_id, pool_no, capacity, virtual, virtual_capacity, reserved_bytes, counted_blocks, provisioned_bytes, threshold, threshold_alarm FROM pools WHERE id = ?',
    poolId,
  ) as PoolCounters;
}

const used = (p: PoolCounters) => p.reserved_bytes + p.counted_blocks * CHUNK_BYTES;

export function freeBytes(ctx: Ctx, poolId: number): number {
  const p = counters(ctx, poolId);
  return p.capacity - used(p);
}

/** The error of a pool with no room left. */
export function poolFull(poolNo: number, need: number): ArrayError {
  return new ArrayError('OUT_OF_RESOURCE', MSG.insufficientPool, { pool: hex4(poolNo), needBytes: need });
}

/**
 * Adds an LD of `bytes` to the pool: thin LDs count against the pool's logical limit,
 * thick ones reserve real capacity at once.
 */
export function provision(ctx: Ctx, poolId: number, bytes: number, thick: boolean): void {
  const p = counters(ctx, poolId);
  if (thick) {
    if (used(p) + bytes > p.capacity) throw poolFull(p.pool_no, bytes);
    ctx.store.run('UPDATE pools SET reserved_bytes = reserved_bytes + ?, provisioned_bytes = provisioned_bytes + ? WHERE id = ?', bytes, bytes, poolId);
    checkThreshold(ctx, poolId);
  } else {
    const limit = p.virtual ? p.virtual_capacity : p.capacity;
    if (p.provisioned_bytes + bytes > limit) throw poolFull(p.pool_no, bytes);
    ctx.store.run('UPDATE pools SET provisioned_bytes = provisioned_bytes + ? WHERE id = ?', bytes, poolId);
  }
}

/** The reverse of provision. */
export function unprovision(ctx: Ctx, poolId: number, bytes: number, thick: boolean): void {
  if (thick) ctx.store.run('UPDATE pools SET reserved_bytes = reserved_bytes - ?, provisioned_bytes = provisioned_bytes - ? WHERE id = ?', bytes, bytes, poolId);
  else ctx.store.run('UPDATE pools SET provisioned_bytes = provisioned_bytes - ? WHERE id = ?', bytes, poolId);
  checkThreshold(ctx, poolId);
}

/** Makes `n` more blocks count against real capacity; refuses when the pool is full. */
export function countBlocks(ctx: Ctx, poolId: number, n: number): void {
  if (n <= 0) return;
  const p = counters(ctx, poolId);
  if (used(p) + n * CHUNK_BYTES > p.capacity) throw poolFull(p.pool_no, n * CHUNK_BYTES);
  ctx.store.run('UPDATE pools SET counted_blocks = counted_blocks + ? WHERE id = ?', n, poolId);
  checkThreshold(ctx, poolId);
}

export function uncountBlocks(ctx: Ctx, poolId: number, n: number): void {
  if (n <= 0) return;
  ctx.store.run('UPDATE pools SET counted_blocks = counted_blocks - ? WHERE id = ?', n, poolId);
  checkThreshold(ctx, poolId);
}

/**
 * B4: raises the real-capacity threshold alarm when used capacity crosses the pool's
 * threshold, and a Green alarm when it falls back below.
 */
export function checkThreshold(ctx: Ctx, poolId: number): void {
  const p = counters(ctx, poolId);
  if (p.threshold === null || p.capacity <= 0) return;
  const over = used(p) * 100 >= p.threshold * p.capacity;
  if (over === !!p.threshold_alarm) return;
  ctx.store.run('UPDATE pools SET threshold_alarm = ? WHERE id = ?', over ? 1 : 0, poolId);
  const a = ctx.store.get<{ serial: string; wwn: string }>('SELECT serial, wwn FROM arrays WHERE id = ?', p.array_id) as { serial: string; wwn: string };
  const poolNo = hex4(p.pool_no);
  appendAlarm(ctx, p.array_id, {
    type: 'SpaceCapacity',
    status: over ? 'Yellow' : 'Green',
    objectType: 'StorageContainer',
    objectId: containerUuid(a.wwn, p.pool_no),
    containerId: containerUuid(a.wwn, p.pool_no),
    messageId: over ? 'nec.pool.thresholdExceeded' : 'nec.pool.thresholdCleared',
    message: over
      ? poolThresholdExceeded(poolNo, a.serial)
      : `The capacity allocated to the pool(${poolNo}) on the disk array(${a.serial}) is below the actual capacity threshold of the pool again.`,
    params: { pool: poolNo, array: a.serial, thresholdPercent: String(p.threshold) },
  });
}
