/**
 * The image-backup scheduler's consistency point (seed 003): snapshots of every VVol of
 * every VM of a run, taken in one transaction at one clock time, so every image of the
 * run carries the same backup time. A VM is a group: its snapshots all happen or none
 * (a savepoint per group), so one VM at the snapshot limit fails alone and the others
 * still share the point. And the release of such snapshots once their archive is
 * written, which tolerates a snapshot already gone (a retry after a restart).
 */
import type { Ctx } from './context';
import { ArrayError, isArrayError } from './errors';
import { findVvol } from './lookup';
import { prepareSnapshot, takeSnapshots } from './snapshots';
import { deleteVvol } from './vvols';

export interface PointGroup {
  /** The caller's name for the group (the VM id). */
  key: string;
  /** The base VVols to snapshot. */
  vvolIds: readonly string[];
}

export interface PointSnapshot {
  baseVvolId: string;
  snapshotVvolId: string;
  ldId: number;
}

export type PointGroupResult =
  | { key: string; ok: true; snapshots: PointSnapshot[] }
  | { key: string; ok: false; error: ArrayError };

export interface ConsistencyPoint {
  /** The one point in time every snapshot taken holds. */
  takenAt: number;
  groups: PointGroupResult[];
}

/** Runs inside the caller's transaction (the engine's tx). */
export function takeConsistencyPoint(ctx: Ctx, groups: readonly PointGroup[]): ConsistencyPoint {
  const takenAt = ctx.clock.now();
  // One time for all: every item reads this clock, however long the transaction takes.
  const at: Ctx = { ...ctx, clock: { now: () => takenAt } };
  return {
    takenAt,
    groups: groups.map((g): PointGroupResult => {
      try {
        return ctx.store.savepoint(() => {
          const esvs = g.vvolIds.map((id) => ({ base: id, esv: prepareSnapshot(at, id) }));
          const taken = takeSnapshots(at, esvs.map((e) => ({ snapshotVvolId: e.esv.vvolId as string })));
          const bad = taken.find((r) => !r.ok);
          if (bad && bad.outcome === 'refused') throw bad.error;
          if (bad) throw new ArrayError('FAILED_PRECONDITION', `The snapshot ${bad.snapshotVvolId} was not taken.`);
          return { key: g.key, ok: true as const, snapshots: esvs.map((e) => ({ baseVvolId: e.base, snapshotVvolId: e.esv.vvolId as string, ldId: e.esv.id })) };
        });
      } catch (e) {
        if (isArrayError(e)) return { key: g.key, ok: false, error: e };
        throw e;
      }
    }),
  };
}

export interface Released {
  snapshotVvolId: string;
  /** 'deleting': its deletion started (or was under way); 'gone': it no longer exists; 'refused': see error. */
  outcome: 'deleting' | 'gone' | 'refused';
  error?: string;
}

/** Deletes backup snapshots (in the background, as the array does); never a VVol that is not a snapshot. */
export function releaseSnapshots(ctx: Ctx, snapshotVvolIds: readonly string[]): Released[] {
  return snapshotVvolIds.map((id): Released => {
    const ld = findVvol(ctx, id);
    if (!ld) return { snapshotVvolId: id, outcome: 'gone' };
    if (ld.snap !== 'ESV') return { snapshotVvolId: id, outcome: 'refused', error: `The VVOL ${id} is not a snapshot.` };
    try {
      ctx.store.savepoint(() => deleteVvol(ctx, id));
      return { snapshotVvolId: id, outcome: 'deleting' };
    } catch (e) {
      if (isArrayError(e)) return { snapshotVvolId: id, outcome: 'refused', error: e.message };
      throw e;
    }
  });
}
