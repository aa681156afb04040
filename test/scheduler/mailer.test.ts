/**
 * The job mailer (issue 11 section 5): a real SMTP server (smtp-server) on a free
 * loopback port receives the mail, with the subject, the body's facts and UTC times;
 * without SMTP the mail is a parseable .eml in the outbox (0600); an unreachable
 * server or a refused login gives ok:false quickly, and the password never shows.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { JobMail, MailSettings } from '../../src/scheduler/contract';
import { createJobMailer, outboxName } from '../../src/scheduler/notify/mailer';
import { captureLogger } from '../helpers/vasa-server';

const JOB: JobMail = {
  jobId: 'run-42',
  type: 'backup',
  status: 'Success',
  planName: 'daily-web',
  vms: ['web01', 'web02'],
  startedAt: Date.UTC(2026, 2, 29, 1, 5, 0),
  finishedAt: Date.UTC(2026, 2, 29, 1, 17, 30),
  message: 'Backed up 2 VMs from one consistency point.',
};

interface Received {
  from: string;
  to: string[];
  user?: string;
  raw: string;
}

/** An .eml / DATA text split into unfolded headers (lower-case names) and the decoded body. */
function parseMail(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  expect(at).toBeGreaterThan(0);
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, at).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.slice(at + 4);
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    body = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

async function smtpServer(o: { user?: string; password?: string } = {}): Promise<{ port: number; mails: Received[]; close(): Promise<void> }> {
  const mails: Received[] = [];
  const server = new SMTPServer({
    disabledCommands: o.user ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !o.user,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === o.user && auth.password === o.password) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as net.AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A loopback port nobody listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailer-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const settings = (smtp?: MailSettings['smtp']): MailSettings => ({ smtp, from: 'vvol-provider@example.test', to: ['ops@example.test', 'backup@example.test'] });

test('SMTP: the local server receives one mail with the subject, the job facts and UTC times', async () => {
  const server = await smtpServer();
  try {
    const mailer = createJobMailer(settings({ host: '127.0.0.1', port: server.port, secure: false }), path.join(dir, 'outbox'));
    const r = await mailer.send(JOB);
    expect(r).toEqual({ ok: true, where: expect.stringContaining(`smtp://127.0.0.1:${server.port}`) });
    expect(server.mails).toHaveLength(1);
    const [m] = server.mails;
    expect(m.from).toBe('vvol-provider@example.test');
    expect(m.to).toEqual(['ops@example.test', 'backup@example.test']);
    const { headers, body } = parseMail(m.raw);
    expect(headers.subject).toBe('[vvol-provider] backup Success: plan daily-web (2 VMs)');
    expect(new Date(headers.date).getTime()).toBe(JOB.finishedAt);
    expect(body).toContain('Job:       run-42');
    expect(body).toContain('Type:      backup');
    expect(body).toContain('Status:    Success');
    expect(body).toContain('Plan:      daily-web');
    expect(body).toContain('VMs:       web01, web02');
    expect(body).toContain('Started:   2026-03-29T01:05:00.000Z');
    expect(body).toContain('Finished:  2026-03-29T01:17:30.000Z');
    expect(body).toContain('Duration:  12 min 30 s');
    expect(body).toContain('Message:   Backed up 2 VMs from one consistency point.');
    // Nothing went to the outbox.
    expect(fs.existsSync(path.join(dir, 'outbox'))).toBe(false);
  } finally {
    await server.close();
  }
});

test('SMTP with a login: the account is used, and neither the log nor a refusal shows the password', async () => {
  const password = 'Sm7p-Pa55word!';
  const server = await smtpServer({ user: 'mailer', password });
  const { log, lines } = captureLogger();
  try {
    const good = createJobMailer(settings({ host: '127.0.0.1', port: server.port, secure: false, user: 'mailer', password }), dir, { log });
    expect((await good.send({ ...JOB, status: 'Failed', message: 'VM web02 no longer exists.' })).ok).toBe(true);
    expect(server.mails[0].user).toBe('mailer');
    expect(parseMail(server.mails[0].raw).headers.subject).toBe('[vvol-provider] backup Failed: plan daily-web (2 VMs)');

    const wrongPassword = `${password}-old`;
    const bad = createJobMailer(settings({ host: '127.0.0.1', port: server.port, secure: false, user: 'mailer', password: wrongPassword }), dir, { log });
    const r = await bad.send(JOB);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).not.toContain(wrongPassword);
    expect(server.mails).toHaveLength(1);
    const logged = lines.map((l) => l.message).join('\n');
    expect(logged).toContain('run-42');
    expect(logged).not.toContain(password);
    expect(logged).not.toContain(Buffer.from(`\u0000mailer\u0000${password}`).toString('base64'));
  } finally {
    await server.close();
  }
});

test('outbox: without SMTP the mail is a parseable .eml file (CRLF, 0600) named by finish time and job', async () => {
  const outbox = path.join(dir, 'outbox');
  const mailer = createJobMailer(settings(), outbox);
  const restore: JobMail = { ...JOB, jobId: 'restore-7', type: 'restore', planName: null, vms: ['web01'], message: null };
  const r = await mailer.send(restore);
  const file = path.join(outbox, '20260329T011730Z-restore-7.eml');
  expect(r).toEqual({ ok: true, where: file });
  expect(outboxName(restore)).toBe('20260329T011730Z-restore-7.eml');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(outbox)).toEqual(['20260329T011730Z-restore-7.eml']);
  const raw = fs.readFileSync(file, 'utf8');
  expect(raw).not.toMatch(/[^\r]\n/);
  const { headers, body } = parseMail(raw);
  expect(headers.from).toBe('vvol-provider@example.test');
  expect(headers.to).toBe('ops@example.test, backup@example.test');
  expect(headers.subject).toBe('[vvol-provider] restore Success: VM web01');
  expect(headers['message-id']).toBe(`<restore-7.${JOB.finishedAt}@vvol-provider>`);
  expect(headers['content-type']).toMatch(/^text\/plain/);
  expect(body).toContain('Plan:      (none: immediate)');
  expect(body).toContain('Finished:  2026-03-29T01:17:30.000Z');
});

test('a hostile plan name cannot add mail headers', async () => {
  const mailer = createJobMailer(settings(), dir);
  const r = await mailer.send({ ...JOB, planName: 'x\r\nBcc: victim@example.test' });
  expect(r.ok).toBe(true);
  const { headers } = parseMail(fs.readFileSync((r as { where: string }).where, 'utf8'));
  expect(headers.bcc).toBeUndefined();
  expect(headers.subject).toBe('[vvol-provider] backup Success: plan x Bcc: victim@example.test (2 VMs)');
});

test('an unreachable SMTP server gives ok:false quickly; so does SMTP without recipients (the outbox keeps it); nothing throws', async () => {
  const port = await closedPort();
  const mailer = createJobMailer(settings({ host: '127.0.0.1', port, secure: false }), dir, { connectTimeoutMs: 1000, socketTimeoutMs: 1000 });
  const started = Date.now();
  const r = await mailer.send(JOB);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error).toMatch(/ECONNREFUSED|connect/i);

  const none = await createJobMailer({ smtp: { host: '127.0.0.1', port, secure: false }, from: 'a@example.test', to: [] }, dir).send(JOB);
  expect(none).toEqual({ ok: false, error: 'mail.to: no recipient is configured.' });
  // The outbox keeps the notice without recipients (the default settings name none).
  const kept = await createJobMailer({ from: 'a@example.test', to: [] }, path.join(dir, 'outbox')).send(JOB);
  expect(kept).toEqual({ ok: true, where: path.join(dir, 'outbox', outboxName(JOB)) });
  expect(parseMail(fs.readFileSync(path.join(dir, 'outbox', outboxName(JOB)), 'utf8')).headers.to).toBeUndefined();

  // An outbox that cannot be made (a file is in the way) is a result too, not an exception.
  const blocked = path.join(dir, 'blocked');
  fs.writeFileSync(blocked, '');
  const r2 = await createJobMailer(settings(), path.join(blocked, 'outbox')).send(JOB);
  expect(r2.ok).toBe(false);
});
