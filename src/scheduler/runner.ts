/**
 * The runs after their consistency point (slots.ts makes them, consistency.ts starts
 * them), driven by the clock (the service's tick): archives are written by
 * `parallelReaders` readers shared by every run, the busiest VM waiting first (seed
 * 003), each at `readerChunksPerSecond` of clock time, in bounded batches per tick. A
 * committed archive is indexed and its VM's snapshots are released in one transaction,
 * at once, not at the end of the run. And cancel.
 *
 * The archive's file work runs in the store's writer (in its worker thread in the
 * daemon): a step only posts the chunks it read, and the commit is started by the tick
 * that finishes reading and recorded when the writer has committed: in that same tick
 * when the writer works in this thread, else as soon as its commit resolves (or at a
 * later tick, whichever comes first). A VM whose commit is in flight keeps its reader and
 * is not started again. drain() waits for what is in flight (tests, stop).
 *
 * The archive jobs live in memory. After a restart (or in a process that did not start
 * the run) an archiving VM has no job: its staging image is gone with the old process,
 * so its archive starts again from its snapshots, still on the array; an image that was
 * committed just before the kill is found in the store and indexed instead. A run is
 * advanced by one process at a time (owner_pid; a dead owner's runs are taken over).
 */
import { SchedulerError } from './contract';
import type { ImageManifest } from './contract';
import type { RunRow, RunVmRow } from '../store/image-backup/runs';
import { ACTIVE_RUN_STATES, ACTIVE_VM_STATES } from '../store/image-backup/runs';
import { ArchiveJob, ArchiveProgress } from './archive';
import { DAY_MS, iso } from './limits';
import { endRunIfDone, endVm, releaseVmSnapshots } from './run-end';
import { imageIdFor, mayAdvance, RunnerDeps } from './run-state';

/**
 * Allocated chunks all readers together read in one tick at most, whatever the clock
 * earned them (shared out among the readers): what keeps a tick short. At one tick a
 * second it is above the default 4 readers x 200 chunks a second, so the rate holds.
 */
export const MAX_CHUNKS_PER_TICK = 1024;

type ActiveVm = RunVmRow & { run: RunRow };

/** An archive whose commit is in flight. */
interface Committing {
  v: ActiveVm;
  job: ArchiveJob;
  done: Promise<unknown>;
}

export class Runner {
  /** Archive jobs in progress in this process, by `${runId}/${vmName}`. */
  private readonly jobs = new Map<string, ArchiveJob>();
  /** Archives whose commit was started and not yet recorded, by the same key. */
  private readonly committing = new Map<string, Committing>();

  /** `ended` is told when a commit that ended outside a tick was recorded (the service hands the finished jobs to the mailer). */
  constructor(private readonly d: RunnerDeps, private readonly ended: () => void = () => undefined) {}

  /** The VMs of archiving runs this process may advance; takes over runs of a dead owner. */
  private activeVms(): ActiveVm[] {
    const d = this.d;
    const runs = d.runs.active().filter((r) => r.state === 'archiving' && mayAdvance(d, r.ownerPid));
    for (const r of runs) {
      if (r.ownerPid !== d.pid) {
        d.store.tx(() => d.runs.update(r.id, { ownerPid: d.pid }));
        d.log.info(`image backup: run ${r.id} taken over by this process (${r.ownerPid === null ? 'no owner' : `its owner ${r.ownerPid} is gone`}); archives not committed start again from their snapshots`);
      }
    }
    const byRun = d.runs.vmsOf(runs.map((r) => r.id));
    return runs.flatMap((run) => (byRun.get(run.id) ?? []).map((v) => ({ ...v, run })));
  }

  /** Drops the jobs whose VM is no longer archiving here (cancelled, perhaps by another process). */
  private reconcile(vms: ActiveVm[]): void {
    const live = new Set(vms.filter((v) => v.state === 'archiving').map((v) => `${v.runId}/${v.vmName}`));
    for (const [key, job] of this.jobs) {
      if (live.has(key)) continue;
      void job.abort();
      this.jobs.delete(key);
    }
  }

  /** One round of the readers: jobs (re)started, free readers given the busiest waiting VMs, each job a step. */
  advance(now: number): void {
    const d = this.d;
    for (const key of [...this.committing.keys()]) this.settleCommit(key);
    const vms = this.activeVms();
    this.reconcile(vms);
    const s = d.settings();
    const archiving = vms.filter((v) => v.state === 'archiving');
    const waiting = vms
      .filter((v) => v.state === 'snapshotted')
      .sort((a, b) => b.ioLoad - a.ioLoad || a.runId - b.runId || a.order - b.order);
    const readers = [...archiving];
    while (readers.length < s.parallelReaders && waiting.length) readers.push(waiting.shift() as ActiveVm);
    const share = Math.max(1, Math.floor(MAX_CHUNKS_PER_TICK / Math.max(1, readers.length)));
    const progress: (() => void)[] = [];
    for (const v of readers) {
      const key = `${v.runId}/${v.vmName}`;
      if (this.committing.has(key)) continue; // its commit is in flight
      let job = this.jobs.get(key);
      if (!job) {
        job = this.begin(v, now);
        if (!job) continue;
        this.jobs.set(key, job);
      }
      const p = this.step(v, job, now, share);
      if (p) progress.push(() => d.runs.updateVm(v.runId, v.vmName, { chunksDone: p.chunksDone, bytesRead: p.bytesRead, bytesStored: p.bytesStored }));
    }
    // The readers' progress in one transaction (reads and file writes stay outside any transaction).
    if (progress.length) d.store.tx(() => progress.forEach((f) => f()));
    for (const runId of new Set(vms.map((v) => v.runId))) endRunIfDone(d, runId);
  }

  /** Starts (or starts again) a VM's archive; undefined when it ended instead. */
  private begin(v: ActiveVm, now: number): ArchiveJob | undefined {
    const d = this.d;
    const local = d.local();
    // Committed just before a restart: index it, do not write it twice.
    if (v.imageId && v.state === 'archiving' && local.has(v.imageId)) {
      this.record(v, local.open(v.imageId).manifest, now);
      return undefined;
    }
    const gone = v.disks.filter((x) => !x.snapshotVvolId || !this.snapshotExists(x.snapshotVvolId));
    if (gone.length) {
      endVm(d, v.runId, v.vmName, 'failed', `The snapshot of ${gone.map((x) => x.name).join(', ')} of VM ${v.vmName} is gone from the array; the archive cannot be written. Back the VM up again.`);
      return undefined;
    }
    const attempt = v.attempt + 1;
    const imageId = imageIdFor(v.runId, v.vmName, attempt);
    let job: ArchiveJob;
    try {
      job = new ArchiveJob(d.engine, local.begin(imageId), v.disks, now);
    } catch (e) {
      endVm(d, v.runId, v.vmName, 'failed', `The archive of VM ${v.vmName} could not be started in the backup store ${local.dir}: ${(e as Error).message}`);
      return undefined;
    }
    try {
      d.store.tx(() => d.runs.updateVm(v.runId, v.vmName, {
        state: 'archiving', imageId, attempt, archiveStartedAt: v.archiveStartedAt ?? now, chunksDone: 0, bytesRead: 0, bytesStored: 0,
      }));
    } catch (e) {
      void job.abort();
      throw e;
    }
    if (attempt > 1) d.log.info(`image backup: run ${v.runId}: the archive of VM ${v.vmName} starts again (attempt ${attempt}) from its snapshots`);
    return job;
  }

  private snapshotExists(vvolId: string): boolean {
    try {
      const ld = this.d.engine.getVvol(vvolId);
      return ld.state === 'ready';
    } catch {
      return false;
    }
  }

  /** One step of a reader; returns the progress to record while the archive goes on, undefined once it ended. */
  private step(v: ActiveVm, job: ArchiveJob, now: number, maxChunks: number): ArchiveProgress | undefined {
    const d = this.d;
    const key = `${v.runId}/${v.vmName}`;
    let p: ArchiveProgress;
    try {
      p = job.step(now, d.settings().readerChunksPerSecond, maxChunks);
    } catch (e) {
      void job.abort();
      this.jobs.delete(key);
      endVm(d, v.runId, v.vmName, 'failed', `Reading the snapshots of VM ${v.vmName} failed: ${(e as Error).message}`);
      return undefined;
    }
    if (!p.done) return p;
    this.jobs.delete(key);
    const done = job.commit({ runId: v.runId, planId: v.run.planId, vmId: v.vmId ?? '', vmName: v.vmName, backupTime: v.run.backupTime ?? v.snapshotAt ?? now, startedAt: v.archiveStartedAt ?? now, finishedAt: now });
    const settle = () => {
      try {
        if (!this.settleCommit(key)) return;
        endRunIfDone(d, v.runId);
        this.ended();
      } catch (e) {
        d.log.error(`image backup: run ${v.runId}: recording the archive of VM ${v.vmName} failed: ${(e as Error).message}`);
      }
    };
    this.committing.set(key, { v, job, done: done.then(settle, settle) });
    this.settleCommit(key); // a writer in this thread has committed already: recorded in this tick
    return undefined;
  }

  /** Records a commit whose outcome is known (the image, or the VM failed); true when it did. */
  private settleCommit(key: string): boolean {
    const c = this.committing.get(key);
    if (!c) return false;
    const w = c.job.writer;
    if (w.state === 'committing') return false;
    this.committing.delete(key);
    const d = this.d;
    const now = d.clock.now();
    if (w.state === 'committed' && w.manifest) {
      this.record({ ...c.v, imageId: c.job.imageId }, w.manifest, now);
      return true;
    }
    void c.job.abort();
    endVm(d, c.v.runId, c.v.vmName, 'failed', `The archive of VM ${c.v.vmName} could not be committed: ${w.error?.message ?? `the writer is ${w.state}`}`);
    return true;
  }

  /** Indexes a committed image and releases the VM's snapshots, in one transaction. */
  private record(v: ActiveVm, m: ImageManifest, now: number): void {
    const d = this.d;
    const kept = d.store.tx(() => {
      const cur = d.runs.vm(v.runId, v.vmName);
      const run = d.runs.get(v.runId);
      if (!cur || !run || cur.state !== 'archiving') return false;
      d.images.insert({
        id: m.imageId, runId: v.runId, planId: run.planId, vmId: cur.vmId ?? '', vmName: cur.vmName, backupTime: m.backupTime, startedAt: m.startedAt,
        finishedAt: m.finishedAt, expiresAt: (run.startedAt ?? now) + run.retentionDays * DAY_MS,
        disks: m.disks.map((x) => ({ name: x.name, role: x.role, capacityBytes: x.capacityBytes, chunks: x.chunks, policy: x.policy })),
        bytesRead: m.bytesRead, bytesStored: m.bytesStored, secondary: d.settings().secondaryDir !== undefined ? 'pending' : 'none',
      });
      const { problem, ...released } = releaseVmSnapshots(d, cur, now);
      d.runs.updateVm(v.runId, v.vmName, {
        ...released, state: 'completed', finishedAt: now, imageId: m.imageId, chunksDone: cur.chunksTotal, bytesRead: m.bytesRead, bytesStored: m.bytesStored,
        message: problem ?? null,
      });
      return true;
    });
    if (!kept) {
      // Cancelled while it was being committed: a cancelled run leaves no usable image.
      try {
        d.local().delete(m.imageId);
      } catch (e) {
        d.log.warn(`image backup: the image ${m.imageId} of a cancelled run could not be deleted: ${(e as Error).message}`);
      }
      return;
    }
    d.log.info(`image backup: run ${v.runId}: VM ${v.vmName} archived as ${m.imageId} (${m.bytesRead} bytes read, ${m.bytesStored} stored); its snapshots released`);
  }

  /** Cancels a run still queued or going: every uncommitted archive dropped, snapshots released; a cancelled run never resumes. */
  cancel(runId: number): void {
    const d = this.d;
    const now = d.clock.now();
    const run = d.runs.get(runId);
    if (!run) throw new SchedulerError('NOT_FOUND', `Run ${runId} does not exist.`, 'runId', { runId });
    if (!ACTIVE_RUN_STATES.includes(run.state)) {
      throw new SchedulerError('CONFLICT', `Run ${runId} has already ended (${run.state}); only a queued or running run can be cancelled, and a cancelled run cannot be resumed.`, 'runId', { runId, state: run.state });
    }
    for (const [key, job] of this.jobs) {
      if (!key.startsWith(`${runId}/`)) continue;
      void job.abort();
      this.jobs.delete(key);
    }
    // A commit in flight is recorded when it ends: record() finds the VM cancelled and deletes the image.
    const message = `Cancelled at ${iso(now)}.`;
    d.store.tx(() => {
      for (const v of d.runs.vms(runId)) {
        if (!ACTIVE_VM_STATES.includes(v.state)) continue;
        const { problem, ...released } = releaseVmSnapshots(d, v, now);
        d.runs.updateVm(runId, v.vmName, { ...released, state: 'cancelled', finishedAt: now, message: problem ? `${message} (${problem})` : message });
      }
      d.runs.update(runId, { state: 'cancelled', finishedAt: now, message });
    });
    d.log.info(`image backup: run ${runId} cancelled`);
  }

  /** Jobs of this process (status). */
  get archiving(): number {
    return this.jobs.size + this.committing.size;
  }

  /** Waits until the writers have done the work handed to them so far, and records the commits that ended. */
  async drain(): Promise<void> {
    const work: Promise<unknown>[] = [...this.committing.values()].map((c) => c.done);
    for (const job of this.jobs.values()) work.push(job.writer.flush().catch(() => undefined));
    await Promise.all(work);
    for (const key of [...this.committing.keys()]) this.settleCommit(key);
  }

  /**
   * Drops every job (stop): their staging images go; the runs go on at the next start.
   * A commit in flight is waited for and recorded (a kill instead leaves the image for
   * the next start to index).
   */
  async dropJobs(): Promise<void> {
    const aborts = [...this.jobs.values()].map((job) => job.abort());
    this.jobs.clear();
    await Promise.all([...aborts, ...[...this.committing.values()].map((c) => c.done)]);
  }
}
