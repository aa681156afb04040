/**
 * The job history (seed 001, "Displaying the History of Backup and Restore"): every job,
 * backup runs and restores, in the order of its start, newest first, with its type,
 * status (Success / Failed / Skipped / Cancelled; Running while in flight), duration and
 * VMs; the views "last 7 days" and "all". A slot recorded as missed shows as Skipped,
 * with the reason in its message.
 */
import type { RestoreRow } from '../store/image-backup/images';
import type { RunRow, RunRowState } from '../store/image-backup/runs';
import type { HistoryEntry, JobMail, JobStatus } from './contract';
import { DAY_MS } from './limits';
import { backupJobId, restoreJobId, RunnerDeps } from './run-state';

/** Jobs one history answer holds at most (the newest). */
export const HISTORY_LIMIT = 10_000;

export const RUN_STATUS: Record<RunRowState, JobStatus> = {
  queued: 'Running', snapshotting: 'Running', archiving: 'Running', completed: 'Success', failed: 'Failed', cancelled: 'Cancelled', skipped: 'Skipped', missed: 'Skipped',
};

const RESTORE_STATUS: Record<RestoreRow['state'], JobStatus> = { running: 'Running', completed: 'Success', failed: 'Failed' };

/** When a run counts as started: its start, or (never started) its slot, or when it was recorded. */
export const runStart = (r: RunRow): number => r.startedAt ?? r.slotStart ?? r.createdAt;

export function runEntry(r: RunRow, vms: string[]): HistoryEntry {
  const startedAt = runStart(r);
  return {
    jobId: backupJobId(r.id), type: 'backup', planName: r.planName, startedAt, finishedAt: r.finishedAt,
    durationMs: r.finishedAt === null ? null : Math.max(0, r.finishedAt - startedAt), status: RUN_STATUS[r.state], vms, message: r.message,
  };
}

export function restoreEntry(r: RestoreRow): HistoryEntry {
  return {
    jobId: restoreJobId(r.id), type: 'restore', planName: null, startedAt: r.startedAt, finishedAt: r.finishedAt,
    durationMs: r.finishedAt === null ? null : r.finishedAt - r.startedAt, status: RESTORE_STATUS[r.state], vms: [r.vmName], message: r.message,
  };
}

export function history(d: RunnerDeps, days: 7 | 'all' = 7): HistoryEntry[] {
  if (days !== 7 && days !== 'all') throw new RangeError('history: days is 7 or "all"');
  const since = days === 'all' ? Number.MIN_SAFE_INTEGER : d.clock.now() - 7 * DAY_MS;
  return d.store.read(() => {
    const runs = d.runs.since(since, HISTORY_LIMIT);
    const vms = d.runs.vmsOf(runs.map((r) => r.id));
    const entries = [
      ...runs.map((r) => runEntry(r, (vms.get(r.id) ?? []).sort((a, b) => (a.order || Infinity) - (b.order || Infinity) || (a.vmName < b.vmName ? -1 : 1)).map((v) => v.vmName))),
      ...d.images.restoresSince(since, HISTORY_LIMIT).map(restoreEntry),
    ];
    return entries.sort((a, b) => b.startedAt - a.startedAt || (a.jobId < b.jobId ? 1 : -1)).slice(0, HISTORY_LIMIT);
  });
}

/** The mail of a finished job (contract JobMail), from its history entry. */
export function mailOf(e: HistoryEntry, finishedAt: number): JobMail {
  return { jobId: e.jobId, type: e.type, status: e.status, planName: e.planName, vms: e.vms, startedAt: e.startedAt, finishedAt: e.finishedAt ?? finishedAt, message: e.message };
}
