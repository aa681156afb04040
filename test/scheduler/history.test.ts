/**
 * History, report and mail (issue 11, section 5): every job (backup runs, restores) with
 * start, type, status, duration and VMs, newest first, in the views "last 7 days" and
 * "all"; the CSV report of the last 14 days (RFC 4180, at most 2,000 rows, per VM: plan,
 * start, end, status, bytes read, bytes stored); one mail per finished job, a failed
 * mail recorded in status and never failing the job.
 */
import { RunTable } from '../../src/store/image-backup/runs';
import { csvField, REPORT_HEADER } from '../../src/scheduler/report';
import { bed, Bed, DAY, HOUR, T0 } from './setup';

let b: Bed;
afterEach(() => {
  expect(b.f.engine.checkInvariants()).toEqual([]);
  b.f.close();
});

/** Parses RFC 4180 text (CRLF rows, quoted fields with doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length) throw new Error('the CSV does not end with CRLF');
  return rows;
}

test('history: backups and restores with start, type, status, duration and VMs, newest first; 7 days and all', () => {
  b = bed();
  b.vm('web01');
  b.vm('db01');
  const gone = b.vm('gone01');
  b.plan({ name: 'nightly', vms: ['web01', 'db01'] });
  b.run(3 * HOUR + 60_000, 60_000);
  b.settle();
  const cancelled = b.svc.backupNow('gone01');
  b.svc.cancelRun(cancelled.id);
  b.run(60_000);
  const image = b.svc.listImages({ vmName: 'web01' })[0];
  const restore = b.svc.restore({ imageId: image.id });
  b.run(HOUR, 60_000);
  const h = b.svc.history();
  expect(h.map((e) => [e.type, e.status])).toEqual([['restore', 'Success'], ['backup', 'Cancelled'], ['backup', 'Success']]);
  const [r, c, nightly] = h;
  expect(r).toMatchObject({ jobId: restore.jobId, planName: null, vms: ['web01'], durationMs: 0 });
  expect(c).toMatchObject({ jobId: `backup-${cancelled.id}`, planName: null, vms: ['gone01'], message: expect.stringContaining('Cancelled at') });
  expect(nightly).toMatchObject({ planName: 'nightly', startedAt: T0 + 3 * HOUR, vms: expect.arrayContaining(['web01', 'db01']) });
  expect(nightly.durationMs).toBe((nightly.finishedAt as number) - nightly.startedAt);
  // The second day: a run with nothing to back up (its VM is gone) is Skipped.
  b.svc.updatePlan(1, { vms: ['gone01'] });
  for (const ld of [...gone.disks, gone.config]) b.f.engine.deleteVvol(ld.vvolId as string);
  b.run(DAY, 5 * 60_000);
  const day2 = b.svc.history()[0];
  expect(day2).toMatchObject({ type: 'backup', status: 'Skipped', planName: 'nightly', vms: ['gone01'], message: 'VM gone01 no longer exists; it was not backed up.' });
  expect(b.svc.history({ days: 'all' })).toHaveLength(4);
  // Eight days later the 7-day view is empty; "all" keeps everything.
  b.svc.setPlanEnabled(1, false);
  b.run(8 * DAY, HOUR);
  expect(b.svc.history()).toEqual([]);
  expect(b.svc.history({ days: 'all' }).map((e) => e.jobId)).toEqual([day2.jobId, ...h.map((e) => e.jobId)]);
});

test('a job in flight is Running with no end; missed slots are Skipped with the reason', () => {
  b = bed({ settings: { readerChunksPerSecond: 1 } });
  b.vm('web01', { written: 200 });
  b.plan({ name: 'nightly', vms: ['web01'] });
  b.run(3 * HOUR + 10_000, 10_000);
  expect(b.svc.history()[0]).toMatchObject({ status: 'Running', finishedAt: null, durationMs: null });
  b.settle();
  // The scheduler is down over the next slot: at restart it is recorded as missed.
  b.f.clock.set(T0 + DAY + 5 * HOUR);
  b.svc.tick();
  expect(b.svc.history()[0]).toMatchObject({ status: 'Skipped', message: expect.stringContaining('passed while the scheduler was not running') });
});

test('report: CSV of the last 14 days, per VM, RFC 4180 quoting, header row, at most 2,000 rows', () => {
  b = bed();
  b.vm('web01', { written: 3 });
  b.vm('db01', { written: 5 });
  const id = b.plan({ name: 'nightly, "gold"', vms: ['web01', 'db01'] });
  b.run(3 * HOUR + 60_000, 60_000);
  b.settle();
  const [run] = b.svc.listRuns({ planId: id });
  const csv = b.svc.reportCsv();
  expect(csv.startsWith('job,plan,vm,start,end,status,bytes_read,bytes_stored\r\n')).toBe(true);
  const rows = parseCsv(csv);
  expect(rows[0]).toEqual([...REPORT_HEADER]);
  expect(csv).toContain('"nightly, ""gold"""');
  const iso = (t: number | null) => new Date(t as number).toISOString();
  expect(rows.slice(1)).toEqual(run.vms.map((v) => [`backup-${run.id}`, 'nightly, "gold"', v.vmName, iso(v.snapshotAt), iso(v.snapshotReleasedAt), 'Success', String(v.bytesRead), String(v.bytesStored)]));
  expect(run.vms.every((v) => v.bytesRead > 0 && v.bytesStored > 0)).toBe(true);
  expect(csvField('a\r\nb')).toBe('"a\r\nb"');
  expect(csvField(null)).toBe('');
  // 15 days later the run is out of the report.
  b.svc.setPlanEnabled(id, false);
  b.f.clock.advance(15 * DAY);
  expect(b.svc.reportCsv()).toBe('job,plan,vm,start,end,status,bytes_read,bytes_stored\r\n');
});

test('report: at most 2,000 rows, the newest; older than 14 days left out', () => {
  b = bed();
  const runs = new RunTable(b.f.store);
  const now = b.f.clock.now() + 20 * DAY;
  b.f.clock.set(now);
  b.f.store.tx(() => {
    for (let i = 0; i < 1100; i++) {
      const at = now - 13 * DAY + i * 60_000;
      const r = runs.insert({ planId: 1, planName: 'bulk', kind: 'scheduled', slotKey: `1@${at}`, slotStart: at, slotEnd: at + HOUR, state: 'completed', retentionDays: 7, createdAt: at });
      runs.update(r?.id as number, { startedAt: at, finishedAt: at + 1000 });
      for (const vm of ['a', 'b']) runs.insertVm(r?.id as number, { vmName: `${vm}${i}`, state: 'completed', finishedAt: at + 1000 });
    }
    const old = now - 15 * DAY;
    const r = runs.insert({ planId: 1, planName: 'old', kind: 'scheduled', slotKey: `1@${old}`, slotStart: old, slotEnd: old + HOUR, state: 'completed', retentionDays: 7, createdAt: old });
    runs.insertVm(r?.id as number, { vmName: 'old', state: 'completed' });
  });
  const rows = parseCsv(b.svc.reportCsv());
  expect(rows).toHaveLength(2001);
  expect(rows[1][2]).toBe('a1099');
  expect(rows.some((r) => r[1] === 'old')).toBe(false);
  expect(rows[2000][2]).toBe('b100');
});

test('mail: one per finished job; a failing mailer is recorded in status and never fails the job', async () => {
  b = bed();
  b.vm('web01');
  const ok = b.svc.backupNow('web01');
  b.settle();
  await b.svc.settleMail();
  expect(b.mailer.sent).toEqual([expect.objectContaining({ jobId: `backup-${ok.id}`, type: 'backup', status: 'Success', vms: ['web01'], planName: null })]);
  expect(b.mailer.sent[0].finishedAt).toBe(b.svc.getRun(ok.id).finishedAt);
  // Ticks do not send it again.
  b.run(10_000);
  await b.svc.settleMail();
  expect(b.mailer.sent).toHaveLength(1);
  b.mailer.fail = true;
  b.run(HOUR, 60_000);
  const second = b.svc.backupNow('web01');
  b.settle();
  await b.svc.settleMail();
  expect(b.svc.getRun(second.id).state).toBe('completed');
  expect(b.svc.status().mail).toMatchObject({ sent: 1, failed: 1, lastFailure: { message: expect.stringContaining(`the mail of backup-${second.id} was not sent: the SMTP server refused the connection`) } });
  expect(b.svc.history()[0].status).toBe('Success');
});
