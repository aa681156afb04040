/**
 * What every part of a run works with: the parts the runner is made of (engine, store,
 * tables, plans, settings, the backup store), and the run as the faces show it (the
 * contract's Run, made from the store's rows). Also the few names runs are known by:
 * the slot key, the job id, the image id.
 */
import type { Clock } from '../array/clock';
import type { Store } from '../store/db';
import type { ImageTable } from '../store/image-backup/images';
import type { RunRow, RunTable, RunVmRow } from '../store/image-backup/runs';
import type { ImageStoreApi, PlanBook, Run, RunVm, SchedulerSettings, SlotOccurrence } from './contract';
import type { VmNaming } from '../vcenter/naming';
import type { VmPowerControl } from '../vcenter/power';
import type { SchedulerEngine } from './vms';

/** Where the scheduler reports what happened (the provider log). */
export interface SchedulerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunnerDeps {
  engine: SchedulerEngine;
  store: Store;
  clock: Clock;
  plans: PlanBook;
  runs: RunTable;
  images: ImageTable;
  /** The datacenter VM names are resolved in without vCenter (src/backup/vm-resolver.ts). */
  datacenter: string;
  /** How VMs are named now (the vCenter link); absent: by the VVols' metadata in `datacenter`. */
  naming?: () => VmNaming;
  /** Powers a VM off through vCenter before a restore overwrites it; absent: restores as without vCenter. */
  power?: VmPowerControl;
  settings(): SchedulerSettings;
  /** The local backup store. */
  local(): ImageStoreApi;
  /** The second store, when one is configured. */
  secondary(): ImageStoreApi | undefined;
  /** This process: runs it advances carry its pid; a dead owner's runs are taken over. */
  pid: number;
  isAlive(pid: number): boolean;
  log: SchedulerLog;
}

export const SLOT_MS = 3600 * 1000;

export const slotKey = (o: Pick<SlotOccurrence, 'planId' | 'slotStart'>): string => `${o.planId}@${o.slotStart}`;
export const backupJobId = (runId: number): string => `backup-${runId}`;
export const restoreJobId = (restoreId: number): string => `restore-${restoreId}`;

/** "backup-12" / "12" -> 12; undefined when it names no run. */
export function parseRunId(id: string | number): number | undefined {
  const n = typeof id === 'number' ? id : Number(/^(?:backup-)?(\d+)$/.exec(id)?.[1] ?? NaN);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** An image id the store accepts (layout.ts: [A-Za-z0-9._-], 1-80, not starting with '.'): run, VM, attempt. */
export function imageIdFor(runId: number, vmName: string, attempt: number): string {
  const safe = vmName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48) || 'vm';
  return `r${runId}-${safe}-${attempt}`;
}

/** Whether this process may advance a run (nobody owns it, we do, or its owner is gone). */
export function mayAdvance(d: RunnerDeps, owner: number | null): boolean {
  return owner === null || owner === d.pid || !d.isAlive(owner);
}

export function toRunVm(v: RunVmRow): RunVm {
  return {
    vmId: v.vmId ?? '', vmName: v.vmName, state: v.state, ioLoad: v.ioLoad, order: v.order, snapshotAt: v.snapshotAt,
    snapshotReleasedAt: v.snapshotReleasedAt, snapshotHeldMs: v.snapshotHeldMs, chunksDone: v.chunksDone, chunksTotal: v.chunksTotal,
    bytesRead: v.bytesRead, bytesStored: v.bytesStored, imageId: v.imageId, message: v.message,
  };
}

export function toRun(r: RunRow, vms: RunVmRow[]): Run {
  return {
    id: r.id, planId: r.planId, planName: r.planName, kind: r.kind, state: r.state, slotStart: r.slotStart, startedAt: r.startedAt,
    finishedAt: r.finishedAt, backupTime: r.backupTime, message: r.message,
    // Busiest first as archived; VMs not backed up (order 0) after them.
    vms: [...vms].sort((a, b) => (a.order || Infinity) - (b.order || Infinity) || (a.vmName < b.vmName ? -1 : 1)).map(toRunVm),
  };
}

/** The run as the API shows it; undefined when there is none. */
export function readRun(d: Pick<RunnerDeps, 'store' | 'runs'>, id: number): Run | undefined {
  return d.store.read(() => {
    const r = d.runs.get(id);
    return r ? toRun(r, d.runs.vms(id)) : undefined;
  });
}
