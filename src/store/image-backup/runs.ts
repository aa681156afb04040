/**
 * The image-backup scheduler's runs in the store (migration 10): one row per run (a
 * plan's slot, or an immediate backup), one per VM of a run, the 24-hour counters of
 * backups per VM, and the scheduler's watermark of slots looked at. Plain values in,
 * plain values out; the scheduler (src/scheduler/) holds the rules and calls these
 * inside its own transactions (store.tx), one per state change. The SQL lives here, as
 * the store boundary wants (test/store/boundary.test.ts).
 *
 * Not found: the getters return undefined; updates of a missing row change nothing.
 */
import type { Store } from '../db';

export type RunRowState = 'queued' | 'snapshotting' | 'archiving' | 'completed' | 'failed' | 'cancelled' | 'skipped' | 'missed';
export type RunVmRowState = 'waiting' | 'snapshotted' | 'archiving' | 'completed' | 'failed' | 'cancelled' | 'skipped';

export const ACTIVE_RUN_STATES: readonly RunRowState[] = ['queued', 'snapshotting', 'archiving'];
export const ACTIVE_VM_STATES: readonly RunVmRowState[] = ['waiting', 'snapshotted', 'archiving'];

export interface RunRow {
  id: number;
  planId: number | null;
  planName: string | null;
  kind: 'scheduled' | 'immediate';
  /** `${planId}@${slotStart}`: UNIQUE, so a slot never has two runs. */
  slotKey: string | null;
  slotStart: number | null;
  slotEnd: number | null;
  state: RunRowState;
  retentionDays: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  backupTime: number | null;
  message: string | null;
  /** The process advancing the run (a restarted daemon takes over a dead one's). */
  ownerPid: number | null;
  /** Whether the finished job's mail was handed to the mailer. */
  mailed: boolean;
}

/** One disk of a VM in a run: the base VVol and the snapshot taken of it at the consistency point. */
export interface RunDiskRow {
  name: string;
  role: 'config' | 'data';
  baseVvolId: string;
  snapshotVvolId: string | null;
  capacityBytes: number;
  chunks: number;
  policy: string | null;
}

export interface RunVmRow {
  runId: number;
  /** Null until the run's start resolved the name (a VM gone by then keeps none). */
  vmId: string | null;
  vmName: string;
  state: RunVmRowState;
  ioLoad: number;
  order: number;
  disks: RunDiskRow[];
  snapshotAt: number | null;
  snapshotReleasedAt: number | null;
  snapshotHeldMs: number | null;
  archiveStartedAt: number | null;
  finishedAt: number | null;
  chunksDone: number;
  chunksTotal: number;
  bytesRead: number;
  bytesStored: number;
  imageId: string | null;
  attempt: number;
  message: string | null;
}

type Raw = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toRun(r: Raw): RunRow {
  return {
    id: Number(r.id), planId: num(r.plan_id), planName: str(r.plan_name), kind: r.kind as RunRow['kind'], slotKey: str(r.slot_key),
    slotStart: num(r.slot_start), slotEnd: num(r.slot_end), state: r.state as RunRowState, retentionDays: Number(r.retention_days),
    createdAt: Number(r.created_at), startedAt: num(r.started_at), finishedAt: num(r.finished_at), backupTime: num(r.backup_time),
    message: str(r.message), ownerPid: num(r.owner_pid), mailed: !!r.mailed,
  };
}

function toRunVm(r: Raw): RunVmRow {
  return {
    runId: Number(r.run_id), vmId: str(r.vm_id), vmName: String(r.vm_name), state: r.state as RunVmRowState, ioLoad: Number(r.io_load),
    order: Number(r.ord), disks: JSON.parse(String(r.disks)) as RunDiskRow[], snapshotAt: num(r.snapshot_at),
    snapshotReleasedAt: num(r.snapshot_released_at), snapshotHeldMs: num(r.snapshot_held_ms), archiveStartedAt: num(r.archive_started_at),
    finishedAt: num(r.finished_at), chunksDone: Number(r.chunks_done), chunksTotal: Number(r.chunks_total), bytesRead: Number(r.bytes_read),
    bytesStored: Number(r.bytes_stored), imageId: str(r.image_id), attempt: Number(r.attempt), message: str(r.message),
  };
}

const ACTIVE_RUNS = "('queued', 'snapshotting', 'archiving')";
const ACTIVE_VMS = "('waiting', 'snapshotted', 'archiving')";

/** A run as it is recorded: its slot and plan, its first state (queued, or already skipped or missed). */
export type NewRun = Pick<RunRow, 'planId' | 'planName' | 'kind' | 'slotKey' | 'slotStart' | 'slotEnd' | 'state' | 'retentionDays' | 'createdAt'>
  & Partial<Pick<RunRow, 'message' | 'finishedAt'>>;

/** Columns of a run a state change may set. */
export interface RunChange {
  state?: RunRowState;
  startedAt?: number | null;
  finishedAt?: number | null;
  backupTime?: number | null;
  message?: string | null;
  ownerPid?: number | null;
  mailed?: boolean;
}

/** Columns of a run's VM a state change may set. */
export interface RunVmChange {
  vmId?: string | null;
  state?: RunVmRowState;
  ioLoad?: number;
  order?: number;
  disks?: RunDiskRow[];
  snapshotAt?: number | null;
  snapshotReleasedAt?: number | null;
  snapshotHeldMs?: number | null;
  archiveStartedAt?: number | null;
  finishedAt?: number | null;
  chunksDone?: number;
  chunksTotal?: number;
  bytesRead?: number;
  bytesStored?: number;
  imageId?: string | null;
  attempt?: number;
  message?: string | null;
}

const RUN_COLUMNS: Record<keyof RunChange, string> = {
  state: 'state', startedAt: 'started_at', finishedAt: 'finished_at', backupTime: 'backup_time', message: 'message', ownerPid: 'owner_pid', mailed: 'mailed',
};
const VM_COLUMNS: Record<keyof RunVmChange, string> = {
  vmId: 'vm_id', state: 'state', ioLoad: 'io_load', order: 'ord', disks: 'disks', snapshotAt: 'snapshot_at', snapshotReleasedAt: 'snapshot_released_at',
  snapshotHeldMs: 'snapshot_held_ms', archiveStartedAt: 'archive_started_at', finishedAt: 'finished_at', chunksDone: 'chunks_done',
  chunksTotal: 'chunks_total', bytesRead: 'bytes_read', bytesStored: 'bytes_stored', imageId: 'image_id', attempt: 'attempt', message: 'message',
};

type Param = string | number | null;
function toParam(v: unknown): Param {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** `SET a = ?, b = ?` and its values for the fields present in `change`. */
function assignments<K extends string>(change: Partial<Record<K, unknown>>, columns: Record<K, string>): { sql: string; values: Param[] } {
  const keys = (Object.keys(change) as K[]).filter((k) => change[k] !== undefined);
  return { sql: keys.map((k) => `${columns[k]} = ?`).join(', '), values: keys.map((k) => toParam(change[k])) };
}

export class RunTable {
  constructor(private readonly store: Store) {}

  /** A new run; undefined when its slot key is taken (the slot has its run already). */
  insert(n: NewRun): RunRow | undefined {
    const r = this.store.run(
      `INSERT OR IGNORE INTO image_runs (plan_id, plan_name, kind, slot_key, slot_start, slot_end, state, retention_days, created_at, message, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      n.planId, n.planName, n.kind, n.slotKey, n.slotStart, n.slotEnd, n.state, n.retentionDays, n.createdAt, n.message ?? null, n.finishedAt ?? null,
    );
    return r.changes === 0 ? undefined : this.get(Number(r.lastInsertRowid));
  }

  get(id: number): RunRow | undefined {
    const r = this.store.get<Raw>('SELECT * FROM image_runs WHERE id = ?', id);
    return r ? toRun(r) : undefined;
  }

  bySlotKey(key: string): RunRow | undefined {
    const r = this.store.get<Raw>('SELECT * FROM image_runs WHERE slot_key = ?', key);
    return r ? toRun(r) : undefined;
  }

  /** Runs newest first; `active`: only those not yet ended. */
  list(o: { planId?: number; active?: boolean; limit?: number } = {}): RunRow[] {
    const where: string[] = [];
    const params: Param[] = [];
    if (o.planId !== undefined) {
      where.push('plan_id = ?');
      params.push(o.planId);
    }
    if (o.active) where.push(`state IN ${ACTIVE_RUNS}`);
    params.push(o.limit ?? -1);
    return this.store.all<Raw>(`SELECT * FROM image_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, ...params).map(toRun);
  }

  /** Runs not yet ended, oldest first. */
  active(): RunRow[] {
    return this.store.all<Raw>(`SELECT * FROM image_runs WHERE state IN ${ACTIVE_RUNS} ORDER BY id`).map(toRun);
  }

  /** The plan's run still going, if any. */
  activeOfPlan(planId: number): RunRow | undefined {
    const r = this.store.get<Raw>(`SELECT * FROM image_runs WHERE plan_id = ? AND state IN ${ACTIVE_RUNS} ORDER BY id LIMIT 1`, planId);
    return r ? toRun(r) : undefined;
  }

  /** Runs ended and not yet mailed, oldest first. */
  unmailed(limit: number): RunRow[] {
    return this.store.all<Raw>(`SELECT * FROM image_runs WHERE mailed = 0 AND state NOT IN ${ACTIVE_RUNS} ORDER BY id LIMIT ?`, limit).map(toRun);
  }

  /** The run that ended last (by its end, then id): what `status` calls the last finished backup; undefined when none has ended. */
  lastEnded(): RunRow | undefined {
    const r = this.store.get<Raw>(`SELECT * FROM image_runs WHERE state NOT IN ${ACTIVE_RUNS} ORDER BY COALESCE(finished_at, created_at) DESC, id DESC LIMIT 1`);
    return r ? toRun(r) : undefined;
  }

  /** Runs whose start (or, never started, record) time is at or after `since`, newest first. */
  since(since: number, limit: number): RunRow[] {
    return this.store.all<Raw>('SELECT * FROM image_runs WHERE COALESCE(started_at, slot_start, created_at) >= ? ORDER BY COALESCE(started_at, slot_start, created_at) DESC, id DESC LIMIT ?', since, limit).map(toRun);
  }

  /** Marks the run's mail as handed over; false when another process (or an earlier call) did. */
  claimMail(id: number): boolean {
    return this.store.run('UPDATE image_runs SET mailed = 1 WHERE id = ? AND mailed = 0', id).changes === 1;
  }

  update(id: number, change: RunChange): void {
    const a = assignments(change, RUN_COLUMNS);
    if (a.sql) this.store.run(`UPDATE image_runs SET ${a.sql} WHERE id = ?`, ...a.values, id);
  }

  // ---- the VMs of a run ----------------------------------------------------------------
  /** A VM of a run; a name listed twice is one VM. */
  insertVm(runId: number, vm: { vmName: string; vmId?: string | null; state: RunVmRowState; message?: string | null; finishedAt?: number | null }): void {
    this.store.run('INSERT OR IGNORE INTO image_run_vms (run_id, vm_name, vm_id, state, message, finished_at) VALUES (?, ?, ?, ?, ?, ?)', runId, vm.vmName, vm.vmId ?? null, vm.state, vm.message ?? null, vm.finishedAt ?? null);
  }

  vm(runId: number, vmName: string): RunVmRow | undefined {
    const r = this.store.get<Raw>('SELECT * FROM image_run_vms WHERE run_id = ? AND vm_name = ?', runId, vmName);
    return r ? toRunVm(r) : undefined;
  }

  vms(runId: number): RunVmRow[] {
    return this.store.all<Raw>('SELECT * FROM image_run_vms WHERE run_id = ? ORDER BY ord, vm_name', runId).map(toRunVm);
  }

  /** The VMs of many runs at once, by run id. */
  vmsOf(runIds: readonly number[]): Map<number, RunVmRow[]> {
    const out = new Map<number, RunVmRow[]>();
    if (runIds.length === 0) return out;
    const rows = this.store.all<Raw>('SELECT * FROM image_run_vms WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, ord, vm_name', JSON.stringify(runIds)).map(toRunVm);
    for (const r of rows) {
      let list = out.get(r.runId);
      if (!list) out.set(r.runId, (list = []));
      list.push(r);
    }
    return out;
  }

  updateVm(runId: number, vmName: string, change: RunVmChange): void {
    const a = assignments(change, VM_COLUMNS);
    if (a.sql) this.store.run(`UPDATE image_run_vms SET ${a.sql} WHERE run_id = ? AND vm_name = ?`, ...a.values, runId, vmName);
  }

  /** VMs of runs started at or after `since` (the report), newest run first, at most `limit`. */
  vmsSince(since: number, limit: number): (RunVmRow & { run: RunRow })[] {
    const rows = this.store.all<Raw>(
      `SELECT v.*, r.id AS r_id, r.plan_id AS r_plan_id, r.plan_name AS r_plan_name, r.kind AS r_kind, r.slot_key AS r_slot_key, r.slot_start AS r_slot_start,
              r.slot_end AS r_slot_end, r.state AS r_state, r.retention_days AS r_retention_days, r.created_at AS r_created_at, r.started_at AS r_started_at,
              r.finished_at AS r_finished_at, r.backup_time AS r_backup_time, r.message AS r_message, r.owner_pid AS r_owner_pid, r.mailed AS r_mailed
         FROM image_runs r JOIN image_run_vms v ON v.run_id = r.id
        WHERE COALESCE(r.started_at, r.slot_start, r.created_at) >= ?
        ORDER BY COALESCE(r.started_at, r.slot_start, r.created_at) DESC, r.id DESC, v.ord, v.vm_name LIMIT ?`,
      since, limit,
    );
    return rows.map((r) => {
      const run: Raw = {};
      for (const [k, v] of Object.entries(r)) if (k.startsWith('r_')) run[k.slice(2)] = v;
      return { ...toRunVm(r), run: toRun(run) };
    });
  }

  /** The run a VM is being backed up in (a VM of an active run that is not done), if any. */
  activeRunOfVm(vmId: string): number | undefined {
    const r = this.store.get<{ run_id: number }>(
      `SELECT v.run_id FROM image_run_vms v JOIN image_runs r ON r.id = v.run_id WHERE v.vm_id = ? AND v.state IN ${ACTIVE_VMS} AND r.state IN ${ACTIVE_RUNS} LIMIT 1`,
      vmId,
    );
    return r?.run_id;
  }

  // ---- the 24-hour counters --------------------------------------------------------------
  countStart(vmId: string, at: number, runId: number): void {
    this.store.run('INSERT INTO image_backup_starts (vm_id, at, run_id) VALUES (?, ?, ?)', vmId, at, runId);
  }

  /** Start times of the VM's backups at or after `since`, oldest first. */
  startsSince(vmId: string, since: number): number[] {
    return this.store.all<{ at: number }>('SELECT at FROM image_backup_starts WHERE vm_id = ? AND at >= ? ORDER BY at', vmId, since).map((r) => r.at);
  }

  pruneStarts(before: number): void {
    this.store.run('DELETE FROM image_backup_starts WHERE at < ?', before);
  }

  // ---- the watermark -------------------------------------------------------------------
  meta(key: string): number | undefined {
    return this.store.get<{ value: number }>('SELECT value FROM image_backup_meta WHERE key = ?', key)?.value;
  }

  setMeta(key: string, value: number): void {
    this.store.run('INSERT INTO image_backup_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }
}
