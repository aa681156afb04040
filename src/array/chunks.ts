/**
 * The allocation map of logical disks. Each LD maps chunk indexes to blocks; a block
 * holds one content token and a reference count. Snapshots and fast clones copy the
 * map (sharing blocks); a write to a shared block copies it first (copy-on-write).
 * Full copies (clones, replication) write tokens into new blocks.
 */
import type { Ctx } from './context';
import { countBlocks, uncountBlocks } from './capacity';
import { CHUNK_BYTES } from './models';

interface MapEntry {
  block_id: number;
  refs: number;
  home_ld: number | null;
  pool_id: number;
  token: string;
}

export interface LdSlot {
  id: number;
  poolId: number;
  allocation: 'virtual' | 'real';
}

function entry(ctx: Ctx, ldId: number, idx: number): MapEntry | undefined {
  return ctx.store.get<MapEntry>(
    'SELECT c.block_id, b.refs, b.home_ld, b.pool_id, b.token FROM ld_chunks c JOIN blocks b ON b.id = c.block_id WHERE c.ld_id = ? AND c.idx = ?',
    ldId, idx,
  );
}

function newBlock(ctx: Ctx, ld: LdSlot, token: string): number {
  const home = ld.allocation === 'real' ? ld.id : null;
  if (home === null) countBlocks(ctx, ld.poolId, 1);
  return Number(ctx.store.run('INSERT INTO blocks (pool_id, token, refs, home_ld) VALUES (?, ?, 1, ?)', ld.poolId, token, home).lastInsertRowid);
}

/** Drops one reference of a block held by LD `ldId`. */
function unref(ctx: Ctx, e: MapEntry, ldId: number): void {
  if (e.refs <= 1) {
    ctx.store.run('DELETE FROM blocks WHERE id = ?', e.block_id);
    if (e.home_ld === null) uncountBlocks(ctx, e.pool_id, 1);
    return;
  }
  ctx.store.run('UPDATE blocks SET refs = refs - 1 WHERE id = ?', e.block_id);
  if (e.home_ld === ldId) {
    // The reservation of the thick LD no longer covers this block, which a snapshot
    // or clone still holds: it now takes real capacity of its own.
    countBlocks(ctx, e.pool_id, 1);
    ctx.store.run('UPDATE blocks SET home_ld = NULL WHERE id = ?', e.block_id);
  }
}

/** Writes one chunk. Returns true when the content changed. */
export function writeChunk(ctx: Ctx, ld: LdSlot, idx: number, token: string): boolean {
  const e = entry(ctx, ld.id, idx);
  if (e && e.token === token) return false;
  if (e && e.refs === 1) {
    ctx.store.run('UPDATE blocks SET token = ? WHERE id = ?', token, e.block_id);
    return true;
  }
  const block = newBlock(ctx, ld, token);
  if (e) {
    unref(ctx, e, ld.id);
    ctx.store.run('UPDATE ld_chunks SET block_id = ? WHERE ld_id = ? AND idx = ?', block, ld.id, idx);
  } else {
    ctx.store.run('INSERT INTO ld_chunks (ld_id, idx, block_id) VALUES (?, ?, ?)', ld.id, idx, block);
  }
  return true;
}

/** Deallocates one chunk (it reads as never written). Returns true when it was allocated. */
export function trimChunk(ctx: Ctx, ldId: number, idx: number): boolean {
  const e = entry(ctx, ldId, idx);
  if (!e) return false;
  ctx.store.run('DELETE FROM ld_chunks WHERE ld_id = ? AND idx = ?', ldId, idx);
  unref(ctx, e, ldId);
  return true;
}

export function readChunks(ctx: Ctx, ldId: number, start: number, count: number): (string | null)[] {
  const out: (string | null)[] = new Array(count).fill(null);
  const rows = ctx.store.all<{ idx: number; token: string }>(
    'SELECT c.idx, b.token FROM ld_chunks c JOIN blocks b ON b.id = c.block_id WHERE c.ld_id = ? AND c.idx >= ? AND c.idx < ?',
    ldId, start, start + count,
  );
  for (const r of rows) out[r.idx - start] = r.token;
  return out;
}

/** Makes `toLd` (empty) share every block of `fromLd`: the heart of snapshots and fast clones. */
export function shareMap(ctx: Ctx, fromLd: number, toLd: number): void {
  ctx.store.run('UPDATE blocks SET refs = refs + 1 WHERE id IN (SELECT block_id FROM ld_chunks WHERE ld_id = ?)', fromLd);
  ctx.store.run('INSERT INTO ld_chunks (ld_id, idx, block_id) SELECT ?, idx, block_id FROM ld_chunks WHERE ld_id = ?', toLd, fromLd);
}

/** Replaces the map of `toLd` with a shared copy of `fromLd`'s (revert). */
export function replaceMap(ctx: Ctx, fromLd: number, toLd: number): void {
  dropChunks(ctx, toLd, Number.MAX_SAFE_INTEGER);
  shareMap(ctx, fromLd, toLd);
}

/** Drops up to `limit` chunks of an LD (lowest indexes first); returns how many were dropped. */
export function dropChunks(ctx: Ctx, ldId: number, limit: number): number {
  const rows = ctx.store.all<MapEntry & { idx: number }>(
    'SELECT c.idx, c.block_id, b.refs, b.home_ld, b.pool_id, b.token FROM ld_chunks c JOIN blocks b ON b.id = c.block_id WHERE c.ld_id = ? ORDER BY c.idx LIMIT ?',
    ldId, limit,
  );
  if (rows.length === 0) return 0;
  // Release counted capacity before charging any (a thick LD's released blocks may need it).
  const sorted = [...rows].sort((a, b) => Number(a.home_ld === ldId) - Number(b.home_ld === ldId));
  for (const r of sorted) unref(ctx, r, ldId);
  ctx.store.run('DELETE FROM ld_chunks WHERE ld_id = ? AND idx <= ?', ldId, rows[rows.length - 1].idx);
  return rows.length;
}

export function allocatedCount(ctx: Ctx, ldId: number): number {
  return (ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM ld_chunks WHERE ld_id = ?', ldId) as { n: number }).n;
}

/** Chunks held by this LD alone (not shared with any snapshot or clone). */
export function exclusiveCount(ctx: Ctx, ldId: number): number {
  return (ctx.store.get<{ n: number }>(
    'SELECT COUNT(*) AS n FROM ld_chunks c JOIN blocks b ON b.id = c.block_id WHERE c.ld_id = ? AND b.refs = 1',
    ldId,
  ) as { n: number }).n;
}

/** Allocated chunk indexes in [from, to). */
export function allocatedIndexes(ctx: Ctx, ldId: number, from: number, to: number): number[] {
  return ctx.store
    .all<{ idx: number }>('SELECT idx FROM ld_chunks WHERE ld_id = ? AND idx >= ? AND idx < ? ORDER BY idx', ldId, from, to)
    .map((r) => r.idx);
}

/**
 * Chunk indexes in [from, to) where `ldId` and `baseId` do not share a block: written
 * (or trimmed) in one since they diverged.
 */
export function unsharedIndexes(ctx: Ctx, ldId: number, baseId: number, from: number, to: number): number[] {
  const rows = ctx.store.all<{ idx: number }>(
    `SELECT a.idx AS idx FROM ld_chunks a LEFT JOIN ld_chunks b ON b.ld_id = ? AND b.idx = a.idx
       WHERE a.ld_id = ? AND a.idx >= ? AND a.idx < ? AND (b.block_id IS NULL OR b.block_id <> a.block_id)
     UNION
     SELECT b.idx AS idx FROM ld_chunks b LEFT JOIN ld_chunks a ON a.ld_id = ? AND a.idx = b.idx
       WHERE b.ld_id = ? AND b.idx >= ? AND b.idx < ? AND a.block_id IS NULL
     ORDER BY idx`,
    baseId, ldId, from, to, ldId, baseId, from, to,
  );
  return rows.map((r) => r.idx);
}

/** Chunk indexes in [from, to) where the content of `a` and `b` differs (tokens compared), at most `limit`. */
export function differingIndexes(ctx: Ctx, a: number, b: number, from: number, limit: number, to = Number.MAX_SAFE_INTEGER): number[] {
  const rows = ctx.store.all<{ idx: number }>(
    `SELECT idx FROM (
       SELECT x.idx AS idx FROM ld_chunks x JOIN blocks bx ON bx.id = x.block_id
         LEFT JOIN ld_chunks y ON y.ld_id = ? AND y.idx = x.idx LEFT JOIN blocks byy ON byy.id = y.block_id
         WHERE x.ld_id = ? AND x.idx >= ? AND x.idx < ? AND (byy.token IS NULL OR byy.token <> bx.token)
       UNION
       SELECT y.idx AS idx FROM ld_chunks y LEFT JOIN ld_chunks x ON x.ld_id = ? AND x.idx = y.idx
         WHERE y.ld_id = ? AND y.idx >= ? AND y.idx < ? AND x.block_id IS NULL
     ) ORDER BY idx LIMIT ?`,
    b, a, from, to, a, b, from, to, limit,
  );
  return rows.map((r) => r.idx);
}

export function differingCount(ctx: Ctx, a: number, b: number, to = Number.MAX_SAFE_INTEGER): number {
  return differingIndexes(ctx, a, b, 0, Number.MAX_SAFE_INTEGER, to).length;
}

/** Makes chunk idx of `dst` hold what it holds in `src` (copying the token into dst's own block). */
export function copyChunk(ctx: Ctx, srcId: number, dst: LdSlot, idx: number): void {
  const e = entry(ctx, srcId, idx);
  if (e) writeChunk(ctx, dst, idx, e.token);
  else trimChunk(ctx, dst.id, idx);
}

export const chunksOf = (bytes: number): number => Math.ceil(bytes / CHUNK_BYTES);
