/**
 * The backup report (seed 002: "レポート情報は、外部ファイルに出力できます。(CSV形式) 表示対象の
 * 期間はバックアップを実行した直近14日分、2000件が最大"): one row per VM of each backup run
 * of the last 14 days, newest run first, at most 2,000 rows: job, plan, VM, start, end
 * (UTC, ISO 8601), status, bytes read, bytes stored. RFC 4180: a header row, CRLF line
 * ends, a field quoted (its quotes doubled) when it holds a comma, a quote or a line break.
 */
import type { RunVmRow, RunVmRowState } from '../store/image-backup/runs';
import type { JobStatus } from './contract';
import { DAY_MS, iso } from './limits';
import { backupJobId, RunnerDeps } from './run-state';
import { RUN_STATUS, runStart } from './history';

export const REPORT_DAYS = 14;
export const REPORT_MAX_ROWS = 2000;
export const REPORT_HEADER = ['job', 'plan', 'vm', 'start', 'end', 'status', 'bytes_read', 'bytes_stored'] as const;

const VM_STATUS: Record<RunVmRowState, JobStatus> = {
  waiting: 'Running', snapshotted: 'Running', archiving: 'Running', completed: 'Success', failed: 'Failed', cancelled: 'Cancelled', skipped: 'Skipped',
};

/** One CSV field as RFC 4180 writes it. */
export function csvField(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (fields: readonly (string | number | null)[]): string => `${fields.map(csvField).join(',')}\r\n`;

export function reportCsv(d: RunnerDeps): string {
  const since = d.clock.now() - REPORT_DAYS * DAY_MS;
  const rows = d.store.read(() => d.runs.vmsSince(since, REPORT_MAX_ROWS));
  let out = csvLine(REPORT_HEADER);
  for (const v of rows) out += csvLine(rowOf(v));
  return out;
}

function rowOf(v: RunVmRow & { run: Parameters<typeof runStart>[0] }): (string | number | null)[] {
  // A VM's backup starts at the consistency point (its snapshot), however long it then waits for a reader.
  const start = v.snapshotAt ?? runStart(v.run);
  const end = v.finishedAt ?? null;
  // A VM of a run that never started (missed, skipped) has the run's status.
  const status = v.run.state === 'missed' || v.run.state === 'skipped' ? RUN_STATUS[v.run.state] : VM_STATUS[v.state];
  return [backupJobId(v.runId), v.run.planName ?? '(immediate)', v.vmName, iso(start), end === null ? '' : iso(end), status, v.bytesRead, v.bytesStored];
}
