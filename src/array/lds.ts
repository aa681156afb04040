/**
 * Logical disk rows: numbering, creation and removal, metadata. The operations that
 * users call (create a VVol, an SSV, a PE, a snapshot, a clone) build on these.
 */
import type { Ctx } from './context';
import { ArrayError } from './errors';
import { chunksOf, dropChunks } from './chunks';
import { provision, unprovision } from './capacity';
import { hex4 } from './ids';
import { MSG } from './messages';
import { MODEL_LIMITS, Model, VvolType } from './models';
import { getLdById } from './lookup';
import type { CloneAttr, LdKind, LogicalDisk, Pool, RplAttr, SnapAttr } from './types';

/**
 * The lowest free LD number of the array. `ldn_hint` is kept at or below the lowest
 * free number (raised on allocation, lowered on deletion), so finding one costs a few
 * index probes instead of a scan of every LD.
 */
export function nextLdn(ctx: Ctx, arrayId: number, model: Model): number {
  const s = ctx.store;
  const max = MODEL_LIMITS[model].maxLds;
  let n = (s.get<{ ldn_hint: number }>('SELECT ldn_hint FROM arrays WHERE id = ?', arrayId) as { ldn_hint: number }).ldn_hint;
  while (n < max && s.get('SELECT 1 FROM lds WHERE array_id = ? AND ldn = ?', arrayId, n)) n++;
  s.run('UPDATE arrays SET ldn_hint = ? WHERE id = ?', n, arrayId);
  if (n >= max) throw new ArrayError('TOO_MANY', MSG.ldLimitArray, { limit: max });
  return n;
}

export interface NewLd {
  arrayId: number;
  model: Model;
  pool: Pool;
  ldn?: number;
  name: (ldn: number) => string;
  capacity: number;
  kind: LdKind;
  vvolType?: VvolType | null;
  /** For an LD that is a VVol vSphere sees: its id from the LD number (ids.newVvolId). */
  vvolId?: ((ldn: number) => string) | null;
  allocation: 'virtual' | 'real';
  rpl?: RplAttr;
  snap?: SnapAttr;
  clone?: CloneAttr;
  access?: 'ReadWrite' | 'ReadOnly' | 'NotReady';
  state?: 'ready' | 'prepared';
  parentId?: number | null;
  layer?: number;
  generation?: number | null;
  temporary?: boolean;
  vmId?: string | null;
  ioUpper?: number | null;
  ioLower?: number | null;
  cloningSince?: number | null;
}

/** Inserts an LD: checks the LD limits, takes its capacity from the pool. */
export function insertLd(ctx: Ctx, n: NewLd): LogicalDisk {
  const s = ctx.store;
  const perPool = MODEL_LIMITS[n.model].maxLdsPerPool;
  const inPool = (s.get<{ n: number }>('SELECT ld_count AS n FROM pools WHERE id = ?', n.pool.id) as { n: number }).n;
  if (inPool >= perPool) throw new ArrayError('TOO_MANY', MSG.ldLimitPool, { pool: hex4(n.pool.poolNo), limit: perPool });
  let ldn = n.ldn;
  if (ldn === undefined) ldn = nextLdn(ctx, n.arrayId, n.model);
  else if (s.get('SELECT 1 FROM lds WHERE array_id = ? AND ldn = ?', n.arrayId, ldn)) {
    throw new ArrayError('ALREADY_EXISTS', `The LD number ${hex4(ldn)}h is already in use.`, { ldn: hex4(ldn) });
  } else if (ldn >= MODEL_LIMITS[n.model].maxLds) {
    throw new ArrayError('INVALID_ARGUMENT', `The LD number ${hex4(ldn)}h is beyond the last one of the ${n.model} (${hex4(MODEL_LIMITS[n.model].maxLds - 1)}h).`, { ldn: hex4(ldn) });
  }
  const name = n.name(ldn);
  if (s.get('SELECT 1 FROM lds WHERE array_id = ? AND name = ?', n.arrayId, name)) {
    throw new ArrayError('ALREADY_EXISTS', `The LD name ${name} is already in use.`, { name });
  }
  // Snapshot volumes hold only what differs from their base: they take no logical capacity.
  if (n.snap !== 'ESV') provision(ctx, n.pool.id, n.capacity, n.allocation === 'real');
  s.run('UPDATE pools SET ld_count = ld_count + 1 WHERE id = ?', n.pool.id);
  const r = s.run(
    `INSERT INTO lds (array_id, ldn, name, pool_id, capacity, kind, vvol_type, vvol_id, allocation, rpl, snap, clone, state, access,
                      parent_id, layer, generation, temporary, vm_id, io_upper, io_lower, cloning_since, created_at)
     VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    n.arrayId, ldn, name, n.pool.id, n.capacity, n.kind, n.vvolType ?? null, n.vvolId ? n.vvolId(ldn) : null, n.allocation,
    n.rpl ?? 'IV', n.snap ?? '---', n.clone ?? '---', n.state ?? 'ready', n.access ?? 'ReadWrite',
    n.parentId ?? null, n.layer ?? 0, n.generation ?? null, n.temporary ? 1 : 0, n.vmId ?? null,
    n.ioUpper ?? null, n.ioLower ?? null, n.cloningSince ?? null, ctx.clock.now(),
  );
  return getLdById(ctx, Number(r.lastInsertRowid));
}

/** Removes an LD and everything it holds: map, metadata, capacity. The caller has checked it may go. */
export function removeLd(ctx: Ctx, ld: LogicalDisk): void {
  const s = ctx.store;
  // Give back the reservation first: releasing a thick LD's shared blocks may need the room.
  if (ld.snap !== 'ESV') unprovision(ctx, ld.poolId, ld.capacity, ld.allocation === 'real');
  dropChunks(ctx, ld.id, Number.MAX_SAFE_INTEGER);
  s.run('DELETE FROM ld_metadata WHERE ld_id = ?', ld.id);
  s.run('DELETE FROM pe_hosts WHERE pe_id = ?', ld.id);
  s.run('DELETE FROM lds WHERE id = ?', ld.id);
  s.run('UPDATE pools SET ld_count = ld_count - 1 WHERE id = ?', ld.poolId);
  s.run('UPDATE arrays SET ldn_hint = MIN(ldn_hint, ?) WHERE id = ?', ld.ldn, ld.arrayId);
}

export function metadataOf(ctx: Ctx, ldId: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of ctx.store.all<{ key: string; value: string }>('SELECT key, value FROM ld_metadata WHERE ld_id = ? ORDER BY key', ldId)) out[r.key] = r.value;
  return out;
}

/** The metadata of many LDs in one query, by LD id (an LD without metadata is absent). */
export function metadataOfMany(ctx: Ctx, ldIds: readonly number[]): Map<number, Record<string, string>> {
  const out = new Map<number, Record<string, string>>();
  if (ldIds.length === 0) return out;
  const rows = ctx.store.all<{ ld_id: number; key: string; value: string }>(
    'SELECT ld_id, key, value FROM ld_metadata WHERE ld_id IN (SELECT value FROM json_each(?)) ORDER BY ld_id, key', JSON.stringify(ldIds));
  for (const r of rows) {
    let kv = out.get(r.ld_id);
    if (!kv) out.set(r.ld_id, (kv = {}));
    kv[r.key] = r.value;
  }
  return out;
}

/** Sets keys verbatim; an empty value removes the key. Keeps vm_id in step with VMW_VmID. */
export function setMetadata(ctx: Ctx, ldId: number, kv: Record<string, string>): void {
  for (const [k, v] of Object.entries(kv)) {
    if (v === '') ctx.store.run('DELETE FROM ld_metadata WHERE ld_id = ? AND key = ?', ldId, k);
    else ctx.store.run('INSERT INTO ld_metadata (ld_id, key, value) VALUES (?, ?, ?) ON CONFLICT(ld_id, key) DO UPDATE SET value = excluded.value', ldId, k, v);
  }
  if ('VMW_VmID' in kv) ctx.store.run('UPDATE lds SET vm_id = ? WHERE id = ?', kv.VMW_VmID || null, ldId);
}

export function ldCapacityChunks(ld: LogicalDisk): number {
  return chunksOf(ld.capacity);
}

/** VVols of the same VM (or just this one when it has no VM id). */
export function vmMembers(ctx: Ctx, ld: LogicalDisk): number[] {
  if (!ld.vmId) return [ld.id];
  return ctx.store.all<{ id: number }>('SELECT id FROM lds WHERE vm_id = ? AND array_id = ?', ld.vmId, ld.arrayId).map((r) => r.id);
}

/**
 * B5: refuses when a snapshot of the LD's VM is still being deleted in the background.
 */
export function checkNotDeletingSnapshots(ctx: Ctx, ld: LogicalDisk): void {
  const base = ld.snap === 'ESV' && ld.parentId !== null ? getLdById(ctx, ld.parentId) : ld;
  const members = vmMembers(ctx, base);
  const placeholders = members.map(() => '?').join(',');
  const busy = ctx.store.get(
    `SELECT 1 FROM lds WHERE parent_id IN (${placeholders}) AND snap = 'ESV' AND state = 'deleting' LIMIT 1`,
    ...members,
  );
  if (busy) throw new ArrayError('BUSY', MSG.deletingSnapshots, { ld: hex4(ld.ldn), vm: base.vmId ?? '' });
}

/** A volume whose data is still arriving (the RV of a running copy, a full clone in progress) is no source yet. */
export function checkNotBeingCopied(ld: LogicalDisk): void {
  if (ld.state === 'ready' && ld.access === 'NotReady') {
    throw new ArrayError('FAILED_PRECONDITION', `The VVOL ${ld.vvolId ?? hex4(ld.ldn)} is being copied and cannot be used until the copy is done.`, { ldn: hex4(ld.ldn), access: ld.access });
  }
}

/** Clears EBV/FEV attributes of a volume that no longer has snapshots or clones. */
export function resetFamily(ctx: Ctx, parentId: number): void {
  const s = ctx.store;
  if (!s.get("SELECT 1 FROM lds WHERE parent_id = ? AND snap = 'ESV'", parentId)) s.run("UPDATE lds SET snap = '---' WHERE id = ? AND snap = 'EBV'", parentId);
  if (!s.get("SELECT 1 FROM lds WHERE parent_id = ? AND clone = 'FCV'", parentId)) s.run("UPDATE lds SET clone = '---' WHERE id = ? AND clone = 'FEV'", parentId);
}

/** Sets the RPL attribute from the pairs an LD is still in. */
export function resetRpl(ctx: Ctx, ldId: number): void {
  const s = ctx.store;
  const rpl = s.get('SELECT 1 FROM pairs WHERE rv_id = ?', ldId) ? 'RV' : s.get('SELECT 1 FROM pairs WHERE mv_id = ?', ldId) ? 'MV' : 'IV';
  s.run("UPDATE lds SET rpl = ?, access = CASE WHEN ? = 'IV' AND access = 'NotReady' AND snap <> 'ESV' THEN 'ReadWrite' ELSE access END WHERE id = ?", rpl, rpl, ldId);
}
