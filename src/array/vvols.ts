/**
 * VVol life cycle: create (config, data, swap, memory, other), delete, resize (grow
 * only), metadata. Snapshot volumes are deleted in the background (B5, see tasks).
 */
import type { Ctx } from './context';
import { provision } from './capacity';
import { chunksOf } from './chunks';
import { ArrayError, invalid } from './errors';
import { appendEvent } from './events';
import { checkGate } from './gates';
import { hex4, newVvolId, vvolLdName } from './ids';
import { insertLd, metadataOf, metadataOfMany, removeLd, resetFamily, resetRpl, setMetadata } from './lds';
import { below1GB, MSG } from './messages';
import { getArray, getContainer, getLdById, getPool, getVvol, ArrayRef } from './lookup';
import { CHUNK_BYTES, GiB, LIMITS, MiB, VVOL_TYPES, VvolType } from './models';
import { startSnapshotDeletion } from './tasks';
import type { DiskArray, LogicalDisk } from './types';

export interface CreateVvol {
  pool: string | number;
  type: VvolType;
  sizeBytes: number;
  metadata?: Record<string, string>;
  /** Reserve the whole capacity at creation (VASA thick provisioning). */
  thick?: boolean;
}

export interface Created {
  ld: LogicalDisk;
  /** Warnings the user should see (L4: created at 1 GB). */
  warnings: string[];
}

const KEY = /^[\x21-\x7e]{1,256}$/;

export function checkMetadata(kv: Record<string, string>): void {
  for (const [k, v] of Object.entries(kv)) {
    if (!KEY.test(k)) throw invalid(`The metadata key "${k}" is not valid (1-256 printable characters, no spaces).`, { key: k });
    if (typeof v !== 'string' || v.length > 65535) throw invalid(`The metadata value of "${k}" is too long (at most 65535 characters).`, { key: k });
  }
}

/** L4: the size a volume is created with, and whether it was raised to 1 GB (the warning needs the VVol's id). */
export function volumeSize(sizeBytes: number): { bytes: number; raisedFromMB?: number } {
  if (!Number.isFinite(sizeBytes) || sizeBytes <= 0) throw invalid('The volume size must be a positive number of bytes.', { sizeBytes });
  if (sizeBytes > LIMITS.maxVolumeBytes) throw new ArrayError('INVALID_ARGUMENT', MSG.over10TB, { sizeBytes });
  if (sizeBytes < LIMITS.minVolumeBytes) return { bytes: GiB, raisedFromMB: Math.ceil(sizeBytes / MiB) };
  return { bytes: chunksOf(sizeBytes) * CHUNK_BYTES };
}

export function createVvol(ctx: Ctx, ref: ArrayRef, c: CreateVvol): Created {
  const a = getArray(ctx, ref);
  if (!VVOL_TYPES.includes(c.type)) throw invalid(`The VVOL type must be one of ${VVOL_TYPES.join(', ')}.`, { type: String(c.type) });
  const metadata = c.metadata ?? {};
  checkMetadata(metadata);
  checkGate(a, 'createVvol');
  const pool = getPool(ctx, a.id, c.pool);
  if (!pool.container) throw invalid(`The pool(${hex4(pool.poolNo)}) is not a Storage Container.`, { pool: hex4(pool.poolNo) });
  const size = volumeSize(c.sizeBytes);
  let ioUpper: number | null = null;
  let ioLower: number | null = null;
  if (pool.ioUpperMode) ioUpper = pool.ioUpperDefault;
  if (pool.ioLowerMode) ioLower = pool.ioLowerDefault;
  const ld = insertLd(ctx, {
    arrayId: a.id, model: a.model, pool, name: (n) => vvolLdName(a.wwn, n), capacity: size.bytes, kind: 'vvol',
    vvolType: c.type, vvolId: newVvolId(a.wwn), allocation: c.thick ? 'real' : 'virtual', vmId: metadata.VMW_VmID ?? null, ioUpper, ioLower,
  });
  // N4: the id exists once the LD number does.
  const vvolId = ld.vvolId as string;
  setMetadata(ctx, ld.id, metadata);
  const warnings = size.raisedFromMB !== undefined ? [below1GB(size.raisedFromMB, vvolId)] : [];
  appendEvent(ctx, a.id, {
    type: 'Config', configType: 'New', objectType: 'VirtualVolume', objectId: vvolId,
    messageId: 'nec.vvol.created', message: `The ${c.type} VVOL ${ld.name} (${hex4(ld.ldn)}h) was created.`,
    params: { vvolId, ldn: hex4(ld.ldn) },
  });
  for (const w of warnings) {
    appendEvent(ctx, a.id, { type: 'System', objectType: 'VirtualVolume', objectId: vvolId, messageId: 'nec.vvol.sizeRaised', message: w });
  }
  return { ld: getLdById(ctx, ld.id), warnings };
}

/** createVirtualVolume: a VVol in the Storage Container named by its VASA id, and the array it is on. */
export function createInContainer(ctx: Ctx, containerId: string, c: Omit<CreateVvol, 'pool'>): Created & { array: DiskArray } {
  const { array, pool } = getContainer(ctx, containerId);
  return { ...createVvol(ctx, array.id, { ...c, pool: pool.poolNo }), array };
}

/** What queryVirtualVolumeInfo answers per VVol, and the names of the arrays asked about (for the call log). */
export interface VvolInfos {
  infos: { vvolId: string; metadata: Record<string, string> }[];
  arrays: string[];
}

/**
 * The metadata of VVols, in the order asked: each row read once, each array's gate
 * checked for a query, the metadata of all of them in one query.
 */
export function vvolInfos(ctx: Ctx, vvolIds: string[]): VvolInfos {
  const arrays = new Map<number, DiskArray>();
  const lds = vvolIds.map((id) => {
    const ld = getVvol(ctx, id);
    let a = arrays.get(ld.arrayId);
    if (!a) arrays.set(ld.arrayId, (a = getArray(ctx, ld.arrayId)));
    checkGate(a, 'query');
    return ld;
  });
  const metadata = metadataOfMany(ctx, lds.map((ld) => ld.id));
  return { infos: lds.map((ld, n) => ({ vvolId: vvolIds[n], metadata: metadata.get(ld.id) ?? {} })), arrays: [...arrays.values()].map((a) => a.name) };
}

function boundCount(ctx: Ctx, ldId: number): number {
  return (ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM bindings WHERE vvol_ld_id = ?', ldId) as { n: number }).n;
}

/**
 * Deletes a VVol. A snapshot VVol (ESV) goes into background deletion and is listed
 * as deleting until its task ends; any other VVol goes at once.
 */
export function deleteVvol(ctx: Ctx, vvolId: string): { background: boolean; taskId?: string } {
  const ld = getVvol(ctx, vvolId);
  const a = getArray(ctx, ld.arrayId);
  checkGate(a, 'deleteVvol');
  if (ld.state === 'deleting') return { background: true };
  checkDeletable(ctx, ld);
  if (ld.snap === 'ESV' && ld.state !== 'prepared') {
    const taskId = startSnapshotDeletion(ctx, a, ld);
    return { background: true, taskId };
  }
  dropVvol(ctx, ld);
  return { background: false };
}

export function checkDeletable(ctx: Ctx, ld: LogicalDisk): void {
  const s = ctx.store;
  const what = `The VVOL ${ld.vvolId ?? hex4(ld.ldn)}`;
  const bound = boundCount(ctx, ld.id);
  if (bound > 0) throw new ArrayError('IN_USE', `${what} is bound to ${bound} Protocol Endpoint(s); unbind it first.`, { vvolId: ld.vvolId, bound });
  const children = s.get<{ esv: number; fcv: number; other: number }>(
    "SELECT SUM(snap = 'ESV') AS esv, SUM(clone = 'FCV') AS fcv, COUNT(*) AS other FROM lds WHERE parent_id = ?",
    ld.id,
  ) as { esv: number | null; fcv: number | null; other: number };
  if (children.other > 0) {
    throw new ArrayError('IN_USE', `${what} still has ${children.esv ?? 0} snapshot(s) and ${children.fcv ?? 0} fast clone(s); delete them first.`, { vvolId: ld.vvolId, snapshots: children.esv ?? 0, clones: children.fcv ?? 0 });
  }
  if (s.get("SELECT 1 FROM pairs WHERE (mv_id = ? OR rv_id = ?) AND (activity <> 'separate' OR sync_state <> 'separated')", ld.id, ld.id)) {
    const clone = s.get<{ task_id: string | null }>("SELECT task_id FROM pairs WHERE (mv_id = ? OR rv_id = ?) AND purpose = 'clone' AND sync_state = 'rpl/exec'", ld.id, ld.id);
    if (clone) throw new ArrayError('IN_USE', `${what} is being cloned; cancel the clone task${clone.task_id ? ` ${clone.task_id}` : ''} first.`, { vvolId: ld.vvolId, taskId: clone.task_id ?? '' });
    throw new ArrayError('IN_USE', `${what} is being replicated; separate the pair first.`, { vvolId: ld.vvolId });
  }
}

/** Removes a VVol at once, with its pairs (separated) and its place in its parent's family. */
export function dropVvol(ctx: Ctx, ld: LogicalDisk): void {
  const s = ctx.store;
  for (const p of s.all<{ id: number; mv_id: number; rv_id: number }>('SELECT id, mv_id, rv_id FROM pairs WHERE mv_id = ? OR rv_id = ?', ld.id, ld.id)) {
    s.run('DELETE FROM pairs WHERE id = ?', p.id);
    const other = p.mv_id === ld.id ? p.rv_id : p.mv_id;
    resetRpl(ctx, other);
  }
  removeLd(ctx, ld);
  if (ld.parentId !== null) resetFamily(ctx, ld.parentId);
  appendEvent(ctx, ld.arrayId, {
    type: 'Config', configType: 'Delete', objectType: 'VirtualVolume', objectId: ld.vvolId ?? hex4(ld.ldn),
    messageId: 'nec.vvol.deleted', message: `The VVOL ${ld.name} (${hex4(ld.ldn)}h) was deleted.`, params: { ldn: hex4(ld.ldn) },
  });
}

/**
 * Grows a VVol (never shrinks). B9: a replicating LD cannot be expanded; the RVs of a
 * VVol with backup volumes are expanded first, in the same transaction.
 */
export function resizeVvol(ctx: Ctx, vvolId: string, newSizeBytes: number): LogicalDisk {
  const ld = getVvol(ctx, vvolId);
  const a = getArray(ctx, ld.arrayId);
  checkGate(a, 'resizeVvol');
  if (!Number.isFinite(newSizeBytes) || newSizeBytes <= 0) throw invalid('The new size must be a positive number of bytes.');
  if (newSizeBytes > LIMITS.maxVolumeBytes) throw new ArrayError('INVALID_ARGUMENT', MSG.over10TB, { sizeBytes: newSizeBytes });
  const bytes = chunksOf(newSizeBytes) * CHUNK_BYTES;
  if (bytes < ld.capacity) throw new ArrayError('NOT_SUPPORTED', `A VVOL cannot be shrunk (from ${ld.capacity / MiB} MB to ${bytes / MiB} MB).`, { vvolId });
  if (bytes === ld.capacity) return ld;
  if (ld.snap === 'ESV') throw new ArrayError('NOT_SUPPORTED', 'A snapshot volume cannot be expanded.', { vvolId });
  const s = ctx.store;
  if (s.get("SELECT 1 FROM pairs WHERE (mv_id = ? OR rv_id = ?) AND activity <> 'separate'", ld.id, ld.id)) {
    throw new ArrayError('FAILED_PRECONDITION', MSG.replicatingExpand, { vvolId });
  }
  for (const p of s.all<{ rv_id: number }>('SELECT rv_id FROM pairs WHERE mv_id = ?', ld.id)) {
    const rv = getLdById(ctx, p.rv_id);
    if (rv.capacity < bytes) {
      provision(ctx, rv.poolId, bytes - rv.capacity, rv.allocation === 'real');
      s.run('UPDATE lds SET capacity = ? WHERE id = ?', bytes, rv.id);
    }
  }
  provision(ctx, ld.poolId, bytes - ld.capacity, ld.allocation === 'real');
  s.run('UPDATE lds SET capacity = ? WHERE id = ?', bytes, ld.id);
  appendEvent(ctx, a.id, {
    type: 'Config', configType: 'Update', objectType: 'VirtualVolume', objectId: vvolId,
    messageId: 'nec.vvol.resized', message: `The VVOL ${ld.name} (${hex4(ld.ldn)}h) was expanded to ${bytes / MiB} MB.`, params: { sizeMB: String(bytes / MiB) },
  });
  return getLdById(ctx, ld.id);
}

export function updateVvolMetadata(ctx: Ctx, vvolId: string, kv: Record<string, string>): void {
  const ld = getVvol(ctx, vvolId);
  const a = getArray(ctx, ld.arrayId);
  checkGate(a, 'updateMetadata');
  checkMetadata(kv);
  if (Object.keys(kv).length === 0) throw invalid('No metadata to update was given.');
  setMetadata(ctx, ld.id, kv);
  appendEvent(ctx, a.id, {
    type: 'Config', configType: 'Update', objectType: 'VirtualVolume', objectId: vvolId,
    messageId: 'nec.vvol.metadata', message: `The metadata of the VVOL ${ld.name} (${hex4(ld.ldn)}h) was updated.`, params: { keys: Object.keys(kv).join(',') },
  });
}

/**
 * VVol ids whose metadata matches every constraint (key = value, or key present when
 * value is undefined), across all arrays or one.
 */
/** VVol ids matching the metadata constraints, on the given arrays (undefined: all). */
export function queryVvols(ctx: Ctx, constraints: { key: string; value?: string }[], arrayIds?: readonly number[]): string[] {
  const where: string[] = ["l.kind = 'vvol'", 'l.vvol_id IS NOT NULL'];
  const params: (string | number)[] = [];
  if (arrayIds !== undefined) {
    where.push('l.array_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(arrayIds));
  }
  for (const c of constraints) {
    if (c.value === undefined) where.push('EXISTS (SELECT 1 FROM ld_metadata m WHERE m.ld_id = l.id AND m.key = ?)');
    else where.push('EXISTS (SELECT 1 FROM ld_metadata m WHERE m.ld_id = l.id AND m.key = ? AND m.value = ?)');
    params.push(c.key);
    if (c.value !== undefined) params.push(c.value);
  }
  return ctx.store.all<{ vvol_id: string }>(`SELECT l.vvol_id FROM lds l WHERE ${where.join(' AND ')} ORDER BY l.id`, ...params).map((r) => r.vvol_id);
}

export { metadataOf };
