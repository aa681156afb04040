/**
 * DynamicDataReplication pairs (MV/RV) as iSMrc_* shows and drives them: pair,
 * replicate (copy MV -> RV as a task, then keep in sync), separate (optionally
 * forced), restore (RV -> MV as a task), unpair. Activity and sync states follow the
 * manual's iSMrc_query output. B12: which LDs may take part follows table 4-1.
 */
import type { Ctx } from './context';
import { chunksOf, differingCount } from './chunks';
import { ArrayError, invalid } from './errors';
import { appendEvent } from './events';
import { ldApplicability, ldAttributes } from './applicability';
import { checkGate, requireLicence } from './gates';
import { hex4 } from './ids';
import { resetRpl } from './lds';
import { MSG } from './messages';
import { getArray, getLd, getLdById, ArrayRef } from './lookup';
import { CHUNK_BYTES, LIMITS } from './models';
import { checkNoCopyInto, checkNoCopyWriting, createTask, startQueued } from './tasks';
import type { LogicalDisk, ReplicationPair } from './types';

interface PairRow {
  id: number;
  array_id: number;
  mv_id: number;
  rv_id: number;
  purpose: 'backup' | 'clone';
  activity: 'replicate' | 'separate' | 'restore';
  sync_state: string;
  copy_control: string;
  separate_start: number | null;
  separate_end: number | null;
  rv_access: string;
  previous_active: string;
  task_id: string | null;
  mv_name: string;
  rv_name: string;
}

const PAIR_SELECT = 'SELECT p.*, m.name AS mv_name, r.name AS rv_name FROM pairs p JOIN lds m ON m.id = p.mv_id JOIN lds r ON r.id = p.rv_id';

function toPair(ctx: Ctx, r: PairRow): ReplicationPair {
  const diff = differingCount(ctx, r.mv_id, r.rv_id) * CHUNK_BYTES;
  return {
    id: r.id, arrayId: r.array_id, mvId: r.mv_id, rvId: r.rv_id, mvName: r.mv_name, rvName: r.rv_name, purpose: r.purpose,
    activity: r.activity, syncState: r.sync_state, copyControl: r.copy_control, separateStart: r.separate_start, separateEnd: r.separate_end,
    separateDiffBytes: r.activity === 'separate' ? diff : 0, copyDiffBytes: r.activity === 'separate' ? 0 : diff,
    rvAccess: r.rv_access, previousActive: r.previous_active, taskId: r.task_id,
  };
}

/** Pairs in which the LD is MV or RV. */
export function queryPairs(ctx: Ctx, ref: ArrayRef, ldRef: string | number): ReplicationPair[] {
  const a = getArray(ctx, ref);
  const ld = getLd(ctx, a.id, ldRef);
  return ctx.store.all<PairRow>(`${PAIR_SELECT} WHERE p.mv_id = ? OR p.rv_id = ? ORDER BY p.id`, ld.id, ld.id).map((r) => toPair(ctx, r));
}

export function listPairs(ctx: Ctx, ref: ArrayRef): ReplicationPair[] {
  const a = getArray(ctx, ref);
  return ctx.store.all<PairRow>(`${PAIR_SELECT} WHERE p.array_id = ? ORDER BY p.id`, a.id).map((r) => toPair(ctx, r));
}

function findPair(ctx: Ctx, arrayId: number, mvRef: string | number, rvRef: string | number): PairRow {
  const mv = getLd(ctx, arrayId, mvRef);
  const rv = getLd(ctx, arrayId, rvRef);
  const r = ctx.store.get<PairRow>(`${PAIR_SELECT} WHERE p.mv_id = ? AND p.rv_id = ?`, mv.id, rv.id);
  if (!r) throw new ArrayError('NOT_FOUND', `The LDs ${mv.name} and ${rv.name} are not paired.`, { mv: mv.name, rv: rv.name });
  return r;
}

/**
 * B12, table 4-1: no backup for a PE or an FEV, nor for an LD that is one of them besides
 * (an FCV or EBV that has fast clones of its own); FCV, EBV, ESV and plain LDs may be
 * backed up. Checked when the pair is made and again at each copy, since an MV may gain
 * fast clones after it was paired: "If the logical disk also has an attribute that denies
 * application of the function, the function cannot be applied."
 */
function checkBackupApplies(ctx: Ctx, ld: LogicalDisk, role: 'MV' | 'RV'): void {
  if (ldApplicability(ctx, ld).backup) return;
  const attrs = ldAttributes(ctx, ld).join('/');
  throw new ArrayError('NOT_SUPPORTED', `The backup function cannot be applied to the LD ${hex4(ld.ldn)}h (${attrs}) (table 4-1).`, { ldn: hex4(ld.ldn), role, attributes: attrs });
}

/** iSMrc_pair -pair: makes mv and rv a pair, separated, nothing copied yet. */
export function pairVolumes(ctx: Ctx, ref: ArrayRef, mvRef: string | number, rvRef: string | number, purpose: 'backup' | 'clone' = 'backup'): ReplicationPair {
  const a = getArray(ctx, ref);
  requireLicence(a, 'DynamicDataReplication');
  const mv = getLd(ctx, a.id, mvRef);
  const rv = getLd(ctx, a.id, rvRef);
  if (mv.id === rv.id) throw invalid('An LD cannot be paired with itself.');
  for (const [ld, role] of [[mv, 'MV'], [rv, 'RV']] as const) {
    // The SSV is a system volume, outside the tables of chapter 4.
    if (ld.kind === 'ssv') throw new ArrayError('NOT_SUPPORTED', `The LD ${hex4(ld.ldn)}h is the SSV and cannot be paired.`, { ldn: hex4(ld.ldn), role });
    checkBackupApplies(ctx, ld, role);
  }
  // An ESV can be backed up once its point in time is fixed; as a read-only snapshot it is never overwritten as an RV.
  if (mv.snap === 'ESV' && mv.state !== 'ready') throw new ArrayError('FAILED_PRECONDITION', `The snapshot ${mv.name} is ${mv.state === 'deleting' ? 'being deleted' : 'not taken yet'}.`, { ldn: hex4(mv.ldn), state: mv.state });
  if (rv.snap === 'ESV') throw new ArrayError('NOT_SUPPORTED', `The LD ${hex4(rv.ldn)}h is a snapshot volume (ESV) and cannot be an RV.`, { ldn: hex4(rv.ldn) });
  if (rv.capacity < mv.capacity) throw invalid(`The RV ${rv.name} (${rv.capacity} bytes) is smaller than the MV ${mv.name} (${mv.capacity} bytes).`);
  const s = ctx.store;
  if (s.get('SELECT 1 FROM pairs WHERE rv_id = ? OR mv_id = ?', rv.id, rv.id)) throw new ArrayError('IN_USE', `The LD ${rv.name} is already paired.`);
  if (s.get('SELECT 1 FROM pairs WHERE rv_id = ?', mv.id)) throw new ArrayError('IN_USE', `The LD ${mv.name} is an RV of another pair.`);
  if (s.get('SELECT 1 FROM bindings WHERE vvol_ld_id = ?', rv.id)) throw new ArrayError('IN_USE', `The LD ${rv.name} is bound and cannot become an RV.`);
  const pairs = (s.get<{ n: number }>('SELECT COUNT(*) AS n FROM pairs WHERE mv_id = ?', mv.id) as { n: number }).n;
  if (pairs >= LIMITS.pairsPerMv) throw new ArrayError('TOO_MANY', MSG.pairLimit, { pairs, limit: LIMITS.pairsPerMv });
  const r = s.run("INSERT INTO pairs (array_id, mv_id, rv_id, purpose, activity, sync_state, created_at) VALUES (?, ?, ?, ?, 'separate', 'separated', ?)", a.id, mv.id, rv.id, purpose, ctx.clock.now());
  s.run("UPDATE lds SET rpl = 'MV' WHERE id = ?", mv.id);
  s.run("UPDATE lds SET rpl = 'RV' WHERE id = ?", rv.id);
  appendEvent(ctx, a.id, { type: 'Config', configType: 'New', objectType: 'ReplicationPair', objectId: `${mv.name}/${rv.name}`, messageId: 'nec.pair.created', message: `The LDs ${mv.name} (MV) and ${rv.name} (RV) were paired.` });
  return toPair(ctx, s.get<PairRow>(`${PAIR_SELECT} WHERE p.id = ?`, Number(r.lastInsertRowid)) as PairRow);
}

function reload(ctx: Ctx, id: number): ReplicationPair {
  return toPair(ctx, ctx.store.get<PairRow>(`${PAIR_SELECT} WHERE p.id = ?`, id) as PairRow);
}

/** iSMrc_replicate: copies the differences MV -> RV as a task, then keeps the RV in sync. */
export function replicate(ctx: Ctx, ref: ArrayRef, mvRef: string | number, rvRef: string | number): ReplicationPair {
  const a = getArray(ctx, ref);
  checkGate(a, 'replication');
  const p = findPair(ctx, a.id, mvRef, rvRef);
  if (p.activity !== 'separate') throw new ArrayError('FAILED_PRECONDITION', `The pair ${p.mv_name}/${p.rv_name} is not separated (activity ${p.activity}).`, { activity: p.activity });
  if (p.purpose === 'backup') checkBackupApplies(ctx, getLdById(ctx, p.mv_id), 'MV');
  const rv = getLdById(ctx, p.rv_id);
  if (ctx.store.get('SELECT 1 FROM bindings WHERE vvol_ld_id = ?', rv.id)) throw new ArrayError('IN_USE', `The RV ${rv.name} is bound; unbind it before replicating.`);
  // Not from an MV a restore (or another copy) is writing into: the RV would get a mix of both images.
  checkNoCopyWriting(ctx, getLdById(ctx, p.mv_id));
  const taskId = createTask(ctx, a, { kind: 'replicate', srcLd: p.mv_id, dstLd: p.rv_id, pairId: p.id, totalChunks: differingCount(ctx, p.mv_id, p.rv_id), bytesPerSec: ctx.opts.copyBytesPerSec, cancelable: true });
  ctx.store.run("UPDATE pairs SET activity = 'replicate', sync_state = 'rpl/exec', copy_control = 'background copy', rv_access = 'nr', previous_active = ?, task_id = ? WHERE id = ?", p.sync_state, taskId, p.id);
  ctx.store.run("UPDATE lds SET access = 'NotReady' WHERE id = ?", p.rv_id);
  // The RV's data stops being the backup it held the moment a copy into it starts: a backup
  // command marks it "Backing up" next, in the same transaction; a replication started by
  // hand (iSMrc_replicate) leaves it "Backup failed", never a valid backup with other data.
  ctx.store.run("UPDATE backup_states SET state = 'failed', backed_up_at = NULL, task_id = NULL, updated_at = ? WHERE rv_id = ?", ctx.clock.now(), p.rv_id);
  appendEvent(ctx, a.id, { type: 'Config', configType: 'Update', objectType: 'ReplicationPair', objectId: `${p.mv_name}/${p.rv_name}`, messageId: 'nec.pair.replicate', message: `Replication of ${p.mv_name} to ${p.rv_name} started.`, params: { taskId } });
  return reload(ctx, p.id);
}

/** iSMrc_separate: ends the replication; with force also while a copy runs (the RV is then not valid). */
export function separate(ctx: Ctx, ref: ArrayRef, mvRef: string | number, rvRef: string | number, force = false): ReplicationPair {
  const a = getArray(ctx, ref);
  checkGate(a, 'replication');
  const p = findPair(ctx, a.id, mvRef, rvRef);
  if (p.activity === 'separate') {
    if (!force) throw new ArrayError('FAILED_PRECONDITION', `The pair ${p.mv_name}/${p.rv_name} is already separated.`);
  }
  const copying = p.sync_state === 'rpl/exec' || p.sync_state === 'rst/exec';
  if (copying && !force) {
    throw new ArrayError('FAILED_PRECONDITION', `The pair ${p.mv_name}/${p.rv_name} is still copying (${p.sync_state}); separate it forcibly to stop the copy.`, { syncState: p.sync_state });
  }
  if (copying && p.task_id) {
    // Stop the copy but keep the RV as it is: a forced separation leaves a partial copy behind.
    ctx.store.run("UPDATE tasks SET state = 'cancelled', cancelled = 1, finished_at = ? WHERE id = ? AND state IN ('queued', 'running')", ctx.clock.now(), p.task_id);
    startQueued(ctx, a);
  }
  const now = ctx.clock.now();
  const state = copying ? 'cancel' : 'separated';
  ctx.store.run("UPDATE pairs SET activity = 'separate', sync_state = ?, copy_control = '-', separate_start = ?, separate_end = ?, rv_access = 'rw', previous_active = ?, task_id = NULL WHERE id = ?", state, now, now, p.sync_state, p.id);
  ctx.store.run("UPDATE lds SET access = 'ReadWrite' WHERE id = ?", p.rv_id);
  appendEvent(ctx, a.id, { type: 'Config', configType: 'Update', objectType: 'ReplicationPair', objectId: `${p.mv_name}/${p.rv_name}`, messageId: 'nec.pair.separate', message: `The pair ${p.mv_name}/${p.rv_name} was ${force ? 'forcibly ' : ''}separated.` });
  return reload(ctx, p.id);
}

/** iSMrc_restore: copies RV -> MV as a task. */
export function restore(ctx: Ctx, ref: ArrayRef, mvRef: string | number, rvRef: string | number): ReplicationPair {
  const a = getArray(ctx, ref);
  checkGate(a, 'replication');
  const p = findPair(ctx, a.id, mvRef, rvRef);
  if (p.activity !== 'separate' || p.sync_state !== 'separated') throw new ArrayError('FAILED_PRECONDITION', `The pair ${p.mv_name}/${p.rv_name} must be separated with a valid RV to restore (now ${p.activity}, ${p.sync_state}).`);
  const mv = getLdById(ctx, p.mv_id);
  if (p.purpose === 'backup') checkBackupApplies(ctx, mv, 'MV');
  // A snapshot keeps its point in time: an ESV may be backed up (table 4-1) but not restored over.
  if (mv.snap === 'ESV') throw new ArrayError('NOT_SUPPORTED', `The MV ${p.mv_name} is a snapshot volume (ESV); it cannot be restored from its RV.`, { mv: p.mv_name });
  // Not into a VVol another copy reads (a full clone or a replication of it) or writes.
  checkNoCopyInto(ctx, mv);
  const taskId = createTask(ctx, a, { kind: 'restore', srcLd: p.rv_id, dstLd: p.mv_id, pairId: p.id, totalChunks: differingCount(ctx, p.mv_id, p.rv_id, chunksOf(mv.capacity)), bytesPerSec: ctx.opts.copyBytesPerSec, cancelable: true });
  ctx.store.run("UPDATE pairs SET activity = 'restore', sync_state = 'rst/exec', copy_control = 'background copy', rv_access = 'nr', previous_active = ?, task_id = ? WHERE id = ?", p.sync_state, taskId, p.id);
  ctx.store.run("UPDATE lds SET access = 'NotReady' WHERE id = ?", p.rv_id);
  appendEvent(ctx, a.id, { type: 'Config', configType: 'Update', objectType: 'ReplicationPair', objectId: `${p.mv_name}/${p.rv_name}`, messageId: 'nec.pair.restore', message: `Restore of ${p.mv_name} from ${p.rv_name} started.`, params: { taskId } });
  return reload(ctx, p.id);
}

/** iSMrc_pair -unpair: dissolves a separated pair (force: separate first). */
export function unpair(ctx: Ctx, ref: ArrayRef, mvRef: string | number, rvRef: string | number, force = false): void {
  const a = getArray(ctx, ref);
  requireLicence(a, 'DynamicDataReplication');
  let p = findPair(ctx, a.id, mvRef, rvRef);
  if (p.activity !== 'separate') {
    if (!force) throw new ArrayError('FAILED_PRECONDITION', `The pair ${p.mv_name}/${p.rv_name} must be separated before it is unpaired (activity ${p.activity}).`);
    separate(ctx, ref, mvRef, rvRef, true);
    p = findPair(ctx, a.id, mvRef, rvRef);
  }
  if (p.purpose === 'clone') {
    ctx.store.run('UPDATE lds SET cloning_since = NULL WHERE id = ?', p.rv_id);
  }
  ctx.store.run('DELETE FROM pairs WHERE id = ?', p.id);
  resetRpl(ctx, p.mv_id);
  resetRpl(ctx, p.rv_id);
  appendEvent(ctx, a.id, { type: 'Config', configType: 'Delete', objectType: 'ReplicationPair', objectId: `${p.mv_name}/${p.rv_name}`, messageId: 'nec.pair.deleted', message: `The pair ${p.mv_name}/${p.rv_name} was unpaired.` });
}
