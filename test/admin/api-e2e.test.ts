/**
 * Issue 11's "done when", through the faces over the real service (ImageBackupService
 * on the demo array with a ManualClock, test/scheduler/setup.ts): a daily plan for two
 * VMs made through the API and one through the CLI (the same refusals, word for word,
 * on both), the clock moved through the slot, the run in history with one backup time
 * for both VMs, a VM restored and its data read back, the CSV report, an immediate
 * backup with progress from the CLI, the 5-per-24-hours refusal (429, Retry-After),
 * and the mails on a real local SMTP server. Every API answer is checked against the
 * OpenAPI document.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import express from 'express';
import { SMTPServer } from 'smtp-server';
import { adminApi, openApiDocument } from '../../src/admin/api';
import { registerImageCommands } from '../../src/admin/image-commands';
import { registerScheduleCommands } from '../../src/admin/schedule-commands';
import type { SchedulerOpener } from '../../src/admin/scheduler-cli';
import { ImageStore } from '../../src/scheduler/image-store';
import { createJobMailer } from '../../src/scheduler/notify/mailer';
import { runCli } from '../support/run-cli';
import { bed, type Bed, chunksOf, HOUR, imageChunks, T0 } from '../scheduler/setup';
import { answerChecker, type Doc } from './openapi-check';

const AUTH = `Basic ${Buffer.from('admin:pw').toString('base64')}`;
const check = answerChecker(openApiDocument() as Doc);

let b: Bed;
let server: http.Server;
let base: string;
let smtp: SMTPServer;
let smtpPort: number;
const mails: string[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true, logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => { mails.push(Buffer.concat(chunks).toString('utf8')); cb(); });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await new Promise<void>((r) => smtp.close(() => r()));
  b?.f.close();
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Calls the API and checks the answer against the document (`documented`: the path as the document writes it). */
async function call(method: string, p: string, documented: string, body?: unknown): Promise<Answer> {
  const r = await fetch(`${base}${p}`, { method, headers: { Authorization: AUTH, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  expect(check(documented, method.toLowerCase(), { status: r.status, contentType: r.headers.get('content-type'), text, json })).toEqual([]);
  return { status: r.status, headers: r.headers, text, json };
}

/** The CLI over the same service; waiting advances the simulated clock a second per poll. */
const opener: SchedulerOpener = () => ({ api: b.svc, tick: () => b.run(1000, 1000), sleep: async () => undefined, close: () => undefined });
const cli = (args: string[]) => runCli((program: Command) => {
  registerScheduleCommands(program, opener);
  registerImageCommands(program, opener);
}, args);

test('a daily plan for two VMs through the API and the CLI, a run with one backup time, restore, report, immediate backups and mails', async () => {
  const outbox = path.join(os.tmpdir(), `e2e-outbox-${process.pid}`);
  b = bed({
    settings: { mail: { smtp: { host: '127.0.0.1', port: smtpPort, secure: false }, from: 'vvol-provider@example.test', to: ['ops@example.test'] } },
    service: { mailer: (m) => createJobMailer(m, outbox, { connectTimeoutMs: 2000 }) },
  });
  const web = b.vm('web01');
  const db = b.vm('db01', { disks: [1, 2] });
  const app = express();
  app.use('/api/v1', adminApi({
    scheduler: () => b.svc,
    verify: async (_r, user, password) => { if (user !== 'admin' || password !== 'pw') throw new Error('wrong'); },
  }));
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/v1`;

  // ---- plans, through both faces; the service's refusals read the same on both
  const nightly = { name: 'nightly', vms: ['web01', 'db01'], schedule: { type: 'daily', startDate: '2026-01-01', slotHour: 3 }, timeZone: 'UTC', retentionDays: 7 };
  const late = await call('POST', '/plans', '/plans', { ...nightly, schedule: { ...nightly.schedule, startMinute: 57 } });
  expect(late.status).toBe(400);
  expect(late.json.field).toBe('schedule.startMinute');
  const lateCli = await cli(['schedule', 'create', '--name', 'nightly', '--vm', 'web01', 'db01', '--start-date', '2026-01-01', '--slot', '3', '--minute', '57', '--tz', 'UTC', '--retention', '7']);
  expect([lateCli.code, lateCli.err]).toEqual([2, `ERROR: ${late.json.error} (--minute)\n`]);
  const ghost = await call('POST', '/plans', '/plans', { ...nightly, vms: ['web01', 'ghost'] });
  const ghostCli = await cli(['schedule', 'create', '--json', '--name', 'nightly', '--vm', 'web01', 'ghost', '--start-date', '2026-01-01', '--slot', '3', '--tz', 'UTC', '--retention', '7']);
  expect(ghost.status).toBeGreaterThanOrEqual(400);
  expect(JSON.parse(ghostCli.err).error).toMatchObject({ message: ghost.json.error, code: ghost.json.code });

  const created = await call('POST', '/plans', '/plans', nightly);
  expect(created.status).toBe(201);
  expect(created.json).toMatchObject({ name: 'nightly', vms: ['web01', 'db01'], enabled: true, nextRunAt: T0 + 3 * HOUR });
  const weekly = await cli(['schedule', 'create', '--json', '--name', 'weekly-db', '--vm', 'db01', '--type', 'weekly', '--weekday', 'sat', '--start-date', '2026-01-01', '--slot', '5', '--tz', 'Europe/Berlin', '--retention', '30']);
  expect(weekly.code).toBe(0);
  expect((await call('GET', '/plans', '/plans')).json.map((p: { name: string }) => p.name).sort()).toEqual(['nightly', 'weekly-db']);
  expect((await call('GET', `/plans/${created.json.id}`, '/plans/{id}')).json.name).toBe('nightly');

  // ---- the clock moves through the slot: one run, one backup time for both VMs
  b.run(4 * HOUR, 60_000);
  const runs = await call('GET', `/runs?planId=${created.json.id}`, '/runs');
  expect(runs.json).toHaveLength(1);
  const [run] = runs.json;
  expect(run).toMatchObject({ state: 'completed', planName: 'nightly', progress: { percent: 100, vmsDone: 2, vmsTotal: 2 } });
  expect(run.vms.map((v: { snapshotAt: number }) => v.snapshotAt)).toEqual([run.backupTime, run.backupTime]);
  expect((await call('GET', `/runs/${run.id}`, '/runs/{id}')).json.id).toBe(run.id);
  const history = await call('GET', '/history', '/history');
  expect(history.json).toEqual([expect.objectContaining({ type: 'backup', status: 'Success', planName: 'nightly', vms: expect.arrayContaining(['web01', 'db01']) })]);
  const images = await call('GET', '/images', '/images');
  expect(images.json.map((i: { vmName: string; backupTime: number }) => [i.vmName, i.backupTime]).sort()).toEqual([['db01', run.backupTime], ['web01', run.backupTime]]);

  // ---- restore web01 through the API, db01 through the CLI; the data reads back as the image
  const webImage = images.json.find((i: { vmName: string }) => i.vmName === 'web01');
  const dbImage = images.json.find((i: { vmName: string }) => i.vmName === 'db01');
  expect((await call('POST', `/images/${webImage.id}/verify`, '/images/{id}/verify')).json).toEqual({ imageId: webImage.id, ok: true, problems: [] });
  b.f.engine.write(web.disks[0], 0, ['overwritten-after-the-backup']);
  b.f.engine.write(db.disks[1], 3, ['also-overwritten']);
  const restored = await call('POST', `/images/${webImage.id}/restore`, '/images/{id}/restore');
  expect(restored.json).toMatchObject({ vmName: 'web01', source: 'local' });
  const store = ImageStore.open(b.storeDir);
  expect(chunksOf(b.f, web.disks[0])).toEqual(imageChunks(store, webImage.id, 'web01.vmdk'));
  expect(chunksOf(b.f, web.disks[0])[0]).toBe('web01-d0-c0');
  const dbRestore = await cli(['image', 'restore', dbImage.id]);
  expect(dbRestore.code).toBe(0);
  expect(dbRestore.out).toMatch(/^Restore restore-\d+: VM db01 from the local store: Success; the VM is left powered off\.$/m);
  expect(chunksOf(b.f, db.disks[1])).toEqual(imageChunks(store, dbImage.id, 'db01_1.vmdk'));

  // ---- the report
  const csv = await call('GET', '/report.csv', '/report.csv');
  expect(csv.status).toBe(200);
  const lines = csv.text.split('\r\n').filter(Boolean);
  expect(lines[0]).toBe('job,plan,vm,start,end,status,bytes_read,bytes_stored');
  expect(lines.slice(1).map((l) => l.split(',').slice(1, 3).join(',')).sort()).toEqual(['nightly,db01', 'nightly,web01']);

  // ---- an immediate backup from the CLI, waited for with progress; then the 5-per-24-hours rule over the API
  const now = await cli(['image', 'backup', 'web01', '--wait']);
  expect(now.code).toBe(0);
  expect(now.err.split('\n').filter(Boolean).at(-1)).toMatch(/^run \d+ completed: 100% \(\d+\/\d+ chunks\), 1\/1 VMs done$/);
  expect(now.out).toMatch(/^State\s+: completed$/m);
  // The array deletes the released snapshots in the background: a backup right then would be refused by it.
  b.settle();
  for (let i = 0; i < 3; i++) {
    const r = await call('POST', '/backups', '/backups', { vm: 'web01' });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`/api/v1/runs/${r.json.id}`);
    b.settle();
    expect((await call('GET', `/runs/${r.json.id}`, '/runs/{id}')).json.state).toBe('completed');
  }
  const sixth = await call('POST', '/backups', '/backups', { vm: 'web01' });
  expect(sixth.status).toBe(429);
  expect(sixth.json).toMatchObject({ code: 'LIMIT', field: 'vm' });
  expect(sixth.headers.get('retry-after')).toBe(new Date(sixth.json.details.nextAllowedAtMs).toUTCString());
  const sixthCli = await cli(['image', 'backup', 'web01']);
  expect([sixthCli.code, sixthCli.err]).toEqual([7, `ERROR: ${sixth.json.error}\n`]);

  // ---- the mails, on the local SMTP server
  b.run(2000, 1000);
  await b.svc.settleMail();
  const subjects = mails.map((m) => /^Subject: (.*)$/m.exec(m)?.[1]);
  expect(subjects).toContain('[vvol-provider] backup Success: plan nightly (2 VMs)');
  expect(subjects).toContain('[vvol-provider] restore Success: VM web01');
  expect(subjects.filter((s) => s === '[vvol-provider] backup Success: VM web01')).toHaveLength(4);
  const nightlyMail = mails.find((m) => m.includes('plan nightly (2 VMs)')) as string;
  expect(nightlyMail).toContain(`Started:   ${new Date(run.startedAt).toISOString()}`);
  expect(fs.existsSync(outbox)).toBe(false);
});
