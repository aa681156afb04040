/**
 * The image-backup scheduler's test bed: the demo array on a ManualClock, VMs made as
 * vSphere makes them (test/relation/scenario.ts), the real plan book and image store,
 * a recording mailer, and a driver that moves the clock and ticks the service and the
 * engine (whose tick finishes background snapshot deletions) together.
 */
import { SchedulerError } from '../../src/scheduler/contract';
import path from 'node:path';
import type { LogicalDisk } from '../../src/array/types';
import type { JobMail, JobMailer, PlanInput, SchedulerSettings } from '../../src/scheduler/contract';
import { ImageStore } from '../../src/scheduler/image-store';
import { PlanStore } from '../../src/scheduler/plans';
import { ImageBackupService, ImageBackupOptions } from '../../src/scheduler/service';
import { DEFAULT_SCHEDULER_SETTINGS } from '../../src/scheduler/settings';
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { addVvol, createVm, Vm } from '../relation/scenario';

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;
/** 2026-01-01T00:00:00Z, the ManualClock's default start. */
export const T0 = Date.UTC(2026, 0, 1);

export interface RecordingMailer extends JobMailer {
  sent: JobMail[];
  fail: boolean;
}

export function recordingMailer(): RecordingMailer {
  const m: RecordingMailer = {
    sent: [],
    fail: false,
    send(job) {
      if (m.fail) return Promise.resolve({ ok: false as const, error: 'the SMTP server refused the connection' });
      m.sent.push(job);
      return Promise.resolve({ ok: true as const, where: 'test' });
    },
  };
  return m;
}

export interface TestVm extends Vm {
  disks: LogicalDisk[];
}

export interface Bed {
  f: Fixture;
  svc: ImageBackupService;
  mailer: RecordingMailer;
  storeDir: string;
  settings: SchedulerSettings;
  /** Moves the clock by `ms` in steps of `step`, ticking the engine and the service after each. */
  run(ms: number, step?: number): void;
  /** Ticks until no run is active (at most `maxSteps` steps of `step`). */
  settle(step?: number, maxSteps?: number): void;
  /** A VM of `disks` data disks (GB each), the first `written` chunks of each written. */
  vm(name: string, o?: { disks?: number[]; written?: number; token?: string }): TestVm;
  plan(p: Partial<PlanInput> & { vms: string[] }): number;
  /** A service on the same store (a restarted daemon), replacing svc. */
  restart(o?: Partial<ImageBackupOptions>): ImageBackupService;
}

let vmSeq = 0;
const vmId = () => `502e0676-e510-ccdd-394c-${(0x667f6867fc00 + ++vmSeq).toString(16)}`;

export function makeService(f: Fixture, mailer: JobMailer, settings: SchedulerSettings, over: Partial<ImageBackupOptions> = {}): ImageBackupService {
  return new ImageBackupService({
    engine: f.engine, store: f.store, clock: f.clock, plans: (h) => new PlanStore(f.store, f.clock, h), openStore: (dir) => ImageStore.open(dir, { writers: 'in-thread' }),
    mailer, settings, defaultStoreDir: path.join(f.dir, 'backups'), ...over,
  });
}

export function bed(o: { settings?: Partial<SchedulerSettings>; fixture?: Fixture; service?: Partial<ImageBackupOptions> } = {}): Bed {
  const f = o.fixture ?? buildArray();
  const mailer = recordingMailer();
  const settings: SchedulerSettings = { ...DEFAULT_SCHEDULER_SETTINGS, ...o.settings };
  const b: Bed = {
    f, mailer, settings, storeDir: path.join(f.dir, 'backups'),
    svc: makeService(f, mailer, settings, o.service),
    run(ms, step = 1000) {
      for (let t = 0; t < ms; t += step) {
        b.f.clock.advance(Math.min(step, ms - t));
        b.f.engine.tick();
        b.svc.tick();
      }
    },
    settle(step = 1000, maxSteps = 20_000) {
      for (let i = 0; i < maxSteps && b.svc.listRuns({ active: true }).length; i++) b.run(step, step);
      b.run(step, step); // the last snapshot deletions
    },
    vm(name, v = {}) {
      const vm = createVm(b.f, vmId(), name);
      const disks = (v.disks ?? [1]).map((gb, i) => addVvol(b.f, vm, 'data', `${name}${i ? `_${i}` : ''}.vmdk`, gb * GB));
      const n = v.written ?? 8;
      for (const [i, d] of disks.entries()) {
        if (n > 0) b.f.engine.write(d, 0, Array.from({ length: n }, (_, c) => `${v.token ?? name}-d${i}-c${c}`));
      }
      b.f.engine.write(vm.config, 0, [`${name}-vmx`]);
      return { ...vm, disks };
    },
    plan(p) {
      return b.svc.createPlan({
        name: p.name ?? `plan-${p.vms.join('-')}`, vms: p.vms, timeZone: p.timeZone ?? 'UTC', retentionDays: p.retentionDays ?? 7, enabled: p.enabled,
        schedule: p.schedule ?? { type: 'daily', startDate: '2026-01-01', slotHour: 3 },
      }).id;
    },
    restart(over = {}) {
      b.svc = makeService(b.f, mailer, b.settings, { ...o.service, ...over });
      return b.svc;
    },
  };
  return b;
}

/** Every chunk of an LD. */
export function chunksOf(f: Fixture, ld: LogicalDisk): (string | null)[] {
  const cur = f.engine.getVvol(ld.vvolId as string);
  const n = Math.ceil(cur.capacity / (1024 * 1024));
  const out: (string | null)[] = [];
  for (let i = 0; i < n; i += 4096) out.push(...f.engine.readChunks(cur, i, Math.min(4096, n - i)));
  return out;
}

/** Every chunk of one disk of an image, read back from a store. */
export function imageChunks(store: ImageStore, imageId: string, diskName: string): (string | null)[] {
  const r = store.open(imageId);
  const i = r.manifest.disks.findIndex((d) => d.name === diskName);
  if (i < 0) throw new Error(`no disk ${diskName} in ${imageId}`);
  return Array.from({ length: r.manifest.disks[i].chunks }, (_, c) => r.chunk(i, c));
}

/** The snapshots (ESVs) still on the array, deleting ones included. */
export function snapshotsLeft(f: Fixture): number {
  return f.engine.listLds(f.array).filter((l) => l.snap === 'ESV').length;
}

/** The SchedulerError fn throws (fails the test when it throws nothing, or something else). */
export function schedulerError(fn: () => unknown): SchedulerError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SchedulerError) return e;
    throw e;
  }
  throw new Error('no SchedulerError thrown');
}
