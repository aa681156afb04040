/**
 * Backup operations on the array (Appendix E, F.3; K1-K4, K6, L9): which backup volume
 * (RV) a backup goes to, the K2 state of each RV, and the copies themselves as the
 * engine's DynamicDataReplication (replicate MV -> RV, restore RV -> MV), which the
 * clock advances like every task. A backup's point in time is the moment its copy
 * reached sync and the pair was separated (iSMrc_separate, as DDR gives one): `settle`,
 * called at every engine tick, does that in the same tick the copy ends, so a write
 * after that point never reaches the RV. Each state change is its own transaction.
 * Which VVols belong to a VM is decided by the caller (src/backup/), by LD id.
 */
import type { Ctx } from './context';
import { ArrayError } from './errors';
import { appendEvent } from './events';
import { hex4 } from './ids';
import { getLdById } from './lookup';
import { CHUNK_BYTES } from './models';
import { replicate, restore, separate } from './replication';
import { cancelTask } from './tasks';

/** K2's states, stored per RV (one backup generation). */
export type BackupStateCode = 'none' | 'checking' | 'backing-up' | 'completed' | 'failed' | 'restore-copying' | 'restored' | 'restore-failed';

/** The words F.3 (8) shows for each state. */
export const BACKUP_STATE_LABEL: Record<BackupStateCode, string> = {
  none: '-',
  checking: 'Configuration checking',
  'backing-up': 'Backing up',
  completed: 'Backup completed',
  failed: 'Backup failed',
  'restore-copying': 'Restore completed (copying in background)',
  restored: 'Restore completed',
  'restore-failed': 'Restore failed',
};

/** L9 (3.10, F.2.1): "Up to four backup operation commands can be executed in parallel." */
export const BACKUP_COMMAND_LIMIT = 4;

/** Messages of Appendix E.2 and F.3, word for word. */
export const BACKUP_MSG = {
  backupRunning: (dc: string, vm: string) => `Failed to back up for VM(${dc}/${vm}). Backup is already running.`,
  restoreRunning: (dc: string, vm: string) => `Failed to back up for VM(${dc}/${vm}).Restoring is still running.`,
  interrupted: (dc: string, vm: string) => `Failed to back up VM(${dc}/${vm}).Backup is interrupted.`,
  noPolicy: (dc: string, vm: string) => `The backup policy of VM(${dc}/${vm}) is not set.`,
  parallelLimit: 'Up to four backup operation commands can be executed in parallel.',
  /** F.3.2: "Cancellation of the mostly completed backup operation might fail. If the backup operation cannot be cancelled, wait until the operation is complete." */
  notCancellable: 'The backup operation cannot be cancelled. Wait until the operation is complete.',
  /** F.3.3. */
  hasSnapshot: 'If the target VM has a snapshot, the virtual device cannot be restored. Delete all snapshots in the target VM and restore the virtual device.',
};

/** A copy this far along (per cent of its chunks) is "mostly completed" and is not cancelled (F.3.2). */
export const CANCEL_REFUSED_FROM_PERCENT = 90;

export interface BackupVm {
  vmId: string;
  vmName: string;
  datacenter: string;
}

export interface RvState {
  rvId: number;
  rvLdn: number;
  rvName: string;
  poolName: string;
  generation: number;
  state: BackupStateCode;
  /** The point in time the RV's data holds; null: no valid data. */
  backedUpAt: number | null;
  /** Ms until the running copy ends at the configured rate; null when none runs. */
  remainingMs: number | null;
}

export interface DiskBackup {
  mvId: number;
  ldn: number;
  name: string;
  arrayId: number;
  rvs: RvState[];
  /** The RV with the newest valid data, and the one before it (F.3 (9)-(14)). */
  last?: RvState;
  previous?: RvState;
}

interface JobRow {
  id: number;
  vm_id: string;
  vm_name: string;
  datacenter: string;
  kind: 'backup' | 'restore';
  state: string;
}

interface StateRow {
  rv_id: number;
  mv_id: number;
  generation: number;
  state: BackupStateCode | null;
  backed_up_at: number | null;
  job_id: number | null;
  task_id: string | null;
}

const ACTIVE_STATES: BackupStateCode[] = ['checking', 'backing-up', 'restore-copying'];

function activeJob(ctx: Ctx, vmId: string): JobRow | undefined {
  return ctx.store.get<JobRow>("SELECT * FROM backup_jobs WHERE state = 'active' AND vm_id = ? ORDER BY id LIMIT 1", vmId);
}

function activeJobCount(ctx: Ctx): number {
  return (ctx.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM backup_jobs WHERE state = 'active'") as { n: number }).n;
}

function statesOf(ctx: Ctx, mvId: number): StateRow[] {
  return ctx.store.all<StateRow>(
    'SELECT b.rv_id, b.mv_id, b.generation, s.state, s.backed_up_at, s.job_id, s.task_id FROM backup_volumes b LEFT JOIN backup_states s ON s.rv_id = b.rv_id WHERE b.mv_id = ? ORDER BY b.generation',
    mvId,
  );
}

function setState(ctx: Ctx, rvId: number, state: BackupStateCode, o: { jobId?: number | null; taskId?: string | null; backedUpAt?: number | null } = {}): void {
  const s = ctx.store;
  s.run("INSERT INTO backup_states (rv_id, state, updated_at) VALUES (?, 'none', ?) ON CONFLICT(rv_id) DO NOTHING", rvId, ctx.clock.now());
  s.run('UPDATE backup_states SET state = ?, updated_at = ? WHERE rv_id = ?', state, ctx.clock.now(), rvId);
  if (o.jobId !== undefined) s.run('UPDATE backup_states SET job_id = ? WHERE rv_id = ?', o.jobId, rvId);
  if (o.taskId !== undefined) s.run('UPDATE backup_states SET task_id = ? WHERE rv_id = ?', o.taskId, rvId);
  if (o.backedUpAt !== undefined) s.run('UPDATE backup_states SET backed_up_at = ? WHERE rv_id = ?', o.backedUpAt, rvId);
}

function remainingMs(ctx: Ctx, taskId: string | null): number | null {
  if (!taskId) return null;
  const t = ctx.store.get<{ state: string; total_chunks: number; done_chunks: number; bytes_per_sec: number }>('SELECT state, total_chunks, done_chunks, bytes_per_sec FROM tasks WHERE id = ?', taskId);
  if (!t || (t.state !== 'running' && t.state !== 'queued')) return null;
  return Math.ceil((Math.max(0, t.total_chunks - t.done_chunks) * CHUNK_BYTES * 1000) / t.bytes_per_sec);
}

/** The backup state of one VVol (MV): its RVs, each with its state, and the last and previous backup. */
export function diskBackup(ctx: Ctx, mvId: number): DiskBackup {
  const mv = getLdById(ctx, mvId);
  const rvs: RvState[] = statesOf(ctx, mvId).map((r) => {
    const rv = getLdById(ctx, r.rv_id);
    const pool = ctx.store.get<{ name: string }>('SELECT name FROM pools WHERE id = ?', rv.poolId) as { name: string };
    const state = r.state ?? 'none';
    return {
      rvId: rv.id, rvLdn: rv.ldn, rvName: rv.name, poolName: pool.name, generation: r.generation, state, backedUpAt: r.backed_up_at,
      remainingMs: ACTIVE_STATES.includes(state) ? remainingMs(ctx, r.task_id) : null,
    };
  });
  const valid = rvs.filter((r) => r.backedUpAt !== null).sort((a, b) => (b.backedUpAt as number) - (a.backedUpAt as number) || b.rvId - a.rvId);
  return { mvId, ldn: mv.ldn, name: mv.name, arrayId: mv.arrayId, rvs, last: valid[0], previous: valid[1] };
}

/**
 * K1: the backup destination among a VVol's RVs: one never backed up first, then one
 * whose backup failed (its data is not valid), then the one with the older backup.
 */
export function chooseDestination(d: DiskBackup): RvState | undefined {
  const never = d.rvs.find((r) => r.backedUpAt === null && r.state !== 'failed');
  if (never) return never;
  const failed = d.rvs.find((r) => r.backedUpAt === null);
  if (failed) return failed;
  return [...d.rvs].sort((a, b) => (a.backedUpAt as number) - (b.backedUpAt as number) || a.generation - b.generation)[0];
}

/**
 * How long (by the injected clock) a job may stay in "Configuration checking" before it
 * is taken for the leftover of a process that died. Why a bound on the clock and not a
 * pid: the two steps of a backup (beginBackup, startBackupCopies) are two transactions
 * of one synchronous call with no I/O wait between them (src/backup/operations.ts), so
 * a live process never leaves a job in "checking" across an engine tick, let alone for
 * ten seconds of its clock; a pid could be reused, and the store may be opened by a
 * process on another host. A job that got this far started no copy: its RVs still hold
 * what they held before (a valid older backup stays valid), only the new backup failed.
 */
export const CHECKING_STALE_MS = 10_000;

/**
 * K2/K6 after a kill: ends every backup job left in "Configuration checking" for longer
 * than CHECKING_STALE_MS as "Backup failed", with the event "Failed to back up
 * VM(dc/vm).Backup is interrupted." (the user re-runs the backup), so that K6 no longer
 * refuses the VM. Returns the jobs it ended.
 */
export function failStaleChecks(ctx: Ctx): number[] {
  const stale = ctx.store.all<JobRow>(
    "SELECT * FROM backup_jobs j WHERE j.state = 'active' AND j.kind = 'backup' AND j.started_at <= ? AND EXISTS (SELECT 1 FROM backup_states s WHERE s.job_id = j.id AND s.state = 'checking') AND NOT EXISTS (SELECT 1 FROM backup_states s WHERE s.job_id = j.id AND s.state <> 'checking')",
    ctx.clock.now() - CHECKING_STALE_MS,
  );
  for (const job of stale) {
    const arrays = new Set<number>();
    for (const r of ctx.store.all<{ rv_id: number }>("SELECT rv_id FROM backup_states WHERE job_id = ? AND state = 'checking'", job.id)) {
      // No copy touched the RV: its point in time (if any) is still what it holds.
      setState(ctx, r.rv_id, 'failed', { taskId: null });
      arrays.add(getLdById(ctx, r.rv_id).arrayId);
    }
    ctx.store.run("UPDATE backup_jobs SET state = 'failed', finished_at = ? WHERE id = ?", ctx.clock.now(), job.id);
    const message = BACKUP_MSG.interrupted(job.datacenter, job.vm_name);
    for (const a of arrays) appendEvent(ctx, a, { type: 'Config', configType: 'Update', objectType: 'VirtualMachine', objectId: job.vm_id, messageId: 'nec.backup.interrupted', message });
  }
  return stale.map((j) => j.id);
}

/** K6 and L9, in that order: the VM's own job first, then the provider-wide limit. A job a dead process left in "checking" is ended first. */
function checkAdmission(ctx: Ctx, vm: BackupVm): void {
  failStaleChecks(ctx);
  const job = activeJob(ctx, vm.vmId);
  if (job) {
    const msg = job.kind === 'backup' ? BACKUP_MSG.backupRunning(vm.datacenter, vm.vmName) : BACKUP_MSG.restoreRunning(vm.datacenter, vm.vmName);
    throw new ArrayError('BUSY', msg, { vm: vm.vmName, running: job.kind });
  }
  if (activeJobCount(ctx) >= BACKUP_COMMAND_LIMIT) throw new ArrayError('TOO_MANY', BACKUP_MSG.parallelLimit, { limit: BACKUP_COMMAND_LIMIT });
}

function newJob(ctx: Ctx, vm: BackupVm, kind: 'backup' | 'restore'): number {
  const r = ctx.store.run("INSERT INTO backup_jobs (vm_id, vm_name, datacenter, kind, state, started_at) VALUES (?, ?, ?, ?, 'active', ?)", vm.vmId, vm.vmName, vm.datacenter, kind, ctx.clock.now());
  return Number(r.lastInsertRowid);
}

export interface BackupTarget {
  mvId: number;
  /** null: the VVol has no backup volume ("no backup"). */
  rv: RvState | null;
}

/**
 * K1 first step ("Configuration checking"): admits the backup (K6, L9), picks each
 * VVol's destination and records the job. The copies start in `startBackupCopies`.
 */
export function beginBackup(ctx: Ctx, vm: BackupVm, mvIds: number[]): { jobId: number; targets: BackupTarget[] } {
  const targets = mvIds.map((mvId) => ({ mvId, rv: chooseDestination(diskBackup(ctx, mvId)) ?? null }));
  if (!targets.some((t) => t.rv)) throw new ArrayError('FAILED_PRECONDITION', BACKUP_MSG.noPolicy(vm.datacenter, vm.vmName), { vm: vm.vmName });
  checkAdmission(ctx, vm);
  const jobId = newJob(ctx, vm, 'backup');
  for (const t of targets) if (t.rv) setState(ctx, t.rv.rvId, 'checking', { jobId, taskId: null });
  return { jobId, targets };
}

/** K1 second step ("Backing up"): replicates each MV to its chosen RV. Throws the array's message when one cannot start. */
export function startBackupCopies(ctx: Ctx, jobId: number): void {
  for (const r of ctx.store.all<{ rv_id: number; mv_id: number }>("SELECT s.rv_id, b.mv_id FROM backup_states s JOIN backup_volumes b ON b.rv_id = s.rv_id WHERE s.job_id = ? AND s.state = 'checking'", jobId)) {
    const mv = getLdById(ctx, r.mv_id);
    const rv = getLdById(ctx, r.rv_id);
    const pair = replicate(ctx, mv.arrayId, mv.ldn, rv.ldn);
    // A copy started now reads the data as it is when each chunk is copied; it is no backup until it ends.
    setState(ctx, rv.id, 'backing-up', { taskId: pair.taskId, backedUpAt: null });
  }
}

/** A backup that could not start its copies: every RV it was about to overwrite is "Backup failed". */
export function failJob(ctx: Ctx, jobId: number): void {
  for (const r of ctx.store.all<{ rv_id: number }>('SELECT rv_id FROM backup_states WHERE job_id = ? AND state IN (?, ?, ?)', jobId, ...ACTIVE_STATES)) {
    setState(ctx, r.rv_id, 'failed', { backedUpAt: null, taskId: null });
  }
  ctx.store.run("UPDATE backup_jobs SET state = 'failed', finished_at = ? WHERE id = ?", ctx.clock.now(), jobId);
}

/**
 * K3: cancels the VM's running backup: every copy still running stops, its RV's data is
 * invalid and its state "Backup failed"; the event "Failed to back up VM(dc/vm).Backup
 * is interrupted." is written. A backup whose copies are all mostly done is refused.
 */
export function cancelBackup(ctx: Ctx, vm: BackupVm): string {
  const job = activeJob(ctx, vm.vmId);
  if (!job || job.kind !== 'backup') throw new ArrayError('FAILED_PRECONDITION', `No backup of VM(${vm.datacenter}/${vm.vmName}) is running.`, { vm: vm.vmName });
  const rows = ctx.store.all<{ rv_id: number; state: BackupStateCode; task_id: string | null }>('SELECT rv_id, state, task_id FROM backup_states WHERE job_id = ? AND state IN (?, ?)', job.id, 'checking', 'backing-up');
  const progress = rows.map((r) => (r.task_id ? (ctx.store.get<{ progress: number }>('SELECT progress FROM tasks WHERE id = ?', r.task_id)?.progress ?? 100) : 0));
  if (rows.length > 0 && progress.every((p) => p >= CANCEL_REFUSED_FROM_PERCENT)) {
    throw new ArrayError('NOT_CANCELLABLE', BACKUP_MSG.notCancellable, { vm: vm.vmName, progress: progress.join(',') });
  }
  const arrays = new Set<number>();
  for (const r of rows) {
    if (r.task_id && ctx.store.get("SELECT 1 FROM tasks WHERE id = ? AND state IN ('queued', 'running')", r.task_id)) cancelTask(ctx, r.task_id);
    setState(ctx, r.rv_id, 'failed', { backedUpAt: null, taskId: null });
    arrays.add(getLdById(ctx, r.rv_id).arrayId);
  }
  ctx.store.run("UPDATE backup_jobs SET state = 'cancelled', finished_at = ? WHERE id = ?", ctx.clock.now(), job.id);
  const message = BACKUP_MSG.interrupted(vm.datacenter, vm.vmName);
  for (const a of arrays) appendEvent(ctx, a, { type: 'Config', configType: 'Update', objectType: 'VirtualMachine', objectId: vm.vmId, messageId: 'nec.backup.interrupted', message });
  return message;
}

/**
 * K4: restores VVols of a VM from their last (or previous) backup, RV -> MV as a task
 * ("Restore completed (copying in background)" until it ends). Refused while the VM has
 * snapshots (F.3.3) and under K6 / L9 like a backup.
 */
export function beginRestore(ctx: Ctx, vm: BackupVm, mvIds: number[], from: 'last' | 'previous'): { jobId: number; sources: { mvId: number; rv: RvState }[] } {
  if (mvIds.length === 0) throw new ArrayError('INVALID_ARGUMENT', 'No virtual disk to restore was given.');
  const marks = mvIds.map(() => '?').join(',');
  if (ctx.store.get(`SELECT 1 FROM lds WHERE parent_id IN (${marks}) AND snap = 'ESV'`, ...mvIds)) {
    throw new ArrayError('FAILED_PRECONDITION', BACKUP_MSG.hasSnapshot, { vm: vm.vmName });
  }
  const sources = mvIds.map((mvId) => {
    const d = diskBackup(ctx, mvId);
    const rv = from === 'last' ? d.last : d.previous;
    if (!rv) throw new ArrayError('FAILED_PRECONDITION', `The virtual disk ${d.name} (${hex4(d.ldn)}h) has no ${from} backup to restore from.`, { ldn: hex4(d.ldn), from });
    return { mvId, rv };
  });
  checkAdmission(ctx, vm);
  const jobId = newJob(ctx, vm, 'restore');
  for (const s of sources) {
    const mv = getLdById(ctx, s.mvId);
    const pair = restore(ctx, mv.arrayId, mv.ldn, s.rv.rvLdn);
    setState(ctx, s.rv.rvId, 'restore-copying', { jobId, taskId: pair.taskId });
  }
  return { jobId, sources };
}

/**
 * Moves every running backup and restore on by what its copy did: a copy that ended is
 * separated now (this is the backup's point in time) and its RV "Backup completed" (or
 * "Restore completed"); one that failed or was stopped is "Backup failed" ("Restore
 * failed"). A job ends when none of its RVs is active. One transaction per change.
 * First, a backup a killed process left in "Configuration checking" is ended (failStaleChecks).
 */
export function settleBackups(ctx: Ctx): void {
  ctx.store.tx(() => failStaleChecks(ctx));
  const active = ctx.store.read(() =>
    ctx.store.all<{ rv_id: number; mv_id: number | null; state: BackupStateCode; task_id: string | null }>(
      "SELECT s.rv_id, b.mv_id, s.state, s.task_id FROM backup_states s JOIN backup_volumes b ON b.rv_id = s.rv_id WHERE s.state IN ('backing-up', 'restore-copying')",
    ),
  );
  for (const r of active) {
    ctx.store.tx(() => {
      const task = r.task_id ? ctx.store.get<{ state: string }>('SELECT state FROM tasks WHERE id = ?', r.task_id) : undefined;
      if (task && (task.state === 'running' || task.state === 'queued')) return;
      const backup = r.state === 'backing-up';
      // The copy ended and its pair is still there (not unpaired or deleted under it by hand).
      const pair = r.mv_id === null ? undefined : ctx.store.get<{ sync_state: string }>('SELECT sync_state FROM pairs WHERE mv_id = ? AND rv_id = ?', r.mv_id, r.rv_id);
      if (task?.state === 'success' && r.mv_id !== null && (pair?.sync_state === 'rpl/sync' || pair?.sync_state === 'rst/sync')) {
        const mv = getLdById(ctx, r.mv_id);
        separate(ctx, mv.arrayId, mv.ldn, getLdById(ctx, r.rv_id).ldn);
        if (backup) setState(ctx, r.rv_id, 'completed', { backedUpAt: ctx.clock.now(), taskId: null });
        else setState(ctx, r.rv_id, 'restored', { taskId: null });
      } else if (backup) setState(ctx, r.rv_id, 'failed', { backedUpAt: null, taskId: null });
      else setState(ctx, r.rv_id, 'restore-failed', { taskId: null });
    });
  }
  ctx.store.tx(() => {
    for (const j of ctx.store.all<{ id: number }>("SELECT id FROM backup_jobs WHERE state = 'active'")) {
      const states = ctx.store.all<{ state: BackupStateCode }>('SELECT state FROM backup_states WHERE job_id = ?', j.id).map((s) => s.state);
      if (states.some((s) => ACTIVE_STATES.includes(s))) continue;
      const failed = states.some((s) => s === 'failed' || s === 'restore-failed');
      ctx.store.run('UPDATE backup_jobs SET state = ?, finished_at = ? WHERE id = ?', failed ? 'failed' : 'completed', ctx.clock.now(), j.id);
    }
  });
}
