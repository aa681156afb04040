/**
 * Text displays of the image-backup scheduler for the `schedule` and `image` groups:
 * tables of plans, runs, images and jobs, detail lines, and the progress line of a run
 * being waited for. Times print in UTC (ISO form, marked Z); a plan's slot prints in
 * its own time zone, as it was given.
 */
import type { HistoryEntry, Image, Plan, RestoreResult, Run, ScheduleInput, VerifyResult } from '../scheduler/contract';
import { runProgress } from './api/progress';
import { autoTable, kv, thousands } from './text';

/** `2026-01-06T01:10:00Z`, or `-`. */
export const utc = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

const ORDINALS: Record<string, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth', last: 'last' };
const two = (n: number) => String(n).padStart(2, '0');

/** "daily at 02:10 from 2026-01-06", "monthly on the third mon at 02:00 from ...". */
export function scheduleText(s: ScheduleInput): string {
  const at = `at ${two(s.slotHour)}:${two(s.startMinute ?? 0)}`;
  switch (s.type) {
    case 'once': return `once on ${s.startDate} ${at}`;
    case 'daily': return `daily ${at} from ${s.startDate}`;
    case 'weekly': return `weekly on ${s.weekday ?? '?'} ${at} from ${s.startDate}`;
    default: {
      const day = s.ordinal !== undefined ? `the ${ORDINALS[String(s.ordinal)] ?? s.ordinal} ${s.weekday ?? '?'}` : `day ${s.monthDay ?? '?'}`;
      return `monthly on ${day} ${at} from ${s.startDate}`;
    }
  }
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

function duration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m` : s >= 60 ? `${Math.floor(s / 60)}m${two(s % 60)}s` : `${s}s`;
}

export function planList(plans: Plan[]): string[] {
  if (!plans.length) return ['No plan.'];
  return autoTable(
    ['ID', 'Name', 'Enabled', 'Schedule', 'Time zone', 'VMs', 'Retention', 'Next run (UTC)'],
    plans.map((p) => [String(p.id), p.name, p.enabled ? 'yes' : 'no', scheduleText(p.schedule), p.timeZone, p.vms.join(','), `${p.retentionDays} days`, utc(p.nextRunAt)]),
  );
}

export function planDetail(p: Plan): string[] {
  const lines = [
    kv('ID', p.id),
    kv('Name', p.name),
    kv('Enabled', p.enabled ? 'yes' : 'no (nothing starts)'),
    kv('VMs', p.vms.join(', ')),
    kv('Schedule', scheduleText(p.schedule)),
    kv('Time zone', p.timeZone),
    kv('Retention', `${p.retentionDays} days`),
    kv('Next run (UTC)', utc(p.nextRunAt)),
    kv('Made from plan', p.derivedFrom ?? '-'),
    kv('Created (UTC)', utc(p.createdAt)),
    kv('Changed (UTC)', utc(p.updatedAt)),
  ];
  if (p.monthsWithoutRun.length) lines.push(kv('No backup in', `${p.monthsWithoutRun.join(', ')} (the monthly rule names no day in these months)`));
  return lines;
}

/** "run 12 (plan daily-web) archiving: 25% (2/8 chunks), 0/2 VMs done". */
export function progressLine(r: Run): string {
  const p = runProgress(r);
  const what = `run ${r.id}${r.planName ? ` (plan ${r.planName})` : ''} ${r.state}`;
  const tail = r.message && ['failed', 'cancelled', 'skipped', 'missed'].includes(r.state) ? `: ${r.message}` : '';
  return `${what}: ${p.percent}% (${p.chunksDone}/${p.chunksTotal} chunks), ${p.vmsDone}/${p.vmsTotal} VMs done${tail}`;
}

export function runList(runs: Run[]): string[] {
  if (!runs.length) return ['No run.'];
  return autoTable(
    ['ID', 'Plan', 'Kind', 'State', 'Progress', 'VMs', 'Backup time (UTC)', 'Finished (UTC)'],
    runs.map((r) => [String(r.id), r.planName ?? '-', r.kind, r.state, `${runProgress(r).percent}%`, r.vms.map((v) => v.vmName).join(','), utc(r.backupTime), utc(r.finishedAt)]),
  );
}

export function runDetail(r: Run): string[] {
  const p = runProgress(r);
  return [
    kv('Run', r.id),
    kv('Plan', r.planName ?? '- (immediate)'),
    kv('Kind', r.kind),
    kv('State', r.state),
    kv('Progress', `${p.percent}% (${thousands(p.chunksDone)}/${thousands(p.chunksTotal)} chunks, ${p.vmsDone}/${p.vmsTotal} VMs done)`),
    kv('Slot (UTC)', utc(r.slotStart)),
    kv('Backup time (UTC)', utc(r.backupTime)),
    kv('Started (UTC)', utc(r.startedAt)),
    kv('Finished (UTC)', utc(r.finishedAt)),
    ...(r.message ? [kv('Message', r.message)] : []),
    '',
    ...autoTable(
      ['Order', 'VM', 'State', 'I/O load', 'Chunks', 'Snapshot held', 'Read', 'Stored', 'Image', 'Message'],
      [...r.vms].sort((a, b) => a.order - b.order).map((v) => [
        String(v.order), v.vmName, v.state, String(v.ioLoad), `${v.chunksDone}/${v.chunksTotal}`, v.snapshotHeldMs === null ? '-' : duration(v.snapshotHeldMs),
        bytes(v.bytesRead), bytes(v.bytesStored), v.imageId ?? '-', v.message ?? '',
      ]),
    ),
  ];
}

export function imageList(images: Image[]): string[] {
  if (!images.length) return ['No image.'];
  return autoTable(
    ['ID', 'VM', 'Run', 'Backup time (UTC)', 'Expires (UTC)', 'Read', 'Stored', 'Local', 'Second store'],
    images.map((i) => [i.id, i.vmName, String(i.runId), utc(i.backupTime), utc(i.expiresAt), bytes(i.bytesRead), bytes(i.bytesStored), i.local, i.secondary]),
  );
}

export function imageDetail(i: Image): string[] {
  return [
    kv('Image', i.id),
    kv('VM', `${i.vmName} (${i.vmId})`),
    kv('Run', i.runId),
    kv('Plan', i.planId ?? '- (immediate)'),
    kv('Backup time (UTC)', utc(i.backupTime)),
    kv('Written (UTC)', `${utc(i.startedAt)} to ${utc(i.finishedAt)}`),
    kv('Expires (UTC)', utc(i.expiresAt)),
    kv('Read / stored', `${bytes(i.bytesRead)} / ${bytes(i.bytesStored)}`),
    kv('Local copy', i.local),
    kv('Second store', i.secondary),
    '',
    ...autoTable(['Disk', 'Role', 'Capacity', 'Chunks', 'Policy'], i.disks.map((d) => [d.name, d.role, bytes(d.capacityBytes), String(d.chunks), d.policy ?? '-'])),
  ];
}

export function historyList(jobs: HistoryEntry[]): string[] {
  if (!jobs.length) return ['No job.'];
  return autoTable(
    ['Job', 'Type', 'Status', 'Plan', 'VMs', 'Started (UTC)', 'Duration', 'Message'],
    jobs.map((j) => [j.jobId, j.type, j.status, j.planName ?? '-', j.vms.join(','), utc(j.startedAt), duration(j.durationMs), j.message ?? '']),
  );
}

export function verifyLines(v: VerifyResult): string[] {
  return v.ok ? [`Image ${v.imageId}: verified, every chunk and the manifest match their hashes.`] : [`Image ${v.imageId}: ${v.problems.length} problem(s) found:`, ...v.problems.map((p) => `  ${p}`)];
}

export function restoreLines(r: RestoreResult, status?: string): string[] {
  return [
    `Restore ${r.jobId}: VM ${r.vmName} from the ${r.source === 'local' ? 'local' : 'second'} store${status ? `: ${status}` : ''}; the VM is left powered off.`,
    ...r.disks.map((d) => `  ${d.name}: ${d.chunks} chunks`),
  ];
}
