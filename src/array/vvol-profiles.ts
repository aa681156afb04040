/**
 * Storage policies as the array keeps them (B11): the facts a Storage Container offers
 * to a policy, the profiles vCenter applied (kept per id and generation, as an opaque
 * document the policy room writes and reads), and the profile of each VVol with the
 * last compliance verdict. The array judges nothing here: src/policy/ decides whether
 * a container satisfies a profile, through the Placement the engine is handed, inside
 * the operation's transaction (one transaction: the check, the VVol and its profile).
 */
import { BackupPolicy, deferBackupVolumes, ensureBackupVolumes, hasBackupVolumes } from './backup-volumes';
import type { Ctx } from './context';
import { appendAlarm } from './events';
import { containerUuid } from './ids';
import { applyPolicyIoLimits, PolicyIoLimits } from './io-control';
import { getArray, getLdById, getPoolById } from './lookup';
import type { DiskArray, LogicalDisk, Pool } from './types';

/** 3.9.1: backup volumes go to Storage Containers whose pool name begins with lower-case vvolbackup. */
export const BACKUP_POOL_GLOB = 'vvolbackup*';

/** What a Storage Container offers to a storage policy, from the array as it is now. */
export interface ContainerFacts {
  array: DiskArray;
  pool: Pool;
  /** The VASA id of the container. */
  containerId: string;
  /** A vvolbackup* Storage Container exists on the array (3.9.1). */
  backupPool: boolean;
}

/** A profile as the engine stores it: the policy room's document, kept verbatim. */
export interface ProfileRecord {
  profileId: string;
  generation: number;
  name: string;
  /** JSON written by src/policy (the rule sets); the array does not read it. */
  document: string;
}

/**
 * What the rule set the container satisfies asks of the VVol itself, read by the policy
 * room and applied by the array in the operation's transaction: I/O limits (L10) and
 * backup volumes (3.9.1). Plain values, so the array applies them without policy code.
 */
export interface PlacementEffects {
  /** The limits the policy enables; absent or empty: the LD keeps its limits. */
  io?: PolicyIoLimits;
  /** The Backup rules (generations 0: Enable Backup = No or no Backup rule); absent: backup is left as it is. */
  backup?: BackupPolicy;
}

/**
 * What the engine needs from the policy room for an operation that carries a profile:
 * the profile to store, and a check of the container that throws when the container
 * cannot satisfy it (the engine calls it inside the transaction, before any change)
 * and otherwise says what the satisfied rule set asks of the VVol.
 */
export interface Placement {
  profile: ProfileRecord;
  admit(facts: ContainerFacts): PlacementEffects | void;
}

/**
 * Which effects an operation applies: a snapshot (ESV) takes the VM's policy but gets no
 * backup volumes of its own (false); a full clone gets them when its copy completes
 * ('after-copy', B10).
 */
export interface PlaceOptions {
  backup: boolean | 'after-copy';
}

export function containerFacts(ctx: Ctx, array: DiskArray, pool: Pool): ContainerFacts {
  return { array, pool, containerId: containerUuid(array.wwn, pool.poolNo), backupPool: backupPoolExists(ctx, array.id) };
}

export function factsOfPool(ctx: Ctx, poolId: number): ContainerFacts {
  const pool = getPoolById(ctx, poolId);
  return containerFacts(ctx, getArray(ctx, pool.arrayId), pool);
}

/** Keeps the profile (a repeat of the same id and generation keeps the first copy: vSphere never edits a generation). */
export function rememberProfile(ctx: Ctx, p: ProfileRecord): void {
  ctx.store.run('INSERT OR IGNORE INTO storage_profiles (profile_id, generation, name, document, seen_at) VALUES (?,?,?,?,?)',
    p.profileId, p.generation, p.name, p.document, ctx.clock.now());
}

/** Stores the VVol's profile (replacing the one it had); the verdict starts compliant, as the placement was admitted. */
export function assignProfile(ctx: Ctx, ldId: number, p: ProfileRecord): void {
  rememberProfile(ctx, p);
  ctx.store.run(`INSERT INTO vvol_profiles (ld_id, profile_id, generation, compliant) VALUES (?,?,?,1)
    ON CONFLICT(ld_id) DO UPDATE SET profile_id = excluded.profile_id, generation = excluded.generation, compliant = 1`, ldId, p.profileId, p.generation);
}

/**
 * Admits the placement on the pool, then (after the caller made the LD) stores its
 * profile and applies what the profile asks of it: the I/O limits (L10, table 4-2) and
 * the backup volumes (3.9.1, B6-B8). All inside the caller's transaction, so a refusal
 * of either leaves no VVol, no profile and no RV behind.
 */
export function place(ctx: Ctx, poolId: number, placement: Placement | undefined, o: PlaceOptions = { backup: true }): (ld: LogicalDisk) => void {
  if (!placement) return () => undefined;
  const effects = placement.admit(factsOfPool(ctx, poolId)) ?? {};
  return (ld) => {
    assignProfile(ctx, ld.id, placement.profile);
    if (effects.io) applyPolicyIoLimits(ctx, ld, effects.io);
    const b = effects.backup;
    // Nothing to do for a VVol without RVs under a policy without backup (the common case: no reads).
    if (o.backup === 'after-copy') {
      if (b && b.generations > 0) deferBackupVolumes(ctx, ld.id, b);
    } else if (o.backup && b && ld.vvolId && (b.generations > 0 || hasBackupVolumes(ctx, ld))) ensureBackupVolumes(ctx, ld.vvolId, b);
  };
}

/** The VVol's profile and last verdict; undefined when it was created without one. */
export function profileOfLd(ctx: Ctx, ldId: number): (ProfileRecord & { compliant: boolean }) | undefined {
  const r = ctx.store.get<{ profile_id: string; generation: number; name: string; document: string; compliant: number }>(
    `SELECT v.profile_id, v.generation, p.name, p.document, v.compliant FROM vvol_profiles v
       JOIN storage_profiles p ON p.profile_id = v.profile_id AND p.generation = v.generation WHERE v.ld_id = ?`, ldId);
  return r ? { profileId: r.profile_id, generation: r.generation, name: r.name, document: r.document, compliant: !!r.compliant } : undefined;
}

/** The newest generation held of each profile asked for (all when none are named), by id. */
export function storedProfiles(ctx: Ctx, ids?: readonly string[]): ProfileRecord[] {
  const filter = ids ? ' WHERE s.profile_id IN (SELECT value FROM json_each(?))' : '';
  const rows = ctx.store.all<{ profile_id: string; generation: number; name: string; document: string }>(
    `SELECT s.profile_id, s.generation, s.name, s.document FROM storage_profiles s
      JOIN (SELECT profile_id, MAX(generation) AS g FROM storage_profiles GROUP BY profile_id) m ON m.profile_id = s.profile_id AND m.g = s.generation${filter}
      ORDER BY s.profile_id`, ...(ids ? [JSON.stringify(ids)] : []));
  return rows.map((r) => ({ profileId: r.profile_id, generation: r.generation, name: r.name, document: r.document }));
}

/**
 * Records a compliance verdict. When a VVol that was compliant is found out of
 * compliance, raises one Compliance alarm (Red) on its array, in the same
 * transaction; back in compliance, a Green one.
 */
export function recordVerdict(ctx: Ctx, ld: LogicalDisk, compliant: boolean, message: string): void {
  const before = ctx.store.get<{ compliant: number }>('SELECT compliant FROM vvol_profiles WHERE ld_id = ?', ld.id);
  if (!before || !!before.compliant === compliant) return;
  ctx.store.run('UPDATE vvol_profiles SET compliant = ? WHERE ld_id = ?', compliant ? 1 : 0, ld.id);
  const pool = getPoolById(ctx, ld.poolId);
  const a = getArray(ctx, ld.arrayId);
  appendAlarm(ctx, ld.arrayId, {
    type: 'Compliance', status: compliant ? 'Green' : 'Red', objectType: 'VirtualVolume', objectId: ld.vvolId ?? undefined,
    containerId: containerUuid(a.wwn, pool.poolNo),
    messageId: compliant ? 'nec.policy.compliant' : 'nec.policy.nonCompliant', message,
    params: { vvolId: ld.vvolId ?? '' },
  });
}

/**
 * The policy room's verdict on one VVol's profile against its container as it is now.
 *
 * Why a function handed in rather than stored verdict inputs: whether a container
 * satisfies a profile is the policy room's judgement (rule sets are alternatives, Yes/No
 * and ranges, the I/O and backup rules read the array's licences and pools), and it is
 * the same judgement queryComplianceResult makes. Copying its inputs into the array
 * would make a second judge that could disagree with the first; so the array keeps no
 * rule code and the assembly registers src/policy/compliance.ts with the engine.
 */
export type ComplianceJudge = (v: { vvolId: string; facts: ContainerFacts; profile: ProfileRecord }) => { compliant: boolean; message: string };

/**
 * Re-judges the VVols that carry a profile, in the given pools of an array (every pool
 * of it when none are named), and records each verdict (a VVol falling out of
 * compliance raises its Compliance alarm now: recordVerdict). Inside the caller's
 * transaction. Returns the VVols found out of compliance.
 */
export function recheckCompliance(ctx: Ctx, arrayId: number, poolIds: readonly number[] | undefined, judge: ComplianceJudge): string[] {
  const filter = poolIds ? ' AND l.pool_id IN (SELECT value FROM json_each(?))' : '';
  const ids = ctx.store.all<{ id: number }>(`SELECT l.id FROM vvol_profiles v JOIN lds l ON l.id = v.ld_id WHERE l.array_id = ? AND l.vvol_id IS NOT NULL${filter} ORDER BY l.ldn`,
    arrayId, ...(poolIds ? [JSON.stringify(poolIds)] : [])).map((r) => r.id);
  const facts = new Map<number, ContainerFacts>();
  const out: string[] = [];
  for (const id of ids) {
    const ld = getLdById(ctx, id);
    const profile = profileOfLd(ctx, id);
    if (!profile) continue;
    let f = facts.get(ld.poolId);
    if (!f) facts.set(ld.poolId, (f = factsOfPool(ctx, ld.poolId)));
    const v = judge({ vvolId: ld.vvolId as string, facts: f, profile });
    recordVerdict(ctx, ld, v.compliant, v.message);
    if (!v.compliant) out.push(ld.vvolId as string);
  }
  return out;
}

/**
 * A pool change that changes what a Storage Container offers to a policy raises a
 * Capability alarm (AlarmTypeEnum `Capability`) on each container concerned, in the
 * change's transaction, so vCenter learns it beside the StorageContainer Update event
 * and rescans: the pool's own container for its I/O control modes; every container of
 * the array when a rename makes or unmakes a vvolbackup* pool (whether Enable Backup
 * can be satisfied anywhere on the array depends on it, 3.9.1).
 */
export function raiseCapabilityAlarms(ctx: Ctx, array: DiskArray, before: Pool, after: Pool, backupChanged: boolean): void {
  const yesNo = (v: boolean) => (v ? 'Yes' : 'No');
  const own: string[] = [];
  if (before.ioUpperMode !== after.ioUpperMode) own.push(`I/O upper control mode ${yesNo(before.ioUpperMode)} -> ${yesNo(after.ioUpperMode)}`);
  if (before.ioLowerMode !== after.ioLowerMode) own.push(`I/O lower control mode ${yesNo(before.ioLowerMode)} -> ${yesNo(after.ioLowerMode)}`);
  const backup = backupChanged
    ? `backup ${backupPoolExists(ctx, array.id) ? 'possible' : 'no longer possible'} (the pool ${before.name} was renamed ${after.name})`
    : undefined;
  const containers = ctx.store.all<{ id: number }>('SELECT id FROM pools WHERE array_id = ? AND container = 1 ORDER BY pool_no', array.id).map((r) => getPoolById(ctx, r.id));
  for (const p of containers) {
    const changes = [...(p.id === after.id ? own : []), ...(backup ? [backup] : [])];
    if (changes.length === 0) continue;
    const id = containerUuid(array.wwn, p.poolNo);
    appendAlarm(ctx, array.id, {
      type: 'Capability', status: 'Yellow', objectType: 'StorageContainer', objectId: id, containerId: id, messageId: 'nec.container.capabilityChanged',
      message: `The capabilities of the Storage Container ${p.name} changed: ${changes.join('; ')}.`, params: { pool: p.name },
    });
  }
}

function backupPoolExists(ctx: Ctx, arrayId: number): boolean {
  return !!ctx.store.get('SELECT 1 FROM pools WHERE array_id = ? AND container = 1 AND name GLOB ?', arrayId, BACKUP_POOL_GLOB);
}
