/**
 * Answers about allocation and space: allocated and unshared chunks of a VVol (what
 * VASA's bitmap operations need) and space statistics of containers and VVols.
 */
import type { Ctx } from './context';
import { allocatedCount, allocatedIndexes, exclusiveCount, unsharedIndexes } from './chunks';
import { related } from './clones';
import { ArrayError, invalid } from './errors';
import { checkGate } from './gates';
import { getArray, getPoolById, getVvol } from './lookup';
import { CHUNK_BYTES } from './models';
import type { LogicalDisk } from './types';

export interface Segment {
  startBytes: number;
  lengthBytes: number;
  /** The caller's chunk size; our own granularity is CHUNK_BYTES. */
  chunkSizeBytes: number;
}

export interface ChunkAnswer {
  /** One flag per caller chunk in the segment. */
  bits: boolean[];
  chunkSizeBytes: number;
  scannedChunks: number;
}

function checkSegment(ld: LogicalDisk, s: Segment): void {
  for (const [k, v] of Object.entries(s)) if (!Number.isSafeInteger(v) || v < 0) throw invalid(`${k} must be a non-negative integer.`, { [k]: v });
  if (s.chunkSizeBytes <= 0) throw invalid('chunkSizeBytes must be positive.');
  if (s.lengthBytes <= 0) throw invalid('segmentLengthBytes must be positive.');
  if (s.startBytes + s.lengthBytes > ld.capacity) throw invalid(`The segment ends beyond the VVOL (${ld.capacity} bytes).`, { end: s.startBytes + s.lengthBytes });
  if (s.lengthBytes / s.chunkSizeBytes > 16 * 1024 * 1024) throw invalid('The segment holds too many chunks for one answer (at most 16,777,216).');
}

/** Maps our chunk indexes onto the caller's chunk grid over the segment. */
function toBits(indexes: number[], s: Segment): ChunkAnswer {
  const n = Math.ceil(s.lengthBytes / s.chunkSizeBytes);
  const bits: boolean[] = new Array(n).fill(false);
  const end = s.startBytes + s.lengthBytes;
  for (const idx of indexes) {
    const from = Math.max(idx * CHUNK_BYTES, s.startBytes);
    const to = Math.min((idx + 1) * CHUNK_BYTES, end);
    if (from >= to) continue;
    const first = Math.floor((from - s.startBytes) / s.chunkSizeBytes);
    const last = Math.floor((to - 1 - s.startBytes) / s.chunkSizeBytes);
    for (let i = first; i <= last; i++) bits[i] = true;
  }
  return { bits, chunkSizeBytes: s.chunkSizeBytes, scannedChunks: n };
}

function span(s: Segment): [number, number] {
  return [Math.floor(s.startBytes / CHUNK_BYTES), Math.ceil((s.startBytes + s.lengthBytes) / CHUNK_BYTES)];
}

export function allocatedBitmap(ctx: Ctx, vvolId: string, seg: Segment): ChunkAnswer {
  return ctx.store.read(() => {
    const ld = getVvol(ctx, vvolId);
    checkGate(getArray(ctx, ld.arrayId), 'bitmap');
    checkSegment(ld, seg);
    return toBits(allocatedIndexes(ctx, ld.id, ...span(seg)), seg);
  });
}

/** Chunks where the VVol does not share data with `baseVvolId` (a snapshot, clone or parent in its lineage). */
export function unsharedBitmap(ctx: Ctx, vvolId: string, baseVvolId: string, seg: Segment): ChunkAnswer {
  return ctx.store.read(() => {
    const ld = getVvol(ctx, vvolId);
    const base = getVvol(ctx, baseVvolId);
    checkGate(getArray(ctx, ld.arrayId), 'bitmap');
    if (!related(ctx, ld, base)) throw new ArrayError('INCOMPATIBLE', `The VVOLs ${vvolId} and ${baseVvolId} are not related.`, { vvolId, baseVvolId });
    checkSegment(ld, seg);
    return toBits(unsharedIndexes(ctx, ld.id, base.id, ...span(seg)), seg);
  });
}

/** Count of unshared chunks (against a base, or against every other volume when none is given). */
export function unsharedChunks(ctx: Ctx, vvolId: string, baseVvolId: string | undefined, startBytes: number, lengthBytes: number): { unsharedChunks: number; scannedChunks: number; chunkSizeBytes: number } {
  return ctx.store.read(() => {
    const ld = getVvol(ctx, vvolId);
    checkGate(getArray(ctx, ld.arrayId), 'bitmap');
    const seg = { startBytes, lengthBytes, chunkSizeBytes: CHUNK_BYTES };
    checkSegment(ld, seg);
    const [from, to] = span(seg);
    let unshared: number;
    if (baseVvolId) {
      const base = getVvol(ctx, baseVvolId);
      if (!related(ctx, ld, base)) throw new ArrayError('INCOMPATIBLE', `The VVOLs ${vvolId} and ${baseVvolId} are not related.`, { vvolId, baseVvolId });
      unshared = unsharedIndexes(ctx, ld.id, base.id, from, to).length;
    } else {
      unshared = (ctx.store.get<{ n: number }>(
        'SELECT COUNT(*) AS n FROM ld_chunks c JOIN blocks b ON b.id = c.block_id WHERE c.ld_id = ? AND c.idx >= ? AND c.idx < ? AND b.refs = 1',
        ld.id, from, to,
      ) as { n: number }).n;
    }
    return { unsharedChunks: unshared, scannedChunks: to - from, chunkSizeBytes: CHUNK_BYTES };
  });
}

export interface VvolSpace {
  vvolId: string;
  /** Logical size, bytes. */
  logical: number;
  /** Capacity committed to it: allocated chunks (thin) or its whole size (thick). */
  committed: number;
  /** Data held by it alone. */
  unshared: number;
}

export function vvolSpace(ctx: Ctx, vvolId: string): VvolSpace {
  return ctx.store.read(() => {
    const ld = getVvol(ctx, vvolId);
    checkGate(getArray(ctx, ld.arrayId), 'query');
    return spaceOf(ctx, ld);
  });
}

/** The space of a VVol already read (the caller checked the gate). */
export function spaceOf(ctx: Ctx, ld: LogicalDisk): VvolSpace {
  const allocated = allocatedCount(ctx, ld.id) * CHUNK_BYTES;
  return { vvolId: ld.vvolId as string, logical: ld.capacity, committed: ld.allocation === 'real' ? ld.capacity : allocated, unshared: exclusiveCount(ctx, ld.id) * CHUNK_BYTES };
}

export interface ContainerSpace {
  physicalTotal: number;
  physicalUsed: number;
  physicalFree: number;
  logicalLimit: number;
  logicalUsed: number;
  logicalFree: number;
}

export function poolSpace(ctx: Ctx, poolId: number): ContainerSpace {
  const p = getPoolById(ctx, poolId);
  return {
    physicalTotal: p.capacity,
    physicalUsed: p.usedBytes,
    physicalFree: Math.max(0, p.capacity - p.usedBytes),
    logicalLimit: p.virtualCapacity,
    logicalUsed: p.provisionedBytes,
    logicalFree: Math.max(0, p.virtualCapacity - p.provisionedBytes),
  };
}
