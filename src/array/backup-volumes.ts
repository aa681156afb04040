/**
 * Backup volumes (manual 3.9.1): the RVs a VVol gets from a backup policy, paired with it
 * as MV/RV (DynamicDataReplication), in Storage Containers whose pool name begins with
 * lower-case `vvolbackup` (B7). B6: a linked clone gets none. B8: fewer generations over
 * more are refused. B9: expanding a VVol with backup volumes expands its RVs first.
 * Callers (the policy service, the VASA face) reach this through the engine, one
 * transaction per call.
 */
import type { Ctx } from './context';
import { provision } from './capacity';
import { chunksOf } from './chunks';
import { ArrayError, invalid } from './errors';
import { appendAlarm, appendEvent } from './events';
import { checkGate, requireLicence } from './gates';
import { hex4 } from './ids';
import { MSG, expandBackupBelowPresent, expandSecondBackup, expandVolumeAfterBackup } from './messages';
import { getArray, getLdById, getVvol } from './lookup';
import { CHUNK_BYTES, LIMITS, MiB } from './models';
import { pairVolumes } from './replication';
import { removeLd } from './lds';
import { createLd } from './system-volumes';
import type { LogicalDisk, Pool } from './types';
import { resizeVvol } from './vvols';
import { listPools } from './pools';

/** The Backup rules of a policy (3.9.1); generations 0 is Enable Backup = No. */
export interface BackupPolicy {
  generations: 0 | 1 | 2;
  /** Backup Volume Automatic Deleted. */
  autoDelete: boolean;
}

export interface BackupVolume {
  rv: LogicalDisk;
  generation: 1 | 2;
  autoDelete: boolean;
  poolName: string;
}

export interface EnsuredBackup {
  volumes: BackupVolume[];
  /** Alarms raised by this call (B6, B7), in the manual's words. */
  alarms: string[];
}

/** B7: "vvolbackup must be in lower-case." */
export const BACKUP_POOL_PREFIX = 'vvolbackup';

export function isBackupPool(p: Pool): boolean {
  return p.container && p.name.startsWith(BACKUP_POOL_PREFIX);
}

interface Row {
  rv_id: number;
  generation: number;
  auto_delete: number;
}

/** The RVs the provider made for a VVol, first generation first. */
export function backupVolumesOf(ctx: Ctx, mv: LogicalDisk): BackupVolume[] {
  return ctx.store
    .all<Row & { pool_name: string }>('SELECT b.rv_id, b.generation, b.auto_delete, p.name AS pool_name FROM backup_volumes b JOIN lds l ON l.id = b.rv_id JOIN pools p ON p.id = l.pool_id WHERE b.mv_id = ? ORDER BY b.generation', mv.id)
    .map((r) => ({ rv: getLdById(ctx, r.rv_id), generation: r.generation as 1 | 2, autoDelete: r.auto_delete === 1, poolName: r.pool_name }));
}

/** The VVol whose RV this LD is (undefined: not a backup volume of ours, or its VVol is gone). */
export function backupOwner(ctx: Ctx, rvId: number): { mvId: number | null; generation: number } | undefined {
  const r = ctx.store.get<{ mv_id: number | null; generation: number }>('SELECT mv_id, generation FROM backup_volumes WHERE rv_id = ?', rvId);
  return r ? { mvId: r.mv_id, generation: r.generation } : undefined;
}

/**
 * Gives a VVol the backup volumes its policy asks for: 1 or 2 RVs, each in a backup
 * container (the second in another one when there is one; with only one, both there and
 * the alarm "The disk array has only one pool for backup."), paired MV/RV. Increasing
 * the generations adds the missing RV; the same number changes nothing but the
 * Automatic Deleted flag. Only config and data VVols are backed up (E.1.1 lists no other).
 */
export function ensureBackupVolumes(ctx: Ctx, vvolId: string, policy: BackupPolicy): EnsuredBackup {
  if (![0, 1, 2].includes(policy.generations)) throw invalid('The Number of Backup Generations is 1 or 2.', { generations: policy.generations });
  const mv = getVvol(ctx, vvolId);
  const a = getArray(ctx, mv.arrayId);
  const existing = backupVolumesOf(ctx, mv);
  // B8: the check comes first, so a smaller policy never half-applies.
  if (policy.generations < existing.length) {
    throw new ArrayError('FAILED_PRECONDITION', MSG.backupDecrease, { vvolId, generations: policy.generations, backupVolumes: existing.length });
  }
  ctx.store.run('UPDATE backup_volumes SET auto_delete = ? WHERE mv_id = ?', policy.autoDelete ? 1 : 0, mv.id);
  if (policy.generations === existing.length || (mv.vvolType !== 'config' && mv.vvolType !== 'data')) {
    return { volumes: backupVolumesOf(ctx, mv), alarms: [] };
  }
  const alarms: string[] = [];
  // B6: a linked clone's VVols are fast clones (FCV) of the source's.
  if (mv.clone === 'FCV') {
    appendAlarm(ctx, a.id, { type: 'Object', status: 'Yellow', objectType: 'VirtualVolume', objectId: vvolId, messageId: 'nec.backup.linkedClone', message: MSG.linkedCloneBackup });
    return { volumes: [], alarms: [MSG.linkedCloneBackup] };
  }
  checkGate(a, 'replication');
  requireLicence(a, 'DynamicDataReplication');
  const pools = listPools(ctx, a.id).filter(isBackupPool).sort((x, y) => x.poolNo - y.poolNo);
  if (pools.length === 0) throw new ArrayError('FAILED_PRECONDITION', MSG.noBackupPool, { vvolId, array: a.name });
  for (let g = existing.length + 1; g <= policy.generations; g++) {
    const used = new Set(backupVolumesOf(ctx, mv).map((v) => v.rv.poolId));
    const pool = pools.find((p) => !used.has(p.id)) ?? pools[0];
    if (g === 2 && used.has(pool.id)) {
      appendAlarm(ctx, a.id, { type: 'Object', status: 'Yellow', objectType: 'VirtualVolume', objectId: vvolId, messageId: 'nec.backup.onlyOnePool', message: MSG.onlyOneBackupPool });
      alarms.push(MSG.onlyOneBackupPool);
    }
    const rv = createLd(ctx, a.id, { pool: pool.poolNo, kind: 'ld', capacityBytes: mv.capacity });
    pairVolumes(ctx, a.id, mv.ldn, rv.ldn, 'backup');
    ctx.store.run('INSERT INTO backup_volumes (rv_id, mv_id, generation, auto_delete, created_at) VALUES (?, ?, ?, ?, ?)', rv.id, mv.id, g, policy.autoDelete ? 1 : 0, ctx.clock.now());
    appendEvent(ctx, a.id, {
      type: 'Config', configType: 'New', objectType: 'LogicalDisk', objectId: hex4(rv.ldn), messageId: 'nec.backup.volumeCreated',
      message: `The backup volume ${rv.name} (${hex4(rv.ldn)}h, generation ${g}) was created in ${pool.name} for the VVOL ${mv.name} (${hex4(mv.ldn)}h).`,
      params: { vvolId, generation: String(g) },
    });
  }
  return { volumes: backupVolumesOf(ctx, mv), alarms };
}

/** What expandWithBackups did: the VVol as it is now and, when a step failed, the manual's message for it (already committed steps stay). */
export interface Expanded {
  ld: LogicalDisk;
  failure?: ArrayError;
}

function grow(ctx: Ctx, ld: LogicalDisk, bytes: number): void {
  provision(ctx, ld.poolId, bytes - ld.capacity, ld.allocation === 'real');
  ctx.store.run('UPDATE lds SET capacity = ? WHERE id = ?', bytes, ld.id);
}

/**
 * B9 (3.5, B.1): expands a VVol that has backup volumes, RVs first, each step whole
 * (a savepoint): the first RV failing changes nothing; the second failing leaves the
 * first expanded and the VVol not ("Failed to expand the second backup volume..."); the
 * VVol failing leaves the RVs expanded ("Failed to expand the volume(But had succeed in
 * expanding backup volume..."), as the manual's measures expect: expanding again to at
 * least that capacity completes it. Runs inside the caller's transaction; returns the
 * failure instead of throwing so the steps that succeeded are kept.
 */
export function expandWithBackups(ctx: Ctx, mv: LogicalDisk, newSizeBytes: number): Expanded {
  checkGate(getArray(ctx, mv.arrayId), 'resizeVvol');
  if (!Number.isFinite(newSizeBytes) || newSizeBytes <= 0) throw invalid('The new size must be a positive number of bytes.');
  const bytes = chunksOf(newSizeBytes) * CHUNK_BYTES;
  if (bytes < mv.capacity) throw new ArrayError('NOT_SUPPORTED', `A VVOL cannot be shrunk (from ${mv.capacity / MiB} MB to ${bytes / MiB} MB).`, { vvolId: mv.vvolId });
  const rvs = backupVolumesOf(ctx, mv).map((v) => v.rv);
  if (ctx.store.get("SELECT 1 FROM pairs WHERE (mv_id = ? OR rv_id = ?) AND activity <> 'separate'", mv.id, mv.id)) {
    throw new ArrayError('FAILED_PRECONDITION', MSG.replicatingExpand, { vvolId: mv.vvolId });
  }
  if (bytes > LIMITS.maxVolumeBytes) throw new ArrayError('INVALID_ARGUMENT', MSG.over10TB, { sizeBytes: newSizeBytes });
  for (const rv of rvs) {
    if (rv.capacity > bytes) throw new ArrayError('INVALID_ARGUMENT', expandBackupBelowPresent(bytes / MiB, rv.capacity / MiB), { ldn: hex4(rv.ldn) });
  }
  for (const [i, rv] of rvs.entries()) {
    if (rv.capacity === bytes) continue;
    try {
      ctx.store.savepoint(() => grow(ctx, rv, bytes));
    } catch (e) {
      if (!(e instanceof ArrayError) || i === 0) throw e;
      return { ld: getLdById(ctx, mv.id), failure: new ArrayError(e.code, expandSecondBackup(`${hex4(rv.ldn)}h`, bytes / MiB), { ldn: hex4(rv.ldn), cause: e.message }) };
    }
  }
  if (mv.capacity < bytes) {
    try {
      // The VVol's own step is the ordinary resize (its event, its checks); its RVs are already large enough.
      ctx.store.savepoint(() => resizeVvol(ctx, mv.vvolId as string, bytes));
    } catch (e) {
      if (!(e instanceof ArrayError) || rvs.length === 0) throw e;
      return { ld: getLdById(ctx, mv.id), failure: new ArrayError(e.code, expandVolumeAfterBackup(bytes / MiB), { vvolId: mv.vvolId, cause: e.message }) };
    }
  }
  return { ld: getLdById(ctx, mv.id) };
}

/** Whether a VVol has backup volumes of ours (resize takes the B9 path then). */
export function hasBackupVolumes(ctx: Ctx, mv: LogicalDisk): boolean {
  return !!ctx.store.get('SELECT 1 FROM backup_volumes WHERE mv_id = ?', mv.id);
}

// ---- B10: migration, and the backup volumes of a deleted VVol (3.6, 3.9.1, A.1) ----------

/** The hosts whose LD Set an LD is allocated to (ordinary LDs: backup volumes a backup server reads). */
export function ldSetHostsOf(ctx: Ctx, ldId: number): string[] {
  return ctx.store.all<{ host: string }>('SELECT host FROM ldset_lds WHERE ld_id = ? ORDER BY host', ldId).map((r) => r.host);
}

/**
 * 3.9.1: "When you select [Yes] for [Backup Volume Automatic Deleted], ensure that the
 * backup volume is not allocated to an LD Set when deleting a virtual machine." The
 * deletion of such a VVol is refused, whole, before anything changes, naming the RV and
 * the host, so the operator releases it (or keeps the RV by applying Automatic Deleted = No).
 */
export function checkBackupsDeletable(ctx: Ctx, mv: LogicalDisk): void {
  for (const v of backupVolumesOf(ctx, mv)) {
    if (!v.autoDelete) continue;
    const hosts = ldSetHostsOf(ctx, v.rv.id);
    if (hosts.length > 0) {
      throw new ArrayError('IN_USE', MSG.backupVolumeInLdSet(v.rv.name, hex4(v.rv.ldn), hosts.join(', ')), { vvolId: mv.vvolId, ldn: hex4(v.rv.ldn), hosts: hosts.join(',') });
    }
  }
}

/**
 * Deletes, with their VVol, the backup volumes whose policy said Automatic Deleted = Yes
 * (in the VVol's deletion transaction, after checkBackupsDeletable). Those with No stay:
 * the pair is released when the VVol goes (the relation file then lists them in
 * rvVVOLList, 3.6: "the backup relationship will be released").
 */
export function dropAutoDeletedBackups(ctx: Ctx, mv: LogicalDisk): void {
  for (const v of backupVolumesOf(ctx, mv)) {
    if (!v.autoDelete) continue;
    ctx.store.run('DELETE FROM pairs WHERE mv_id = ? AND rv_id = ?', mv.id, v.rv.id);
    removeLd(ctx, v.rv);
    appendEvent(ctx, mv.arrayId, {
      type: 'Config', configType: 'Delete', objectType: 'LogicalDisk', objectId: hex4(v.rv.ldn), messageId: 'nec.backup.volumeDeleted',
      message: `The backup volume ${v.rv.name} (${hex4(v.rv.ldn)}h, generation ${v.generation}) was deleted with the VVOL ${mv.name} (${hex4(mv.ldn)}h) (Backup Volume Automatic Deleted: Yes).`,
      params: { vvolId: mv.vvolId ?? '', generation: String(v.generation) },
    });
  }
}

/**
 * B10 (3.6): a VVol placed by a full clone (vCenter's migration to another datastore)
 * with a backup policy gets its backup volumes when its copy completes; until then it is
 * the RV of that copy. Records what to give it, in the clone's transaction.
 */
export function deferBackupVolumes(ctx: Ctx, ldId: number, policy: BackupPolicy): void {
  ctx.store.run('INSERT OR REPLACE INTO pending_backups (ld_id, generations, auto_delete, since) VALUES (?, ?, ?, ?)', ldId, policy.generations, policy.autoDelete ? 1 : 0, ctx.clock.now());
}

/**
 * Gives every full clone whose copy has completed the backup volumes its policy asked
 * for (B10: "a new backup volume will be created after migration"), each in its own
 * transaction, at the engine's tick. A clone whose copy failed (fault) gets none. When
 * the array cannot make them (no vvolbackup pool any more, a locked licence, a full
 * pool), the VVol stays without backup volumes and an alarm says why in the manual's
 * words; a policy re-applied later creates them. Returns the VVols handled.
 */
export function applyPendingBackups(ctx: Ctx): string[] {
  const ready = ctx.store.read(() =>
    ctx.store.all<{ ld_id: number; generations: number; auto_delete: number; state: string; vvol_id: string | null }>(
      `SELECT p.ld_id, p.generations, p.auto_delete, l.state, l.vvol_id FROM pending_backups p JOIN lds l ON l.id = p.ld_id
        WHERE l.cloning_since IS NULL AND NOT EXISTS (SELECT 1 FROM pairs x WHERE x.rv_id = p.ld_id AND x.purpose = 'clone')`,
    ),
  );
  const done: string[] = [];
  for (const r of ready) {
    ctx.store.tx(() => {
      ctx.store.run('DELETE FROM pending_backups WHERE ld_id = ?', r.ld_id);
      if (r.state !== 'ready' || !r.vvol_id) return;
      try {
        ctx.store.savepoint(() => ensureBackupVolumes(ctx, r.vvol_id as string, { generations: r.generations as 0 | 1 | 2, autoDelete: r.auto_delete === 1 }));
      } catch (e) {
        if (!(e instanceof ArrayError)) throw e;
        const ld = getLdById(ctx, r.ld_id);
        appendAlarm(ctx, ld.arrayId, { type: 'Object', status: 'Yellow', objectType: 'VirtualVolume', objectId: r.vvol_id, messageId: 'nec.backup.notCreated', message: e.message, params: { vvolId: r.vvol_id } });
      }
      done.push(r.vvol_id);
    });
  }
  return done;
}

/** Whether a VVol still waits for the backup volumes of its migration. */
export function backupPending(ctx: Ctx, ldId: number): boolean {
  return !!ctx.store.get('SELECT 1 FROM pending_backups WHERE ld_id = ?', ldId);
}
