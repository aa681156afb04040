/**
 * One mail per finished job (seed 001: "When the image backup job is completed, the
 * result is automatically reported via E-mail"), handed to the JobMailer (SMTP or the
 * outbox folder, notify/mailer.ts). The store says which jobs still need their mail, so
 * a job that ended in another process (a CLI restore) or just before a restart is
 * mailed too, and exactly once: a job is claimed in the store before it is handed over.
 * A mail that fails is recorded for status() and never fails the job.
 */
import type { Outcome } from '../sys/service';
import type { JobMailer } from './contract';
import { mailOf, restoreEntry, runEntry } from './history';
import type { RunnerDeps } from './run-state';

/** Jobs looked at per pump (the rest at the next tick). */
const PER_PUMP = 20;

export interface MailStatus {
  sent: number;
  failed: number;
  lastFailure?: Outcome;
  lastSent?: Outcome;
}

export class JobNotifier {
  private readonly inFlight = new Set<Promise<void>>();
  readonly status: MailStatus = { sent: 0, failed: 0 };

  constructor(
    private readonly d: RunnerDeps,
    private readonly mailer: () => JobMailer,
    /** Told of each job that ended, as its mail goes out (the service's last success and failure). */
    private readonly onEnded: (job: { jobId: string; status: string; message: string | null; at: number }) => void = () => undefined,
  ) {}

  /** Hands every ended, not yet mailed job to the mailer. Never throws. */
  pump(): void {
    const d = this.d;
    try {
      for (const r of d.runs.unmailed(PER_PUMP)) {
        if (!d.store.tx(() => d.runs.claimMail(r.id))) continue;
        this.send(mailOf(runEntry(r, d.runs.vms(r.id).map((v) => v.vmName)), r.finishedAt ?? d.clock.now()));
      }
      for (const r of d.images.unmailedRestores(PER_PUMP)) {
        if (!d.store.tx(() => d.images.claimRestoreMail(r.id))) continue;
        this.send(mailOf(restoreEntry(r), r.finishedAt ?? d.clock.now()));
      }
    } catch (e) {
      this.fail(`job mails: ${(e as Error).message}`);
    }
  }

  private send(job: ReturnType<typeof mailOf>): void {
    this.onEnded({ jobId: job.jobId, status: job.status, message: job.message, at: job.finishedAt });
    let p: Promise<void>;
    try {
      // The mail tells of a job the store says ended and claimed: that is durable before it goes out.
      const go = () => this.mailer().send(job);
      p = (this.d.store.isDurable ? go() : this.d.store.durable().then(go))
        .then(
          (r) => {
            if (r.ok) {
              this.status.sent++;
              this.status.lastSent = { at: this.d.clock.now(), message: `${job.jobId}: ${r.where}` };
            } else this.fail(`the mail of ${job.jobId} was not sent: ${r.error}`);
          },
          (e: unknown) => this.fail(`the mail of ${job.jobId} was not sent: ${e instanceof Error ? e.message : String(e)}`),
        );
    } catch (e) {
      this.fail(`the mail of ${job.jobId} was not sent: ${(e as Error).message}`);
      return;
    }
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private fail(message: string): void {
    this.status.failed++;
    this.status.lastFailure = { at: this.d.clock.now(), message };
    this.d.log.warn(`image backup: ${message}`);
  }

  /** Waits for the mails handed over so far. */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
