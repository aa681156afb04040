/**
 * A small in-memory ImageBackupApi for the faces' tests (REST API and CLI): plans, runs
 * that advance on tick(), images, history, a report, and a few of the service's
 * refusals with the service's kinds of errors (the 55-minute alert, a full slot with
 * suggestions, 5 backups per VM in 24 hours with the time the next is allowed, unknown
 * ids, a running VM). Every call is recorded, so a test can check what a face asked.
 * The real rules live in src/scheduler/service.ts; this only has to look like it.
 */
import {
  type HistoryEntry, type Image, type ImageBackupApi, type Plan, type PlanInput, type RestoreRequest, type RestoreResult, type Run,
  SchedulerError, type VerifyResult,
} from '../../src/scheduler/contract';

export const KNOWN_VMS = ['web01', 'web02', 'db01'];
const CHUNKS = 8;
const HOUR = 3_600_000;

export class FakeScheduler implements ImageBackupApi {
  now = Date.UTC(2026, 0, 5, 10, 0, 0);
  calls: { method: string; args: unknown[] }[] = [];
  /** Thrown (once) by the next call, whatever it is. */
  failNext?: unknown;
  /** A plan at this slot hour is refused as a full slot. */
  fullSlotHour = 3;
  readonly plans = new Map<number, Plan>();
  readonly runs = new Map<number, Run>();
  readonly images = new Map<string, Image>();
  readonly jobs: HistoryEntry[] = [];
  private ids = { plan: 0, run: 0, image: 0, restore: 0 };

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failNext !== undefined) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
  }

  private checkPlan(p: Partial<PlanInput>, selfId?: number): void {
    for (const vm of p.vms ?? []) if (!KNOWN_VMS.includes(vm)) throw new SchedulerError('NOT_FOUND', `VM ${vm} does not exist.`, 'vms', { vm });
    if ((p.schedule?.startMinute ?? 0) >= 55) {
      throw new SchedulerError('INVALID', 'A start in the last 5 minutes of a slot (minute 55 to 59) is refused: the backup could not start inside its slot. Choose minute 0 to 54.', 'schedule.startMinute');
    }
    if (p.schedule?.slotHour === this.fullSlotHour) {
      throw new SchedulerError('LIMIT', `The slot ${this.fullSlotHour}:00-${this.fullSlotHour + 1}:00 is full (10 plans). The nearest free slot that day is 4:00; the nearest date with this slot free is 2026-01-07.`, 'schedule.slotHour', { nearestSlotHour: 4, nearestDate: '2026-01-07' });
    }
    if (p.name !== undefined && [...this.plans.values()].some((x) => x.name === p.name && x.id !== selfId)) {
      throw new SchedulerError('CONFLICT', `A plan named ${p.name} already exists.`, 'name');
    }
  }

  private plan(id: number): Plan {
    const p = this.plans.get(id);
    if (!p) throw new SchedulerError('NOT_FOUND', `There is no plan ${id}.`);
    return p;
  }

  private save(p: Omit<Plan, 'nextRunAt' | 'monthsWithoutRun' | 'updatedAt'> & Partial<Plan>): Plan {
    const next: Plan = { ...p, updatedAt: this.now, nextRunAt: p.enabled ? this.now + HOUR : null, monthsWithoutRun: p.monthsWithoutRun ?? [] } as Plan;
    this.plans.set(next.id, next);
    return structuredClone(next);
  }

  listPlans(): Plan[] {
    this.record('listPlans');
    return [...this.plans.values()].map((p) => structuredClone(p));
  }

  getPlan(id: number): Plan {
    this.record('getPlan', id);
    return structuredClone(this.plan(id));
  }

  createPlan(p: PlanInput): Plan {
    this.record('createPlan', p);
    this.checkPlan(p);
    return this.save({ ...p, enabled: p.enabled ?? true, id: ++this.ids.plan, createdAt: this.now, derivedFrom: null, schedule: { startMinute: 0, ...p.schedule } });
  }

  createPlanFrom(sourcePlanId: number, changes: Partial<PlanInput> & { name: string }): Plan {
    this.record('createPlanFrom', sourcePlanId, changes);
    const src = this.plan(sourcePlanId);
    this.checkPlan(changes);
    const { id: _i, createdAt: _c, updatedAt: _u, nextRunAt: _n, monthsWithoutRun: _m, derivedFrom: _d, ...fields } = src;
    return this.save({ ...fields, ...changes, id: ++this.ids.plan, createdAt: this.now, derivedFrom: sourcePlanId });
  }

  updatePlan(id: number, changes: Partial<PlanInput>): Plan {
    this.record('updatePlan', id, changes);
    const p = this.plan(id);
    this.checkPlan(changes, id);
    return this.save({ ...p, ...changes });
  }

  deletePlan(id: number): void {
    this.record('deletePlan', id);
    this.plan(id);
    this.plans.delete(id);
  }

  setPlanEnabled(id: number, enabled: boolean): Plan {
    this.record('setPlanEnabled', id, enabled);
    return this.save({ ...this.plan(id), enabled });
  }

  backupNow(vmName: string): Run {
    this.record('backupNow', vmName);
    if (!KNOWN_VMS.includes(vmName)) throw new SchedulerError('NOT_FOUND', `VM ${vmName} does not exist.`, 'vmName', { vmName });
    const recent = [...this.runs.values()].filter((r) => r.vms.some((v) => v.vmName === vmName) && r.startedAt !== null && r.startedAt > this.now - 24 * HOUR);
    if (recent.length >= 5) {
      const nextAllowedAt = Math.min(...recent.map((r) => r.startedAt as number)) + 24 * HOUR;
      const iso = new Date(nextAllowedAt).toISOString();
      throw new SchedulerError('LIMIT', `VM ${vmName} had 5 backups in the last 24 hours: the next is allowed at ${iso}.`, 'vmName', { vmName, nextAllowedAt: iso, nextAllowedAtMs: nextAllowedAt });
    }
    if (recent.some((r) => r.finishedAt === null)) throw new SchedulerError('CONFLICT', `A backup of VM ${vmName} is running.`, 'vmName');
    const run: Run = {
      id: ++this.ids.run, planId: null, planName: null, kind: 'immediate', state: 'archiving', slotStart: null, startedAt: this.now, finishedAt: null,
      backupTime: this.now, message: null,
      vms: [{ vmId: `vm-${vmName}`, vmName, state: 'archiving', ioLoad: 3, order: 0, snapshotAt: this.now, snapshotReleasedAt: null, snapshotHeldMs: null, chunksDone: 0, chunksTotal: CHUNKS, bytesRead: 0, bytesStored: 0, imageId: null, message: null }],
    };
    this.runs.set(run.id, run);
    return structuredClone(run);
  }

  /** Advances every active run by a quarter; a finished VM gets its image. */
  tick(): void {
    this.now += 60_000;
    for (const r of this.runs.values()) {
      if (r.finishedAt !== null) continue;
      for (const v of r.vms) {
        v.chunksDone = Math.min(v.chunksTotal, v.chunksDone + CHUNKS / 4);
        v.bytesRead = v.chunksDone * 1024;
        if (v.chunksDone === v.chunksTotal && v.state !== 'completed') {
          v.state = 'completed';
          v.snapshotReleasedAt = this.now;
          v.snapshotHeldMs = this.now - (v.snapshotAt ?? this.now);
          v.imageId = `img-${++this.ids.image}`;
          this.images.set(v.imageId, {
            id: v.imageId, runId: r.id, planId: r.planId, vmId: v.vmId, vmName: v.vmName, backupTime: r.backupTime as number, startedAt: r.startedAt as number,
            finishedAt: this.now, expiresAt: this.now + 7 * 24 * HOUR, disks: [{ name: `${v.vmName}.vmdk`, role: 'data', capacityBytes: CHUNKS * 1024, chunks: CHUNKS, policy: null }],
            bytesRead: v.bytesRead, bytesStored: v.bytesRead, local: 'ok', secondary: 'none',
          });
        }
      }
      if (r.vms.every((v) => v.state === 'completed')) {
        r.state = 'completed';
        r.finishedAt = this.now;
      }
    }
  }

  listRuns(o: { planId?: number; active?: boolean } = {}): Run[] {
    this.record('listRuns', o);
    if (o.planId !== undefined) this.plan(o.planId);
    return [...this.runs.values()].filter((r) => (o.planId === undefined || r.planId === o.planId) && (o.active === undefined || o.active === (r.finishedAt === null))).map((r) => structuredClone(r));
  }

  getRun(id: number): Run {
    this.record('getRun', id);
    const r = this.runs.get(id);
    if (!r) throw new SchedulerError('NOT_FOUND', `There is no run ${id}.`);
    return structuredClone(r);
  }

  cancelRun(id: number): Run {
    this.record('cancelRun', id);
    const r = this.runs.get(id);
    if (!r) throw new SchedulerError('NOT_FOUND', `There is no run ${id}.`);
    if (r.finishedAt !== null) throw new SchedulerError('CONFLICT', `Run ${id} has ended (${r.state}): it cannot be cancelled.`);
    r.state = 'cancelled';
    r.finishedAt = this.now;
    for (const v of r.vms) if (v.state !== 'completed') v.state = 'cancelled';
    return structuredClone(r);
  }

  listImages(o: { vmName?: string } = {}): Image[] {
    this.record('listImages', o);
    return [...this.images.values()].filter((i) => o.vmName === undefined || i.vmName === o.vmName).map((i) => structuredClone(i));
  }

  private image(id: string): Image {
    const i = this.images.get(id);
    if (!i) throw new SchedulerError('NOT_FOUND', `There is no image ${id}.`);
    return i;
  }

  getImage(id: string): Image {
    this.record('getImage', id);
    return structuredClone(this.image(id));
  }

  deleteImage(id: string): void {
    this.record('deleteImage', id);
    this.image(id);
    this.images.delete(id);
  }

  verifyImage(id: string): VerifyResult {
    this.record('verifyImage', id);
    const i = this.image(id);
    return i.local === 'ok' ? { imageId: id, ok: true, problems: [] } : { imageId: id, ok: false, problems: [`chunk 3 of ${i.disks[0].name}: content does not match its hash`] };
  }

  restore(r: RestoreRequest): RestoreResult {
    this.record('restore', r);
    const i = this.image(r.imageId);
    if (i.local === 'missing') throw new SchedulerError('FAILED', `Image ${i.id} is missing locally and in the second store.`);
    if ([...this.runs.values()].some((x) => x.finishedAt === null && x.vms.some((v) => v.vmName === i.vmName))) {
      throw new SchedulerError('CONFLICT', `A backup of VM ${i.vmName} is running: restore it afterwards.`);
    }
    const jobId = `restore-${++this.ids.restore}`;
    this.jobs.push({ jobId, type: 'restore', planName: null, startedAt: this.now, finishedAt: this.now, durationMs: 0, status: 'Success', vms: [i.vmName], message: null });
    return { jobId, vmName: i.vmName, disks: i.disks.map((d) => ({ name: d.name, chunks: d.chunks })), source: 'local' };
  }

  history(o: { days?: 7 | 'all' } = {}): HistoryEntry[] {
    this.record('history', o);
    const runs: HistoryEntry[] = [...this.runs.values()].map((r) => ({
      jobId: `run-${r.id}`, type: 'backup', planName: r.planName, startedAt: r.startedAt as number, finishedAt: r.finishedAt,
      durationMs: r.finishedAt === null ? null : r.finishedAt - (r.startedAt as number),
      status: r.state === 'completed' ? 'Success' : r.state === 'cancelled' ? 'Cancelled' : r.finishedAt === null ? 'Running' : 'Failed',
      vms: r.vms.map((v) => v.vmName), message: r.message,
    }));
    const all = [...runs, ...this.jobs].sort((a, b) => b.startedAt - a.startedAt);
    return o.days === 'all' ? all : all.filter((j) => j.startedAt > this.now - 7 * 24 * HOUR);
  }

  reportCsv(): string {
    this.record('reportCsv');
    const rows = [...this.runs.values()].flatMap((r) => r.vms.map((v) => [v.vmName, r.planName ?? '', new Date(r.startedAt as number).toISOString(), r.finishedAt === null ? '' : new Date(r.finishedAt).toISOString(), r.state, v.bytesRead, v.bytesStored].join(',')));
    return `vm,plan,start,end,status,bytesRead,bytesStored\n${rows.map((l) => `${l}\n`).join('')}`;
  }
}

/** A valid plan body. */
export const PLAN: PlanInput = {
  name: 'daily-web',
  vms: ['web01', 'web02'],
  schedule: { type: 'daily', startDate: '2026-01-06', slotHour: 2, startMinute: 10 },
  timeZone: 'Europe/Berlin',
  retentionDays: 7,
};
