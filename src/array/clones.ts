/**
 * Clones. Fast clones (FEV/FCV, VASA fastCloneVirtualVolume, vSphere linked clones)
 * share the source's data copy-on-write (L6: 256 FCVs per FEV; L7: 64 layers). Full
 * clones (DynamicDataReplication) pair the source as MV with a new volume as RV and
 * copy its chunks in a task; when the copy is done the pair is dissolved. Both kinds
 * need the SSV (L3: 2.1.3, 3.8.2) and their licence (B2: VolumeClone for fast clones,
 * DynamicDataReplication for full clones, 2.1.1).
 */
import type { Ctx } from './context';
import { ldApplicability } from './applicability';
import { allocatedCount, shareMap, unsharedIndexes } from './chunks';
import { ArrayError, invalid } from './errors';
import { appendEvent } from './events';
import { checkGate } from './gates';
import { fcvLdName, hex4, newVvolId, vvolLdName } from './ids';
import { checkNotBeingCopied, checkNotDeletingSnapshots, insertLd, setMetadata } from './lds';
import { MSG } from './messages';
import { getArray, getLdById, getPool, getPoolById, getVvol } from './lookup';
import { LIMITS, VVOL_TYPES, VvolType } from './models';
import { requireSsv } from './system-volumes';
import { checkNoCopyInto, checkNoCopyWriting, createTask } from './tasks';
import { poolIoDefaults } from './io-control';
import { checkMetadata } from './vvols';
import type { LogicalDisk, Pool } from './types';

export interface CloneOptions {
  metadata?: Record<string, string>;
  /** Type of the new VVol; defaults to the source's. */
  type?: VvolType;
}

function cloneType(src: LogicalDisk, o: CloneOptions): VvolType {
  const t = o.type ?? src.vvolType ?? 'data';
  if (!VVOL_TYPES.includes(t)) throw invalid(`The VVOL type must be one of ${VVOL_TYPES.join(', ')}.`);
  return t;
}

/**
 * B12, table 4-2: an FCV may be I/O controlled. It keeps its source's limits; the clone of
 * a snapshot (an ESV, which table 4-2 leaves without I/O control) takes the pool's
 * defaults instead, as any new VVol does (4.2).
 */
function fcvIoLimits(ctx: Ctx, src: LogicalDisk, pool: Pool): { ioUpper: number | null; ioLower: number | null } {
  return ldApplicability(ctx, src).ioControl ? { ioUpper: src.ioUpper, ioLower: src.ioLower } : poolIoDefaults(pool);
}

export function fastClone(ctx: Ctx, srcVvolId: string, o: CloneOptions = {}): LogicalDisk {
  const src = getVvol(ctx, srcVvolId);
  const a = getArray(ctx, src.arrayId);
  const metadata = o.metadata ?? {};
  checkMetadata(metadata);
  checkGate(a, 'fastClone');
  const pool = getPoolById(ctx, src.poolId);
  if (!pool.virtual) throw new ArrayError('NOT_SUPPORTED', MSG.poolNoClone, { pool: hex4(pool.poolNo) });
  requireSsv(ctx, a.id);
  if (src.state !== 'ready') throw new ArrayError('FAILED_PRECONDITION', `The VVOL ${srcVvolId} is not ready (state ${src.state}).`);
  checkNotBeingCopied(src);
  checkNotDeletingSnapshots(ctx, src);
  if (src.layer + 1 > LIMITS.layers) throw new ArrayError('TOO_MANY', MSG.layerLimit, { layer: src.layer + 1, limit: LIMITS.layers });
  const fcvs = (ctx.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM lds WHERE parent_id = ? AND clone = 'FCV'", src.id) as { n: number }).n;
  if (fcvs >= LIMITS.fcvsPerFev) throw new ArrayError('TOO_MANY', MSG.fcvLimit, { fcvs, limit: LIMITS.fcvsPerFev });
  const fcv = insertLd(ctx, {
    arrayId: a.id, model: a.model, pool, name: (n) => fcvLdName(a.wwn, src.ldn, n), capacity: src.capacity, kind: 'vvol',
    vvolType: cloneType(src, o), vvolId: newVvolId(a.wwn), allocation: 'virtual', clone: 'FCV', parentId: src.id, layer: src.layer + 1,
    vmId: metadata.VMW_VmID ?? null, ...fcvIoLimits(ctx, src, pool),
  });
  setMetadata(ctx, fcv.id, metadata);
  shareMap(ctx, src.id, fcv.id);
  // A clone of a clone stays an FCV to its own parent while it serves as the next FEV.
  if (src.clone === '---') ctx.store.run("UPDATE lds SET clone = 'FEV' WHERE id = ?", src.id);
  appendEvent(ctx, a.id, {
    type: 'Config', configType: 'New', objectType: 'VirtualVolume', objectId: fcv.vvolId as string,
    messageId: 'nec.fastclone.created', message: `The fast clone ${fcv.name} (${hex4(fcv.ldn)}h) of ${src.name} (${hex4(src.ldn)}h) was created.`,
  });
  return getLdById(ctx, fcv.id);
}

export interface FullCloneOptions extends CloneOptions {
  /** Storage Container for the copy (same array); defaults to the source's. */
  pool?: string | number;
}

/** Starts a full clone; the new VVol exists at once (cloning) and is complete when the task ends. */
export function fullClone(ctx: Ctx, srcVvolId: string, o: FullCloneOptions = {}): { ld: LogicalDisk; taskId: string } {
  const src = getVvol(ctx, srcVvolId);
  const a = getArray(ctx, src.arrayId);
  const metadata = o.metadata ?? {};
  checkMetadata(metadata);
  checkGate(a, 'fullClone');
  const pool = o.pool !== undefined ? getPool(ctx, a.id, o.pool) : getPoolById(ctx, src.poolId);
  if (!pool.container) throw invalid(`The pool(${hex4(pool.poolNo)}) is not a Storage Container.`);
  // L3: "With a solution reserved volume (SSV) created ..., snapshots or clones of virtual
  // machine can be created by using disk array functions" (2.1.3); 3.8.2 lists it for clones.
  requireSsv(ctx, a.id);
  if (src.state !== 'ready') throw new ArrayError('FAILED_PRECONDITION', `The VVOL ${srcVvolId} is not ready (state ${src.state}).`);
  checkNotBeingCopied(src);
  // Not from a VVol a restore (or another copy) is writing into: the clone would get a mix of both images.
  checkNoCopyWriting(ctx, src);
  // B5: a copy into another Storage Container is how a VM migrates; not while its snapshots are being deleted.
  if (pool.id !== src.poolId) checkNotDeletingSnapshots(ctx, src);
  // As with iSMrc_pair: an RV cannot be the MV of another pair (no cascades).
  if (ctx.store.get('SELECT 1 FROM pairs WHERE rv_id = ?', src.id)) throw new ArrayError('IN_USE', `The LD ${src.name} is an RV of another pair.`, { ldn: hex4(src.ldn) });
  const pairs = (ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM pairs WHERE mv_id = ?', src.id) as { n: number }).n;
  if (pairs >= LIMITS.pairsPerMv) throw new ArrayError('TOO_MANY', MSG.pairLimit, { pairs, limit: LIMITS.pairsPerMv });
  const now = ctx.clock.now();
  const dst = insertLd(ctx, {
    arrayId: a.id, model: a.model, pool, name: (n) => vvolLdName(a.wwn, n), capacity: src.capacity, kind: 'vvol',
    vvolType: cloneType(src, o), vvolId: newVvolId(a.wwn), allocation: src.allocation, rpl: 'RV', access: 'NotReady',
    // 4.2: a new VVol takes its container's I/O control defaults (table 4-2 allows them on any VVol but an ESV).
    vmId: metadata.VMW_VmID ?? null, cloningSince: now, ...poolIoDefaults(pool),
  });
  setMetadata(ctx, dst.id, metadata);
  const pair = ctx.store.run(
    "INSERT INTO pairs (array_id, mv_id, rv_id, purpose, activity, sync_state, rv_access, created_at) VALUES (?, ?, ?, 'clone', 'replicate', 'rpl/exec', 'nr', ?)",
    a.id, src.id, dst.id, now,
  );
  const pairId = Number(pair.lastInsertRowid);
  ctx.store.run("UPDATE lds SET rpl = 'MV' WHERE id = ? AND rpl = 'IV'", src.id);
  const taskId = createTask(ctx, a, {
    kind: 'clone', srcLd: src.id, dstLd: dst.id, pairId, totalChunks: allocatedCount(ctx, src.id),
    bytesPerSec: ctx.opts.copyBytesPerSec, cancelable: true,
  });
  ctx.store.run('UPDATE pairs SET task_id = ? WHERE id = ?', taskId, pairId);
  appendEvent(ctx, a.id, {
    type: 'Config', configType: 'New', objectType: 'VirtualVolume', objectId: dst.vvolId as string,
    messageId: 'nec.clone.started', message: `A full clone of ${src.name} (${hex4(src.ldn)}h) to ${dst.name} (${hex4(dst.ldn)}h) started.`, params: { taskId },
  });
  return { ld: getLdById(ctx, dst.id), taskId };
}

/** Whether two volumes share a lineage (one descends from the other, or both from one root). */
export function related(ctx: Ctx, a: LogicalDisk, b: LogicalDisk): boolean {
  const root = (ld: LogicalDisk): number => {
    let cur = ld;
    for (let i = 0; i <= LIMITS.layers + 1 && cur.parentId !== null; i++) cur = getLdById(ctx, cur.parentId);
    return cur.id;
  };
  return a.arrayId === b.arrayId && root(a) === root(b);
}

/** VASA copyDiffsToVirtualVolume: copies into dst the chunks where src differs from srcBase. */
export function copyDiffs(ctx: Ctx, srcVvolId: string, srcBaseVvolId: string, dstVvolId: string): string {
  const src = getVvol(ctx, srcVvolId);
  const base = getVvol(ctx, srcBaseVvolId);
  const dst = getVvol(ctx, dstVvolId);
  const a = getArray(ctx, src.arrayId);
  checkGate(a, 'fullClone');
  if (!related(ctx, src, base)) throw new ArrayError('INCOMPATIBLE', `The VVOLs ${srcVvolId} and ${srcBaseVvolId} are not related.`);
  if (dst.arrayId !== src.arrayId) throw new ArrayError('INCOMPATIBLE', `The VVOL ${dstVvolId} is on another disk array.`);
  if (dst.snap === 'ESV' || dst.access !== 'ReadWrite') throw new ArrayError('FAILED_PRECONDITION', `The VVOL ${dstVvolId} is not writable.`);
  if (dst.capacity < src.capacity) throw new ArrayError('INCOMPATIBLE', `The VVOL ${dstVvolId} is smaller than ${srcVvolId}.`);
  checkNoCopyWriting(ctx, src);
  checkNoCopyInto(ctx, dst);
  const total = unsharedIndexes(ctx, src.id, base.id, 0, Number.MAX_SAFE_INTEGER).length;
  return createTask(ctx, a, { kind: 'copy-diffs', srcLd: src.id, baseLd: base.id, dstLd: dst.id, totalChunks: total, bytesPerSec: ctx.opts.copyBytesPerSec, cancelable: true });
}
