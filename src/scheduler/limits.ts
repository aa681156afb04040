/**
 * The seed's count limit on backups (agent-backup-service-ja: "即時バックアップは、対象サーバー毎に
 * 24時間で最大5回まで実施できます。(スケジュールのバックアップ実行回数を含む)"): at most five
 * backups of a VM in any 24 hours, scheduled ones counted; an immediate backup beyond
 * them is refused with the time the next one is allowed. The counters are rows in the
 * store (image_backup_starts), written with the consistency point that starts a backup.
 */
import type { RunTable } from '../store/image-backup/runs';
import { SchedulerError } from './contract';

export const BACKUPS_PER_DAY = 5;
export const DAY_MS = 24 * 3600 * 1000;

/** ISO 8601 in UTC, as every time the scheduler prints. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** When the VM may next be backed up at once: now, or when the oldest of its last five backups leaves the window. */
export function nextImmediateAt(runs: RunTable, vmId: string, now: number): number {
  const starts = runs.startsSince(vmId, now - DAY_MS + 1);
  if (starts.length < BACKUPS_PER_DAY) return now;
  return starts[starts.length - BACKUPS_PER_DAY] + DAY_MS;
}

/** Throws LIMIT when the VM has had five backups in the last 24 hours. */
export function checkImmediateAllowed(runs: RunTable, vm: { id: string; name: string }, now: number): void {
  const next = nextImmediateAt(runs, vm.id, now);
  if (next <= now) return;
  throw new SchedulerError(
    'LIMIT',
    `VM ${vm.name} has been backed up ${BACKUPS_PER_DAY} times in the last 24 hours (scheduled backups included), the most allowed; the next immediate backup is allowed at ${iso(next)}.`,
    'vmName',
    { vmName: vm.name, limit: BACKUPS_PER_DAY, nextAllowedAt: iso(next), nextAllowedAtMs: next },
  );
}
