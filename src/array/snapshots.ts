/**
 * Extended snapshots (EBV/ESV). VASA takes them in two phases: prepare makes the
 * snapshot volume (its id, its generation) and snapshot fixes the point in time for a
 * batch of them at once, so all disks of a VM share one consistent point. L5: 256
 * generations per base volume (a revert needs one of them for its temporary
 * snapshot), 255 per VM. L7: 64 layers. B5: not while a snapshot of the VM is being
 * deleted.
 */
import type { Ctx } from './context';
import { replaceMap, shareMap } from './chunks';
import { ArrayError } from './errors';
import { appendEvent } from './events';
import { checkGate } from './gates';
import { esvLdName, hex4, newVvolId } from './ids';
import { checkNotBeingCopied, checkNotDeletingSnapshots, insertLd, metadataOf, removeLd, setMetadata } from './lds';
import { MSG } from './messages';
import { getArray, getLdById, getPoolById, getVvol } from './lookup';
import { LIMITS, MiB } from './models';
import { requireSsv } from './system-volumes';
import { readLds } from './rows';
import { checkMetadata } from './vvols';
import { spaceOf, VvolSpace } from './space';
import type { DiskArray, LogicalDisk, SnapshotGeneration } from './types';

interface GenCounts {
  total: number;
  user: number;
  maxGen: number | null;
}

function generationCounts(ctx: Ctx, baseId: number): GenCounts {
  return ctx.store.get<GenCounts>(
    "SELECT COUNT(*) AS total, COALESCE(SUM(temporary = 0), 0) AS user, MAX(generation) AS maxGen FROM lds WHERE parent_id = ? AND snap = 'ESV'",
    baseId,
  ) as GenCounts;
}

/** Checks everything a new snapshot of `base` needs (shared by snapshots and reverts). */
function checkSnapshotAllowed(ctx: Ctx, base: LogicalDisk, temporary: boolean): GenCounts {
  const pool = getPoolById(ctx, base.poolId);
  if (!pool.virtual) throw new ArrayError('NOT_SUPPORTED', MSG.poolNoSnapshot, { pool: hex4(pool.poolNo) });
  requireSsv(ctx, base.arrayId);
  if (base.state !== 'ready') throw new ArrayError('FAILED_PRECONDITION', `The VVOL ${base.vvolId} is not ready (state ${base.state}).`, { state: base.state });
  checkNotBeingCopied(base);
  checkNotDeletingSnapshots(ctx, base);
  if (base.layer + 1 > LIMITS.layers) throw new ArrayError('TOO_MANY', MSG.layerLimit, { layer: base.layer + 1, limit: LIMITS.layers });
  const counts = generationCounts(ctx, base.id);
  if (counts.total >= LIMITS.generationsPerBase) {
    throw new ArrayError('SNAPSHOT_TOO_MANY', MSG.snapshotLimit, { generations: counts.total, limit: LIMITS.generationsPerBase });
  }
  if (!temporary && base.vmId && counts.user >= LIMITS.snapshotsPerVm) {
    throw new ArrayError('SNAPSHOT_TOO_MANY', MSG.snapshotLimit, { generations: counts.user, limit: LIMITS.snapshotsPerVm, vm: base.vmId });
  }
  return counts;
}

function insertEsv(ctx: Ctx, base: LogicalDisk, gen: number, temporary: boolean, a: DiskArray = getArray(ctx, base.arrayId)): LogicalDisk {
  const esv = insertLd(ctx, {
    arrayId: a.id, model: a.model, pool: getPoolById(ctx, base.poolId), name: (n) => esvLdName(a.wwn, base.ldn, n),
    capacity: base.capacity, kind: 'vvol', vvolType: base.vvolType,
    // The temporary snapshot of a revert is the array's own: vSphere never sees it, so it has no VVol id.
    vvolId: temporary ? null : newVvolId(a.wwn), allocation: 'virtual', snap: 'ESV',
    state: 'prepared', access: 'NotReady', parentId: base.id, layer: base.layer + 1, generation: gen, temporary, vmId: base.vmId,
  });
  if (base.snap === '---') ctx.store.run("UPDATE lds SET snap = 'EBV' WHERE id = ?", base.id);
  return esv;
}

/** Phase 1: a snapshot volume for `baseVvolId`, not yet holding data. */
export function prepareSnapshot(ctx: Ctx, baseVvolId: string): LogicalDisk {
  return prepareOf(ctx, getVvol(ctx, baseVvolId));
}

function prepareOf(ctx: Ctx, base: LogicalDisk, a: DiskArray = getArray(ctx, base.arrayId)): LogicalDisk {
  checkGate(a, 'snapshot');
  if (base.snap === 'ESV' && base.state !== 'ready') throw new ArrayError('FAILED_PRECONDITION', `The snapshot ${base.vvolId} is not ready.`);
  const counts = checkSnapshotAllowed(ctx, base, false);
  return insertEsv(ctx, base, (counts.maxGen ?? 0) + 1, false, a);
}

/** prepareToSnapshotVirtualVolume's answer: the new snapshot, and its parent as it is after the prepare. */
export interface Prepared {
  snapshot: LogicalDisk;
  array: DiskArray;
  parent: { vvolId: string; metadata: Record<string, string>; space: VvolSpace };
}

/** Phase 1 as VASA asks it: the snapshot made, with its parent's metadata and space, the parent's row read once. */
export function prepareWithParent(ctx: Ctx, baseVvolId: string): Prepared {
  const base = getVvol(ctx, baseVvolId);
  const a = getArray(ctx, base.arrayId);
  const snapshot = prepareOf(ctx, base, a);
  checkGate(a, 'query');
  return { snapshot, array: a, parent: { vvolId: baseVvolId, metadata: metadataOf(ctx, base.id), space: spaceOf(ctx, base) } };
}

export interface SnapshotItem {
  snapshotVvolId: string;
  metadata?: Record<string, string>;
}

/**
 * What happened to one item of a batch, told apart so that nobody reports a snapshot
 * that exists as failed, or one that does not as taken:
 * - `taken`: the snapshot holds the batch's point in time (committed with the batch);
 * - `refused`: the item was tried and failed; nothing of it changed;
 * - `not-attempted`: the batch's deadline had passed before the item's turn; it was not
 *   touched and is still a prepared snapshot (vSphere deletes or retries it).
 */
export type SnapshotResult =
  | { snapshotVvolId: string; ok: true; outcome: 'taken'; takenAt: number }
  | { snapshotVvolId: string; ok: false; outcome: 'refused'; error: ArrayError }
  | { snapshotVvolId: string; ok: false; outcome: 'not-attempted'; deadline: number };

export interface TakeOptions {
  /**
   * Clock time (ms) after which no further item is started (VASA's timeoutMS). Checked
   * before each item, never after: an item once taken stays taken and is reported so.
   */
  deadline?: number;
}

/**
 * Phase 2: fixes the point in time of a batch of prepared snapshots at once. Items fail
 * one by one (an unknown id, a snapshot already taken); the others still happen.
 */
export function takeSnapshots(ctx: Ctx, items: SnapshotItem[], opts: TakeOptions = {}, arrays = new Map<number, DiskArray>()): SnapshotResult[] {
  const now = ctx.clock.now();
  const { deadline } = opts;
  return items.map((it): SnapshotResult => {
    if (deadline !== undefined && ctx.clock.now() > deadline) return { snapshotVvolId: it.snapshotVvolId, ok: false, outcome: 'not-attempted', deadline };
    try {
      ctx.store.savepoint(() => {
        const esv = getVvol(ctx, it.snapshotVvolId);
        if (esv.snap !== 'ESV' || esv.state !== 'prepared' || esv.parentId === null) {
          throw new ArrayError('FAILED_PRECONDITION', `The VVOL ${it.snapshotVvolId} is not a prepared snapshot.`, { vvolId: it.snapshotVvolId, state: esv.state });
        }
        let a = arrays.get(esv.arrayId);
        if (!a) arrays.set(esv.arrayId, (a = getArray(ctx, esv.arrayId)));
        checkGate(a, 'snapshot');
        // The point in time covers the base as it is now: a base expanded since the prepare no longer fits the snapshot made for it.
        const base = getLdById(ctx, esv.parentId);
        if (base.capacity !== esv.capacity) {
          throw new ArrayError('FAILED_PRECONDITION', `The VVOL ${base.vvolId} was expanded after the snapshot ${it.snapshotVvolId} was prepared (${esv.capacity / MiB} MB, now ${base.capacity / MiB} MB); prepare the snapshot again.`, { vvolId: it.snapshotVvolId, snapshotMB: esv.capacity / MiB, baseMB: base.capacity / MiB });
        }
        if (it.metadata) {
          checkMetadata(it.metadata);
          setMetadata(ctx, esv.id, it.metadata);
        }
        shareMap(ctx, esv.parentId, esv.id);
        ctx.store.run("UPDATE lds SET state = 'ready', access = 'ReadOnly', created_at = ? WHERE id = ?", now, esv.id);
        appendEvent(ctx, esv.arrayId, {
          type: 'Config', configType: 'New', objectType: 'VirtualVolume', objectId: it.snapshotVvolId,
          messageId: 'nec.snapshot.created', message: `The snapshot ${esv.name} (${hex4(esv.ldn)}h), generation ${esv.generation}, was created.`,
        });
      });
      return { snapshotVvolId: it.snapshotVvolId, ok: true, outcome: 'taken', takenAt: now };
    } catch (e) {
      if (e instanceof ArrayError) return { snapshotVvolId: it.snapshotVvolId, ok: false, outcome: 'refused', error: e };
      throw e;
    }
  });
}

/** snapshotVirtualVolume's batch: the items and the names of the arrays they are on (for the call log). */
export interface SnapshotBatch {
  results: SnapshotResult[];
  arrays: string[];
}

export function takeSnapshotBatch(ctx: Ctx, items: SnapshotItem[], opts: TakeOptions = {}): SnapshotBatch {
  const arrays = new Map<number, DiskArray>();
  const results = takeSnapshots(ctx, items, opts, arrays);
  return { results, arrays: [...arrays.values()].map((a) => a.name) };
}

/** Prepare and take in one step (the CLI's snapshot). */
export function snapshot(ctx: Ctx, baseVvolId: string, metadata?: Record<string, string>): LogicalDisk {
  const esv = prepareSnapshot(ctx, baseVvolId);
  const [r] = takeSnapshots(ctx, [{ snapshotVvolId: esv.vvolId as string, metadata }]);
  if (r.outcome === 'refused') throw r.error;
  return getLdById(ctx, esv.id);
}

/**
 * Makes the base volume equal to one of its snapshots. As on the array, the current
 * data is first kept in a temporary snapshot (so a base with 256 generations cannot
 * be reverted), which is released when the revert is done.
 */
export function revert(ctx: Ctx, baseVvolId: string, snapshotVvolId: string): LogicalDisk {
  const base = getVvol(ctx, baseVvolId);
  const esv = getVvol(ctx, snapshotVvolId);
  checkGate(getArray(ctx, base.arrayId), 'revert');
  if (esv.snap !== 'ESV' || esv.parentId !== base.id) {
    throw new ArrayError('INCOMPATIBLE', `The VVOL ${snapshotVvolId} is not a snapshot of ${baseVvolId}.`, { base: baseVvolId, snapshot: snapshotVvolId });
  }
  if (esv.state !== 'ready') throw new ArrayError('FAILED_PRECONDITION', `The snapshot ${snapshotVvolId} is ${esv.state === 'deleting' ? 'being deleted' : 'not taken yet'}.`, { state: esv.state });
  if (ctx.store.get("SELECT 1 FROM pairs WHERE (mv_id = ? OR rv_id = ?) AND activity <> 'separate'", base.id, base.id)) {
    throw new ArrayError('FAILED_PRECONDITION', `The VVOL ${baseVvolId} is being replicated; separate the pair first.`);
  }
  const counts = checkSnapshotAllowed(ctx, base, true);
  const temp = insertEsv(ctx, base, (counts.maxGen ?? 0) + 1, true);
  shareMap(ctx, base.id, temp.id);
  replaceMap(ctx, esv.id, base.id);
  removeLd(ctx, getLdById(ctx, temp.id));
  appendEvent(ctx, base.arrayId, {
    type: 'Config', configType: 'Update', objectType: 'VirtualVolume', objectId: baseVvolId,
    messageId: 'nec.snapshot.reverted', message: `The VVOL ${base.name} (${hex4(base.ldn)}h) was restored from the snapshot ${esv.name} (generation ${esv.generation}).`,
  });
  return getLdById(ctx, base.id);
}

/** The generations of a base volume, oldest first; relative numbers as iSMsc_query shows them (-1 newest). */
export function generations(ctx: Ctx, base: LogicalDisk): SnapshotGeneration[] {
  const rows = readLds(ctx.store, "WHERE l.parent_id = ? AND l.snap = 'ESV' ORDER BY l.generation", base.id);
  return rows.map((ld, i) => ({
    ldn: ld.ldn,
    name: ld.name,
    vvolId: ld.vvolId,
    generation: ld.generation ?? 0,
    relative: i - rows.length,
    createdAt: ld.createdAt,
    state: ld.state === 'deleting' ? 'deleting' : 'active',
    temporary: ld.temporary,
  }));
}
