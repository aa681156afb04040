/**
 * What happens to images after their run: the second copy ("another region", seed 001),
 * filled after the local one, best effort, one image per tick, its lag reported; expiry
 * at the run's start plus the retention, by the clock; deletion by hand. An image is
 * never deleted because its VM was (the seed warns users of exactly that: the image
 * stays, and is charged, until it expires or is deleted here). Deleting an image leaves
 * every chunk another image needs: the store sees to that.
 */
import type { ImageRow } from '../store/image-backup/images';
import { SchedulerError } from './contract';
import type { RunnerDeps } from './run-state';

/** Expired images deleted per tick at most (the rest go at the next ones). */
const EXPIRE_PER_TICK = 20;

export interface CopyStatus {
  pending: number;
  failed: number;
  /** How long the oldest image waiting for its second copy has waited (ms); 0 when none waits. */
  lagMs: number;
  lastError: string | null;
}

/** Deletes an image from both stores and the index. Never throws for an image one store lacks. */
function deleteEverywhere(d: RunnerDeps, row: ImageRow): void {
  const local = d.local();
  if (local.has(row.id)) local.delete(row.id);
  try {
    const secondary = d.secondary();
    if (secondary?.has(row.id)) secondary.delete(row.id);
  } catch (e) {
    // Best effort, as the copy was: the local image and the index entry go all the same.
    d.log.warn(`image backup: the second copy of image ${row.id} could not be deleted: ${(e as Error).message}`);
  }
  d.store.tx(() => d.images.delete(row.id));
}

/** Deletes the images whose retention has ended; returns their ids. */
export function expireImages(d: RunnerDeps, now: number): string[] {
  const ids = d.images.expired(now, EXPIRE_PER_TICK);
  const done: string[] = [];
  for (const id of ids) {
    const row = d.images.get(id);
    if (!row) continue;
    if (d.images.restoringFrom(id)) continue; // the next tick deletes it
    deleteEverywhere(d, row);
    done.push(id);
    d.log.info(`image backup: image ${id} of VM ${row.vmName} expired (kept until ${new Date(row.expiresAt).toISOString()}) and was deleted`);
  }
  return done;
}

/** Deletes an image by hand. */
export function deleteImage(d: RunnerDeps, id: string): void {
  const row = d.images.get(id);
  if (!row) throw new SchedulerError('NOT_FOUND', `The image ${id} does not exist.`, 'imageId', { imageId: id });
  const restoring = d.images.runningRestoreOf(row.vmId);
  if (restoring && restoring.imageId === id) throw new SchedulerError('CONFLICT', `The image ${id} is being restored (job restore-${restoring.id}); delete it when the restore has ended.`, 'imageId', { imageId: id });
  deleteEverywhere(d, row);
  d.log.info(`image backup: image ${id} of VM ${row.vmName} deleted by hand`);
}

/** Copies the image waiting longest into the second store; one per call. Never throws. */
export function copyOnePending(d: RunnerDeps, now: number): { copied?: string; error?: string } {
  const secondary = d.secondary();
  if (!secondary) return {};
  const row = d.images.oldestPendingCopy();
  if (!row) return {};
  try {
    d.local().copyTo(row.id, secondary);
    d.store.tx(() => d.images.setSecondary(row.id, 'ok', now, null));
    return { copied: row.id };
  } catch (e) {
    const error = `The second copy of image ${row.id} failed: ${(e as Error).message}`;
    d.store.tx(() => d.images.setSecondary(row.id, 'failed', now, (e as Error).message));
    d.log.warn(`image backup: ${error}`);
    return { error };
  }
}

export function copyStatus(d: RunnerDeps, now: number, lastError: string | null): CopyStatus {
  const counts = d.images.countCopies();
  const oldest = d.images.oldestPendingCopy();
  return { pending: counts.pending, failed: counts.failed, lagMs: oldest ? Math.max(0, now - oldest.finishedAt) : 0, lastError };
}
