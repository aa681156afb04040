/**
 * The text of a job mail: subject and plain-text body, times in UTC ISO form (the
 * mail's reader may sit in any time zone; the plan's zone is in the plan). Pure
 * functions, so the mailer's transports and the tests share one wording.
 */
import type { JobMail } from '../contract';

/** Header values are one line: control characters (CR, LF, ...) become spaces. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "[vvol-provider] backup Success: plan daily-web (2 VMs)"; without a plan: "... restore Failed: VM web01". */
export function jobSubject(job: JobMail): string {
  const what = job.planName !== null
    ? `plan ${job.planName} (${plural(job.vms.length, 'VM')})`
    : job.vms.length === 1 ? `VM ${job.vms[0]}` : plural(job.vms.length, 'VM');
  return oneLine(`[vvol-provider] ${job.type} ${job.status}: ${what}`);
}

export const utc = (ms: number): string => new Date(ms).toISOString();

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min ${s % 60} s` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

/** The body: one `Key: value` line per fact, then a closing note. Lines stay short and ASCII where the names are. */
export function jobBody(job: JobMail): string {
  const line = (k: string, v: string) => `${`${k}:`.padEnd(11)}${v}`;
  return [
    line('Job', job.jobId),
    line('Type', job.type),
    line('Status', job.status),
    line('Plan', job.planName ?? '(none: immediate)'),
    line('VMs', job.vms.length ? job.vms.join(', ') : '(none)'),
    line('Started', utc(job.startedAt)),
    line('Finished', utc(job.finishedAt)),
    line('Duration', duration(job.finishedAt - job.startedAt)),
    line('Message', job.message ?? '-'),
    '',
    'Times are UTC. Sent by the vvol-provider image-backup scheduler.',
    '',
  ].join('\n');
}
