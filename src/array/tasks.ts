/**
 * Long operations as tasks: full clone, replication, restore, copy of differences and
 * the background deletion of a snapshot. A task is validated and created in the
 * caller's transaction; `tick` then advances every running task by the injected clock
 * at the configured rate, each step its own transaction, so progress survives a kill
 * and resumes where it stopped. L8: clone-like tasks beyond the model's concurrency
 * limit wait in `queued` until a slot frees.
 */
import type { Ctx } from './context';
import { chunksOf, copyChunk, differingIndexes, dropChunks, unsharedIndexes, allocatedCount, differingCount } from './chunks';
import { ArrayError, isArrayError } from './errors';
import { appendEvent, appendAlarm } from './events';
import { hex4 } from './ids';
import { findLdById, getArray, getLdById } from './lookup';
import { CHUNK_BYTES, MODEL_LIMITS } from './models';
import { toTask } from './rows';
import type { DiskArray, LogicalDisk, Task, TaskKind } from './types';
import { removeLd, resetFamily, resetRpl } from './lds';

/** Task kinds that count against L8 (snapshot, clone, linked clone, migration). */
const LIMITED: TaskKind[] = ['clone', 'snapshot-delete', 'copy-diffs'];
/** Upper bound of chunks one tick moves per task, so one transaction stays short. */
const STEP_CHUNKS = 4096;

function nextTaskId(ctx: Ctx): string {
  ctx.store.run("INSERT INTO counters (name, value) VALUES ('task', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1");
  const n = (ctx.store.get<{ value: number }>("SELECT value FROM counters WHERE name = 'task'") as { value: number }).value;
  return `task-${n}`;
}

export interface NewTask {
  kind: TaskKind;
  srcLd?: number | null;
  dstLd?: number | null;
  baseLd?: number | null;
  pairId?: number | null;
  totalChunks: number;
  bytesPerSec: number;
  cancelable: boolean;
}

export function createTask(ctx: Ctx, array: DiskArray, t: NewTask): string {
  const id = nextTaskId(ctx);
  ctx.store.run(
    `INSERT INTO tasks (id, array_id, kind, state, total_chunks, bytes_per_sec, queued_at, cancelable, src_ld, dst_ld, base_ld, pair_id)
     VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)`,
    id, array.id, t.kind, t.totalChunks, Math.max(1, Math.round(t.bytesPerSec)), ctx.clock.now(), t.cancelable ? 1 : 0,
    t.srcLd ?? null, t.dstLd ?? null, t.baseLd ?? null, t.pairId ?? null,
  );
  startQueued(ctx, array);
  return id;
}

function runningLimited(ctx: Ctx, arrayId: number): number {
  return (ctx.store.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM tasks WHERE array_id = ? AND state = 'running' AND kind IN (${LIMITED.map(() => '?').join(',')})`,
    arrayId, ...LIMITED,
  ) as { n: number }).n;
}

/** Starts queued tasks in order while the array has free slots. */
export function startQueued(ctx: Ctx, array: DiskArray): void {
  const limit = MODEL_LIMITS[array.model].concurrentOperations;
  let running = runningLimited(ctx, array.id);
  const queued = ctx.store.all<{ id: string; kind: TaskKind }>("SELECT id, kind FROM tasks WHERE array_id = ? AND state = 'queued' ORDER BY queued_at, rowid", array.id);
  for (const q of queued) {
    const limited = LIMITED.includes(q.kind);
    if (limited && running >= limit) continue;
    ctx.store.run("UPDATE tasks SET state = 'running', started_at = ?, last_tick = ? WHERE id = ?", ctx.clock.now(), ctx.clock.now(), q.id);
    if (limited) running++;
  }
}

export function getTask(ctx: Ctx, id: string): Task {
  const r = ctx.store.get('SELECT * FROM tasks WHERE id = ?', id);
  if (!r) throw new ArrayError('NOT_FOUND', `The task ${id} does not exist.`, { taskId: id });
  return toTask(r);
}

export function listTasks(ctx: Ctx, arrayId?: number, activeOnly = false): Task[] {
  const where: string[] = [];
  const params: number[] = [];
  if (arrayId !== undefined) {
    where.push('array_id = ?');
    params.push(arrayId);
  }
  if (activeOnly) where.push("state IN ('queued', 'running')");
  const sql = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY queued_at, rowid`;
  return ctx.store.all(sql, ...params).map(toTask);
}

interface TaskRow {
  id: string;
  array_id: number;
  kind: TaskKind;
  state: string;
  total_chunks: number;
  done_chunks: number;
  cursor: number;
  bytes_per_sec: number;
  started_at: number;
  src_ld: number | null;
  dst_ld: number | null;
  base_ld: number | null;
  pair_id: number | null;
}

function slot(ld: LogicalDisk) {
  return { id: ld.id, poolId: ld.poolId, allocation: ld.allocation };
}

/**
 * A copy (clone, replication, restore, copy of differences) reads its source chunk by
 * chunk while its task runs, and promises its destination equal to the source when it
 * ends. A second copy writing into that source meanwhile (a restore into a VVol being
 * cloned) would leave the first one's destination neither the old image nor the new one.
 * So an LD is not copied into while a copy reads or writes it (checkNoCopyInto), and not
 * copied from while a copy writes into it (checkNoCopyWriting).
 */
function activeCopy(ctx: Ctx, ldId: number, readsToo: boolean): { id: string; kind: string } | undefined {
  return ctx.store.get<{ id: string; kind: string }>(
    `SELECT id, kind FROM tasks WHERE (dst_ld = ?${readsToo ? ' OR src_ld = ?' : ''}) AND kind <> 'snapshot-delete' AND state IN ('queued', 'running') LIMIT 1`,
    ...(readsToo ? [ldId, ldId] : [ldId]),
  );
}

export function checkNoCopyInto(ctx: Ctx, ld: LogicalDisk): void {
  const t = activeCopy(ctx, ld.id, true);
  if (t) throw new ArrayError('FAILED_PRECONDITION', `The LD ${ld.name} (${hex4(ld.ldn)}h) is being copied (${t.kind} ${t.id}); it cannot be copied into until that copy ends.`, { ldn: hex4(ld.ldn), taskId: t.id });
}

export function checkNoCopyWriting(ctx: Ctx, ld: LogicalDisk): void {
  const t = activeCopy(ctx, ld.id, false);
  if (t) throw new ArrayError('FAILED_PRECONDITION', `The LD ${ld.name} (${hex4(ld.ldn)}h) is being written by a copy (${t.kind} ${t.id}); it cannot be copied from until that copy ends.`, { ldn: hex4(ld.ldn), taskId: t.id });
}

/** Moves up to n chunks of a task; returns how many were handled and whether the task is done. */
function step(ctx: Ctx, t: TaskRow, n: number): { handled: number; done: boolean; cursor: number } {
  if (t.kind === 'snapshot-delete') {
    const handled = dropChunks(ctx, t.src_ld as number, n);
    return { handled, done: handled < n, cursor: t.cursor };
  }
  const src = t.src_ld as number;
  const dst = getLdById(ctx, t.dst_ld as number);
  // The copy covers the destination's capacity: a larger source (an RV expanded on its own) brings nothing past dst's end.
  const end = chunksOf(dst.capacity);
  const idxs = t.kind === 'copy-diffs' ? unsharedIndexes(ctx, src, t.base_ld as number, t.cursor + 1, end).slice(0, n) : differingIndexes(ctx, src, dst.id, t.cursor + 1, n, end);
  for (const i of idxs) copyChunk(ctx, src, slot(dst), i);
  return { handled: idxs.length, done: idxs.length < n, cursor: idxs.length ? idxs[idxs.length - 1] : t.cursor };
}

/** Advances one running task to the clock's now. Runs inside the caller's transaction. */
export function advanceTask(ctx: Ctx, id: string): void {
  const t = ctx.store.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', id);
  if (!t || t.state !== 'running') return;
  const now = ctx.clock.now();
  const allowed = Math.floor(((now - t.started_at) * t.bytes_per_sec) / 1000 / CHUNK_BYTES);
  let n = Math.min(STEP_CHUNKS, allowed - t.done_chunks);
  if (n <= 0) {
    if (t.done_chunks < t.total_chunks) {
      ctx.store.run('UPDATE tasks SET last_tick = ? WHERE id = ?', now, id);
      return;
    }
    n = 1; // the estimate is used up: one more step confirms the end or finds the rest
  }
  let r: { handled: number; done: boolean; cursor: number };
  try {
    r = ctx.store.savepoint(() => step(ctx, t, n));
  } catch (e) {
    if (isArrayError(e) && (e.code === 'OUT_OF_RESOURCE' || e.code === 'NOT_FOUND')) {
      failTask(ctx, t, e);
      return;
    }
    throw e;
  }
  const done = t.done_chunks + r.handled;
  const total = Math.max(t.total_chunks, done + (r.done ? 0 : 1));
  const progress = r.done ? 100 : Math.min(99, Math.floor((done * 100) / Math.max(1, total)));
  ctx.store.run('UPDATE tasks SET done_chunks = ?, total_chunks = ?, cursor = ?, progress = ?, last_tick = ? WHERE id = ?', done, total, r.cursor, progress, now, id);
  if (r.done) finishTask(ctx, t);
}

function finishTask(ctx: Ctx, t: TaskRow): void {
  const s = ctx.store;
  const now = ctx.clock.now();
  let result: string | null = null;
  switch (t.kind) {
    case 'clone': {
      const dst = getLdById(ctx, t.dst_ld as number);
      s.run('DELETE FROM pairs WHERE id = ?', t.pair_id);
      s.run("UPDATE lds SET access = 'ReadWrite', cloning_since = NULL WHERE id = ?", dst.id);
      resetRpl(ctx, dst.id);
      resetRpl(ctx, t.src_ld as number);
      result = dst.vvolId;
      appendEvent(ctx, t.array_id, { type: 'Config', configType: 'New', objectType: 'VirtualVolume', objectId: dst.vvolId ?? hex4(dst.ldn), messageId: 'nec.clone.completed', message: `The full clone ${dst.name} (${hex4(dst.ldn)}h) is complete.` });
      break;
    }
    case 'replicate':
      s.run("UPDATE pairs SET sync_state = 'rpl/sync', copy_control = '-' WHERE id = ?", t.pair_id);
      break;
    case 'restore':
      s.run("UPDATE pairs SET sync_state = 'rst/sync', copy_control = '-' WHERE id = ?", t.pair_id);
      break;
    case 'snapshot-delete': {
      const esv = findLdById(ctx, t.src_ld as number);
      if (esv) {
        removeLd(ctx, esv);
        if (esv.parentId !== null) resetFamily(ctx, esv.parentId);
        appendEvent(ctx, t.array_id, { type: 'Config', configType: 'Delete', objectType: 'VirtualVolume', objectId: esv.vvolId ?? hex4(esv.ldn), messageId: 'nec.snapshot.deleted', message: `The snapshot ${esv.name} (${hex4(esv.ldn)}h) was deleted.` });
      }
      break;
    }
    case 'copy-diffs':
      break;
  }
  s.run("UPDATE tasks SET state = 'success', progress = 100, finished_at = ?, result = ? WHERE id = ?", now, result, t.id);
  startQueued(ctx, getArray(ctx, t.array_id));
}

function failTask(ctx: Ctx, t: TaskRow, e: ArrayError): void {
  const s = ctx.store;
  s.run("UPDATE tasks SET state = 'error', finished_at = ?, error_code = ?, error_message = ? WHERE id = ?", ctx.clock.now(), e.code, e.message, t.id);
  if (t.kind === 'clone' && t.dst_ld !== null) {
    // A failed full clone leaves an incomplete copy: the pair is dissolved (the source is
    // free again) and the target stays faulted, never ready, until it is deleted.
    s.run('DELETE FROM pairs WHERE id = ?', t.pair_id);
    resetRpl(ctx, t.dst_ld);
    if (t.src_ld !== null) resetRpl(ctx, t.src_ld);
    s.run("UPDATE lds SET state = 'fault', fault_reason = 'clone-failed', access = 'NotReady' WHERE id = ?", t.dst_ld);
  } else {
    if (t.dst_ld !== null && t.kind !== 'snapshot-delete') {
      s.run("UPDATE lds SET state = 'fault', fault_reason = 'pool-full' WHERE id = ? AND state = 'ready'", t.dst_ld);
    }
    if (t.pair_id !== null) s.run("UPDATE pairs SET sync_state = 'fault' WHERE id = ?", t.pair_id);
  }
  appendAlarm(ctx, t.array_id, { type: 'StorageObject', status: 'Red', objectType: 'Task', objectId: t.id, messageId: 'nec.task.failed', message: `The ${t.kind} task ${t.id} failed: ${e.message}` });
  startQueued(ctx, getArray(ctx, t.array_id));
}

/** Cancels a queued or running task; what it leaves depends on its kind. */
export function cancelTask(ctx: Ctx, id: string): Task {
  const t = ctx.store.get<TaskRow & { cancelable: number }>('SELECT * FROM tasks WHERE id = ?', id);
  if (!t) throw new ArrayError('NOT_FOUND', `The task ${id} does not exist.`, { taskId: id });
  if (!t.cancelable || (t.state !== 'queued' && t.state !== 'running')) {
    throw new ArrayError('NOT_CANCELLABLE', `The task ${id} cannot be cancelled (${t.state === 'queued' || t.state === 'running' ? 'it is not cancellable' : `it has ended: ${t.state}`}).`, { taskId: id, state: t.state });
  }
  const s = ctx.store;
  s.run("UPDATE tasks SET state = 'cancelled', cancelled = 1, finished_at = ? WHERE id = ?", ctx.clock.now(), id);
  if (t.kind === 'clone' && t.dst_ld !== null) {
    s.run('DELETE FROM pairs WHERE id = ?', t.pair_id);
    const dst = findLdById(ctx, t.dst_ld);
    if (dst) removeLd(ctx, dst);
    resetRpl(ctx, t.src_ld as number);
  } else if ((t.kind === 'replicate' || t.kind === 'restore') && t.pair_id !== null) {
    // The RV holds a partial copy: its data is not valid until the next full replicate.
    s.run("UPDATE pairs SET activity = 'separate', sync_state = 'cancel', previous_active = ?, task_id = NULL, rv_access = 'rw' WHERE id = ?", t.kind === 'replicate' ? 'rpl/exec' : 'rst/exec', t.pair_id);
    s.run("UPDATE lds SET access = 'ReadWrite' WHERE id = (SELECT rv_id FROM pairs WHERE id = ?)", t.pair_id);
  }
  startQueued(ctx, getArray(ctx, t.array_id));
  return getTask(ctx, id);
}

/** B5: a snapshot is removed in the background; until then its VM refuses snapshot operations. */
export function startSnapshotDeletion(ctx: Ctx, array: DiskArray, esv: LogicalDisk): string {
  const s = ctx.store;
  s.run("UPDATE lds SET state = 'deleting', deleting_since = ?, access = 'NotReady' WHERE id = ?", ctx.clock.now(), esv.id);
  // An ESV may be the MV of a (separated) backup pair (table 4-1); the pair goes with it, at once.
  for (const p of s.all<{ id: number; rv_id: number }>('SELECT id, rv_id FROM pairs WHERE mv_id = ?', esv.id)) {
    s.run('DELETE FROM pairs WHERE id = ?', p.id);
    resetRpl(ctx, p.rv_id);
  }
  resetRpl(ctx, esv.id);
  const id = createTask(ctx, array, {
    kind: 'snapshot-delete', srcLd: esv.id, baseLd: esv.parentId, totalChunks: allocatedCount(ctx, esv.id),
    bytesPerSec: ctx.opts.snapshotDeleteBytesPerSec, cancelable: false,
  });
  appendEvent(ctx, array.id, { type: 'Config', configType: 'Update', objectType: 'VirtualVolume', objectId: esv.vvolId ?? hex4(esv.ldn), messageId: 'nec.snapshot.deleting', message: `Deletion of the snapshot ${esv.name} (${hex4(esv.ldn)}h) started in the background.`, params: { taskId: id } });
  return id;
}

/** How many chunks a copy from src to dst has to move now. */
export function copyEstimate(ctx: Ctx, src: number, dst: number): number {
  return differingCount(ctx, src, dst);
}

/** Advances all running tasks of all arrays, starts queued ones, forgets old finished ones. */
export function tickAll(ctx: Ctx): void {
  const running = ctx.store.read(() => ctx.store.all<{ id: string }>("SELECT id FROM tasks WHERE state = 'running' ORDER BY started_at, rowid"));
  for (const r of running) ctx.store.tx(() => advanceTask(ctx, r.id));
  ctx.store.tx(() => {
    // Queued tasks whose slot freed while no process was running (after a restart).
    for (const a of ctx.store.all<{ array_id: number }>("SELECT DISTINCT array_id FROM tasks WHERE state = 'queued'")) {
      startQueued(ctx, getArray(ctx, a.array_id));
    }
    ctx.store.run("DELETE FROM tasks WHERE state IN ('success', 'error', 'cancelled') AND finished_at < ?", ctx.clock.now() - ctx.opts.taskRetentionMs);
  });
}
