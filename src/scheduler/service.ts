/**
 * The image-backup scheduler as a service (src/sys/service.ts) and as the one
 * implementation of ImageBackupApi the faces (admin REST API, CLI) call. `tick()` does
 * all the work, in this order: interrupted restores are failed (first tick only), due
 * slots become runs, queued runs take their consistency point, the readers write
 * archives, expired images are deleted, one image is copied to the second store, the
 * finished jobs are mailed. start() calls it every second (an unref'd timer); tests call
 * it with a ManualClock. Each part is guarded: one that fails is logged and reported by
 * status(), and the others still run.
 *
 * Plans are the PlanBook's (plans.ts); the service hands it the slot capacity from its
 * settings and the VM names from src/backup/vm-resolver.ts (through the vCenter link's
 * naming when there is one). With vCenter a restore powers the VM off through it first
 * (restore.ts); such a restore finishes after `restore()` answers, and `drain()`,
 * `settleMail()` and `stop()` wait for it.
 */
import type { Clock } from '../array/clock';
import type { ProviderSettings } from '../config/settings-schema';
import type { Store } from '../store/db';
import { ImageTable, type ImageRow } from '../store/image-backup/images';
import { RunTable } from '../store/image-backup/runs';
import type { Outcome, Service, ServiceStatus } from '../sys/service';
import {
  HistoryEntry, Image, ImageBackupApi, ImageStoreApi, JobMailer, MailSettings, Plan, PlanBook, PlanInput, RestoreRequest, RestoreResult, Run,
  SchedulerError, SchedulerSettings, VerifyResult,
} from './contract';
import { history } from './history';
import { JobNotifier, MailStatus } from './job-mail';
import { DAY_MS } from './limits';
import { reportCsv } from './report';
import { failInterruptedRestores, restoreImage } from './restore';
import { copyOnePending, copyStatus, CopyStatus, deleteImage, expireImages } from './retention';
import { parseRunId, readRun, RunnerDeps, SchedulerLog, toRun } from './run-state';
import { backupNow } from './immediate';
import { Runner } from './runner';
import { scheduleDue, startQueued } from './slots';
import { imageBackupSection, schedulerSettings, settingsProblem } from './settings';
import { SchedulerEngine, vmNames } from './vms';
import { VCenterUnavailableError } from '../vcenter/errors';
import { VCENTER_INFO_FAILED } from '../vcenter/messages';
import type { VmNaming } from '../vcenter/naming';
import type { VmPowerControl } from '../vcenter/power';

export const TICK_MS = 1000;
/** How often the write-load buckets and the 24-hour counters are pruned (clock time). */
const PRUNE_EVERY_MS = 10 * 60_000;
/** How long a second store that could not be opened is left alone before the next try. */
const SECONDARY_RETRY_MS = 60_000;

/** What the PlanBook asks the service (PlanStore's options). */
export interface PlanHooks {
  slotCapacity: () => number;
  knownVm: (name: string) => boolean;
}

export interface ImageBackupOptions {
  /** The engine the provider serves (the managed arrays). */
  engine: SchedulerEngine;
  store: Store;
  clock: Clock;
  /** Makes the plan book with the service's hooks, e.g. `(h) => new PlanStore(store, clock, h)`. */
  plans: (hooks: PlanHooks) => PlanBook;
  /** Opens (or makes) a backup store folder: `(dir) => ImageStore.open(dir)`. */
  openStore: (dir: string) => ImageStoreApi;
  /** The job mailer, or a maker given the mail settings (called again when they change). */
  mailer: JobMailer | ((mail: MailSettings) => JobMailer);
  settings: SchedulerSettings;
  /** The store folder when the settings name none (<data>/backups). */
  defaultStoreDir: string;
  /** The provider settings' section as scheduler settings (the assembly unseals the SMTP password here). */
  fromProvider?: (s: ProviderSettings) => SchedulerSettings;
  /** The datacenter VM names live in without vCenter (default "Datacenter", as the relation writer's). */
  datacenter?: string;
  /** How VMs are named now (the vCenter link); absent: by the VVols' metadata. */
  naming?: () => VmNaming;
  /** Powers a VM off through vCenter before a restore; absent: restores as without vCenter. */
  power?: VmPowerControl;
  log?: SchedulerLog;
  /** This process's id, and whether another one is alive (tests fake a restarted process). */
  pid?: number;
  isAlive?: (pid: number) => boolean;
}

export interface ImageBackupStatus extends ServiceStatus {
  activeRuns: number;
  /** Archives this process is writing now. */
  archiving: number;
  secondary: CopyStatus & { configured: boolean };
  mail: MailStatus;
}

/** Whether the provider knows the VM; vCenter set but never answered is a failure to say so, not an unknown VM. */
function knownVm(engine: SchedulerEngine, scope: { datacenter: string; naming?: () => VmNaming }, name: string): boolean {
  try {
    return vmNames(engine, scope).has(name);
  } catch (e) {
    if (e instanceof VCenterUnavailableError) throw new SchedulerError('FAILED', `VM ${name} cannot be looked up: ${VCENTER_INFO_FAILED} (${e.message})`, 'vms', { vm: name });
    throw e;
  }
}

const SILENT: SchedulerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ImageBackupService implements ImageBackupApi, Service<ProviderSettings> {
  readonly name = 'image-backup';
  readonly plans: PlanBook;
  private s: SchedulerSettings;
  private readonly d: RunnerDeps;
  private readonly runner: Runner;
  private readonly notifier: JobNotifier;
  private mailer: JobMailer;
  private stores: { local?: { dir: string; store: ImageStoreApi }; secondary?: { dir: string; store: ImageStoreApi } } = {};
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private recovered = false;
  private lastPrune = Number.NEGATIVE_INFINITY;
  private lastCopyError: string | null = null;
  private secondaryRefused?: { dir: string; at: number };
  private lastSuccess?: Outcome;
  private lastFailure?: Outcome;
  /** Restores still powering their VM off or writing (vCenter), by restore id. */
  private readonly restoring = new Map<number, Promise<void>>();

  constructor(private readonly o: ImageBackupOptions) {
    const problem = settingsProblem(o.settings);
    if (problem) throw new RangeError(problem);
    this.s = o.settings;
    this.mailer = typeof o.mailer === 'function' ? o.mailer(o.settings.mail) : o.mailer;
    const datacenter = o.datacenter ?? 'Datacenter';
    const scope = { datacenter, ...(o.naming ? { naming: o.naming } : {}) };
    this.plans = o.plans({ slotCapacity: () => this.s.slotCapacity, knownVm: (name) => knownVm(o.engine, scope, name) });
    this.d = {
      engine: o.engine, store: o.store, clock: o.clock, plans: this.plans, runs: new RunTable(o.store), images: new ImageTable(o.store), ...scope,
      ...(o.power ? { power: o.power } : {}),
      settings: () => this.s, local: () => this.localStore(), secondary: () => this.secondaryStore(),
      pid: o.pid ?? process.pid, isAlive: o.isAlive ?? processAlive, log: o.log ?? SILENT,
    };
    this.runner = new Runner(this.d, () => this.notifier.pump());
    this.notifier = new JobNotifier(this.d, () => this.mailer, (j) => {
      const outcome = { at: j.at, message: `${j.jobId} ${j.status}${j.message ? `: ${j.message}` : ''}` };
      if (j.status === 'Failed') this.lastFailure = outcome;
      else this.lastSuccess = outcome;
    });
  }

  get settings(): SchedulerSettings {
    return this.s;
  }

  // ---- the service ------------------------------------------------------------------------
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // Staging images go (at once: a caller may not wait); the runs go on from their snapshots at the next start.
    const dropping = this.runner.dropJobs();
    await this.restoresDone();
    await dropping;
    const stores = [this.stores.local?.store, this.stores.secondary?.store];
    await Promise.all(stores.map((s) => s?.close().catch((e: unknown) => this.failure(`stopping the backup store: ${(e as Error).message}`))));
    await this.notifier.settle();
  }

  applySettings(p: ProviderSettings): void {
    const next = this.o.fromProvider ? this.o.fromProvider(p) : schedulerSettings(imageBackupSection(p));
    this.setSettings(next);
  }

  /** Applies scheduler settings directly (tests, the CLI). A bad value is refused and the old settings stay. */
  setSettings(next: SchedulerSettings): void {
    const problem = settingsProblem(next);
    if (problem) throw new RangeError(problem);
    const mailChanged = JSON.stringify(next.mail) !== JSON.stringify(this.s.mail);
    this.s = next;
    if (mailChanged && typeof this.o.mailer === 'function') this.mailer = this.o.mailer(next.mail);
  }

  status(): ImageBackupStatus {
    const now = this.o.clock.now();
    let activeRuns = 0;
    let secondary: CopyStatus = { pending: 0, failed: 0, lagMs: 0, lastError: this.lastCopyError };
    try {
      activeRuns = this.d.runs.active().length;
      secondary = copyStatus(this.d, now, this.lastCopyError);
    } catch (e) {
      this.failure(`status: ${(e as Error).message}`);
    }
    return {
      name: this.name, running: this.timer !== undefined,
      ...(this.lastSuccess ? { lastSuccess: this.lastSuccess } : {}), ...(this.lastFailure ? { lastFailure: this.lastFailure } : {}),
      activeRuns, archiving: this.runner.archiving, secondary: { ...secondary, configured: this.s.secondaryDir !== undefined }, mail: { ...this.notifier.status },
    };
  }

  /** One round of all the work (see the file's comment). Never throws. */
  tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.o.clock.now();
      if (!this.recovered) this.recovered = this.guard('recovery', () => failInterruptedRestores(this.d, new Set(this.restoring.keys())) >= 0) ?? false;
      this.guard('scheduling', () => scheduleDue(this.d, now));
      this.guard('starting runs', () => startQueued(this.d, now));
      this.guard('writing archives', () => this.runner.advance(this.o.clock.now()));
      this.guard('retention', () => expireImages(this.d, this.o.clock.now()));
      this.guard('second copies', () => {
        const r = copyOnePending(this.d, this.o.clock.now());
        if (r.error) this.lastCopyError = r.error;
        else if (r.copied) this.lastCopyError = null;
      });
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        // A restore another process (the CLI) left running when it died.
        this.guard('recovery', () => failInterruptedRestores(this.d, new Set(this.restoring.keys())));
        this.guard('pruning', () => {
          this.o.engine.pruneWriteLoad(Math.max(this.s.ioWindowMinutes, 24 * 60));
          this.d.store.tx(() => this.d.runs.pruneStarts(now - 2 * DAY_MS));
        });
      }
      this.notifier.pump();
    } finally {
      this.ticking = false;
    }
  }

  private guard<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.failure(`${what}: ${(e as Error).message}`);
      return undefined;
    }
  }

  private failure(message: string): void {
    this.lastFailure = { at: this.o.clock.now(), message };
    this.d.log.error(`image backup: ${message}`);
  }

  // ---- the stores ---------------------------------------------------------------------------
  private localStore(): ImageStoreApi {
    const dir = this.s.storeDir ?? this.o.defaultStoreDir;
    if (this.stores.local?.dir !== dir) this.stores.local = { dir, store: this.o.openStore(dir) };
    return this.stores.local.store;
  }

  /**
   * The second store; undefined when none is configured or it cannot be opened (best
   * effort: the failure is reported, images wait 'pending', opening is tried again a
   * minute later).
   */
  private secondaryStore(): ImageStoreApi | undefined {
    const dir = this.s.secondaryDir;
    if (dir === undefined) return undefined;
    if (this.stores.secondary?.dir === dir) return this.stores.secondary.store;
    const now = this.o.clock.now();
    if (this.secondaryRefused?.dir === dir && now - this.secondaryRefused.at < SECONDARY_RETRY_MS) return undefined;
    try {
      this.stores.secondary = { dir, store: this.o.openStore(dir) };
      this.secondaryRefused = undefined;
      return this.stores.secondary.store;
    } catch (e) {
      this.secondaryRefused = { dir, at: now };
      this.lastCopyError = `The second store ${dir} cannot be opened: ${(e as Error).message}`;
      this.failure(`second copies: ${this.lastCopyError}`);
      return undefined;
    }
  }

  // ---- plans --------------------------------------------------------------------------------
  listPlans(): Plan[] { return this.plans.list(); }
  getPlan(id: number): Plan { return this.plans.get(id); }
  createPlan(p: PlanInput): Plan { return this.plans.create(p); }
  createPlanFrom(sourcePlanId: number, changes: Partial<PlanInput> & { name: string }): Plan { return this.plans.createFrom(sourcePlanId, changes); }
  updatePlan(id: number, changes: Partial<PlanInput>): Plan { return this.plans.update(id, changes); }
  deletePlan(id: number): void { this.plans.delete(id); }
  setPlanEnabled(id: number, enabled: boolean): Plan { return this.plans.setEnabled(id, enabled); }

  // ---- runs ---------------------------------------------------------------------------------
  backupNow(vmName: string): Run {
    const id = backupNow(this.d, vmName);
    this.notifier.pump();
    return this.getRun(id);
  }

  listRuns(o: { planId?: number; active?: boolean } = {}): Run[] {
    return this.d.store.read(() => {
      const rows = this.d.runs.list({ planId: o.planId, active: o.active, limit: 1000 });
      const vms = this.d.runs.vmsOf(rows.map((r) => r.id));
      return rows.map((r) => toRun(r, vms.get(r.id) ?? []));
    });
  }

  getRun(id: number): Run {
    const runId = parseRunId(id);
    const run = runId === undefined ? undefined : readRun(this.d, runId);
    if (!run) throw new SchedulerError('NOT_FOUND', `Run ${id} does not exist.`, 'runId', { runId: id });
    return run;
  }

  cancelRun(id: number): Run {
    const runId = parseRunId(id);
    if (runId === undefined) throw new SchedulerError('NOT_FOUND', `Run ${id} does not exist.`, 'runId', { runId: id });
    this.runner.cancel(runId);
    this.notifier.pump();
    return this.getRun(runId);
  }

  // ---- images -------------------------------------------------------------------------------
  private toImage(r: ImageRow): Image {
    let local: Image['local'] = r.local;
    try {
      if (!this.localStore().has(r.id)) local = 'missing';
    } catch {
      local = 'missing';
    }
    const { secondaryAt: _at, secondaryError: _err, ...rest } = r;
    return { ...rest, local };
  }

  listImages(o: { vmName?: string } = {}): Image[] {
    return this.d.images.list(o.vmName).map((r) => this.toImage(r));
  }

  getImage(id: string): Image {
    const r = this.d.images.get(id);
    if (!r) throw new SchedulerError('NOT_FOUND', `The image ${id} does not exist.`, 'imageId', { imageId: id });
    return this.toImage(r);
  }

  deleteImage(id: string): void {
    deleteImage(this.d, id);
  }

  verifyImage(id: string): VerifyResult {
    const r = this.d.images.get(id);
    if (!r) throw new SchedulerError('NOT_FOUND', `The image ${id} does not exist.`, 'imageId', { imageId: id });
    const local = this.localStore();
    const v = local.verify(id);
    if (local.has(id)) this.d.store.tx(() => this.d.images.setLocal(id, v.ok ? 'ok' : 'damaged'));
    return v;
  }

  restore(r: RestoreRequest): RestoreResult {
    try {
      const { restoreId, done, ...result } = restoreImage(this.d, r?.imageId);
      if (done) {
        this.restoring.set(restoreId, done);
        void done.finally(() => {
          this.restoring.delete(restoreId);
          this.notifier.pump();
        });
      }
      return result;
    } finally {
      this.notifier.pump();
    }
  }

  /** Waits for the restores this process still has in flight (vCenter power-off, then the writes). */
  private async restoresDone(): Promise<void> {
    while (this.restoring.size) await Promise.allSettled([...this.restoring.values()]);
  }

  // ---- history and report -------------------------------------------------------------------
  history(o: { days?: 7 | 'all' } = {}): HistoryEntry[] {
    return history(this.d, o.days ?? 7);
  }

  reportCsv(): string {
    return reportCsv(this.d);
  }

  /**
   * Waits until the archive writers have done the work handed to them so far (chunks
   * stored, commits ended and recorded). Tests await it between ticks instead of
   * sleeping; the daemon never needs to (a commit is recorded when it ends).
   */
  async drain(): Promise<void> {
    await this.restoresDone();
    await this.runner.drain();
  }

  /**
   * Waits for the mails handed over so far (tests; stop() does it too), and first for
   * the restores in flight, whose mails are still to come (a CLI process must not exit
   * before a restore it started has ended).
   */
  async settleMail(): Promise<void> {
    await this.restoresDone();
    await this.notifier.settle();
  }
}
