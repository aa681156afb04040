/**
 * The job mailer: one mail per finished job (backup or restore), sent over SMTP with
 * nodemailer when the settings name a server, otherwise written as an RFC 5322 .eml
 * file into the outbox folder (temp file + rename, mode 0600), so a provider without
 * a mail server still keeps every notice (with no recipient configured too). It never throws: a failure comes back as
 * `{ ok: false, error }` for the service's status. The SMTP password reaches only
 * nodemailer's auth; no message or log line built here can carry it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Mail from 'nodemailer/lib/mailer';
import type { JobMail, JobMailer, MailSettings } from '../contract';
import type { Logger } from '../../log/logger';
import { writeFileAtomicAsync } from '../../sys/atomic-file';
import { jobBody, jobSubject, oneLine } from './compose';

export interface MailerOptions {
  /** Connecting and the server's greeting must each take no longer, ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Silence on an open connection ends it, ms (default 30 s). */
  socketTimeoutMs?: number;
  log?: Logger;
}

type Result = Awaited<ReturnType<JobMailer['send']>>;

/** A file name for the job's mail: its finish time (sortable) and the job id, nothing else. */
export function outboxName(job: JobMail): string {
  const stamp = new Date(job.finishedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${job.jobId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}.eml`;
}

/** The message: fixed Date (the job's end, not the wall clock) and a Message-ID a resend repeats. */
function message(settings: MailSettings, job: JobMail): Mail.Options {
  return {
    from: settings.from,
    to: settings.to,
    subject: jobSubject(job),
    text: jobBody(job),
    date: new Date(job.finishedAt),
    messageId: `<${job.jobId.replace(/[^A-Za-z0-9._-]/g, '_')}.${job.finishedAt}@vvol-provider>`,
    headers: { 'X-VVol-Job': oneLine(job.jobId), 'X-VVol-Job-Status': job.status },
  };
}

/** An error's text with the password cut out, should any layer ever echo it. */
function redacted(e: unknown, secret: string | undefined): string {
  const text = e instanceof Error ? e.message : String(e);
  return secret ? text.split(secret).join('***') : text;
}

export function createJobMailer(settings: MailSettings, outboxDir: string, o: MailerOptions = {}): JobMailer {
  const smtp = settings.smtp;
  // nodemailer is loaded with the first mail, not at the daemon's start (a tenth of the
  // provider's start-up was module loading it never needs before a job ends).
  let made: ReturnType<typeof import('nodemailer')['createTransport']> | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const transport = () => (made ??= makeTransport(require('nodemailer') as typeof import('nodemailer')));
  const makeTransport = (nodemailer: typeof import('nodemailer')) => smtp
    ? nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
      connectionTimeout: o.connectTimeoutMs ?? 10_000,
      greetingTimeout: o.connectTimeoutMs ?? 10_000,
      socketTimeout: o.socketTimeoutMs ?? 30_000,
      // nodemailer's own logger would print the SMTP dialogue (AUTH included): off.
      logger: false,
      debug: false,
    })
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  const fail = (job: JobMail, e: unknown): Result => {
    const error = redacted(e, smtp?.password);
    o.log?.warn(`mail about job ${job.jobId} not sent: ${error}`);
    return { ok: false, error };
  };

  return {
    async send(job: JobMail): Promise<Result> {
      try {
        // The outbox keeps the notice even before anyone is named to receive it; a server needs a recipient.
        if (smtp && !settings.to.length) return fail(job, new Error('mail.to: no recipient is configured.'));
        const info = (await transport().sendMail(message(settings, job))) as { messageId?: string; message?: Buffer; response?: string };
        if (smtp) {
          const where = `smtp://${smtp.host}:${smtp.port} ${info.messageId ?? ''}`.trim();
          o.log?.info(`mail about job ${job.jobId} sent to ${settings.to.join(', ')} via ${where}`);
          return { ok: true, where };
        }
        if (!Buffer.isBuffer(info.message)) throw new Error('the mail could not be composed.');
        fs.mkdirSync(outboxDir, { recursive: true, mode: 0o700 });
        const file = path.join(outboxDir, outboxName(job));
        await writeFileAtomicAsync(file, info.message, { mode: 0o600 });
        o.log?.info(`mail about job ${job.jobId} written to ${file}`);
        return { ok: true, where: file };
      } catch (e) {
        return fail(job, e);
      }
    },
  };
}
