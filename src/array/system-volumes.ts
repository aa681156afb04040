/**
 * Logical disks an administrator creates directly (iSMcfg ldbind): ordinary LDs, the
 * SSV (L3) and Protocol Endpoints (L2) with their host access.
 */
import type { Ctx } from './context';
import { ArrayError, invalid } from './errors';
import { appendEvent } from './events';
import { chunksOf } from './chunks';
import { defaultLdName, hex4, peEui } from './ids';
import { insertLd, removeLd } from './lds';
import { MSG } from './messages';
import { getArray, getLd, getPool, ArrayRef } from './lookup';
import { CHUNK_BYTES, GiB, LIMITS, MiB } from './models';
import type { LogicalDisk } from './types';

export interface CreateLd {
  pool: string | number;
  ldn?: number;
  name?: string;
  /** 'ld' (ordinary), 'ssv' or 'pe'. */
  kind: 'ld' | 'ssv' | 'pe';
  /** Ordinary LDs only. */
  capacityBytes?: number;
}

const LD_NAME = /^[A-Za-z0-9_\-/#+]{1,24}$/;

/** The capacity a PE shows: the LUN exists for addressing, it holds no data. */
export const PE_BYTES = MiB;

export function createLd(ctx: Ctx, ref: ArrayRef, c: CreateLd): LogicalDisk {
  const a = getArray(ctx, ref);
  const pool = getPool(ctx, a.id, c.pool);
  if (c.name !== undefined && !LD_NAME.test(c.name)) throw invalid('The LD name must be 1-24 letters, digits or _-/#+.');
  if (c.ldn !== undefined && (!Number.isInteger(c.ldn) || c.ldn < 0 || c.ldn > 0xfffe)) throw invalid('The LD number must be from 0000h to FFFEh.');
  const s = ctx.store;
  let ld: LogicalDisk;
  if (c.kind === 'ssv') {
    if (s.get("SELECT 1 FROM lds WHERE array_id = ? AND kind = 'ssv'", a.id)) {
      throw new ArrayError('TOO_MANY', 'Only a single SSV can be created in a disk array.', { array: a.name });
    }
    if (!a.licences.VolumeClone && !a.licences.DynamicSnapVolume) {
      throw new ArrayError('LICENCE_LOCKED', 'To create an SSV, the VolumeClone or DynamicSnapVolume license must have been unlocked.', { array: a.name });
    }
    // L3: fixed 4 GB, physically allocated in full even in a virtual capacity pool.
    ld = insertLd(ctx, { arrayId: a.id, model: a.model, pool, ldn: c.ldn, name: (n) => c.name ?? defaultLdName(pool.name, n), capacity: LIMITS.ssvBytes, kind: 'ssv', allocation: 'real' });
  } else if (c.kind === 'pe') {
    if (!pool.container) throw invalid(`A Protocol Endpoint must be created in a Storage Container pool; the pool(${hex4(pool.poolNo)}) is not one.`, { pool: hex4(pool.poolNo) });
    if (!a.licences['Virtual Volume']) throw new ArrayError('LICENCE_LOCKED', MSG.licenceVvol);
    const pes = (s.get<{ n: number }>("SELECT COUNT(*) AS n FROM lds WHERE array_id = ? AND kind = 'pe'", a.id) as { n: number }).n;
    if (pes >= LIMITS.pesPerArray) {
      throw new ArrayError('TOO_MANY', `Up to ${LIMITS.pesPerArray} Protocol Endpoints can be created in a single disk array unit.`, { limit: LIMITS.pesPerArray });
    }
    ld = insertLd(ctx, { arrayId: a.id, model: a.model, pool, ldn: c.ldn, name: (n) => c.name ?? defaultLdName(pool.name, n), capacity: PE_BYTES, kind: 'pe', allocation: 'virtual' });
  } else {
    const bytes = c.capacityBytes ?? 0;
    if (!Number.isFinite(bytes) || bytes < GiB) throw invalid('An LD needs a capacity of at least 1 GB.');
    if (bytes > LIMITS.maxVolumeBytes) throw invalid(MSG.over10TB);
    ld = insertLd(ctx, {
      arrayId: a.id, model: a.model, pool, ldn: c.ldn, name: (n) => c.name ?? defaultLdName(pool.name, n),
      capacity: chunksOf(bytes) * CHUNK_BYTES, kind: 'ld', allocation: pool.virtual ? 'virtual' : 'real',
    });
  }
  appendEvent(ctx, a.id, {
    type: c.kind === 'pe' ? 'ConfigProtocolEndpoint' : 'Config', configType: 'New',
    objectType: c.kind === 'pe' ? 'ProtocolEndpoint' : 'LogicalDisk', objectId: c.kind === 'pe' ? peEui(a.wwn, ld.ldn) : hex4(ld.ldn),
    messageId: `nec.${c.kind}.created`, message: `The ${c.kind === 'pe' ? 'Protocol Endpoint' : c.kind === 'ssv' ? 'solution reserved volume' : 'logical disk'} ${ld.name} (${hex4(ld.ldn)}h) was created.`,
  });
  return ld;
}

/** iSMcfg ldunbind for ordinary LDs, the SSV and PEs. VVols go through deleteVvol. */
export function deleteLd(ctx: Ctx, ref: ArrayRef, ldRef: string | number, force = false): void {
  const a = getArray(ctx, ref);
  const ld = getLd(ctx, a.id, ldRef);
  const s = ctx.store;
  if (ld.kind === 'vvol') throw invalid(`The LD ${hex4(ld.ldn)}h is a VVOL; delete it as a VVOL.`, { ldn: hex4(ld.ldn) });
  if (ld.kind === 'pe') {
    const bound = (s.get<{ n: number }>('SELECT COUNT(*) AS n FROM bindings WHERE pe_id = ?', ld.id) as { n: number }).n;
    if (bound > 0) {
      throw new ArrayError('IN_USE', `The Protocol Endpoint ${hex4(ld.ldn)}h cannot be deleted because ${bound} VVOL(s) are bound to it. Stop all virtual machines that use VVOLs in the disk array first.`, { ldn: hex4(ld.ldn), bound });
    }
  }
  if (ld.kind === 'ssv' && !force) {
    const users = (s.get<{ n: number }>("SELECT COUNT(*) AS n FROM lds WHERE array_id = ? AND (snap = 'ESV' OR clone = 'FCV')", a.id) as { n: number }).n;
    if (users > 0) {
      throw new ArrayError('IN_USE', `The SSV cannot be deleted while ${users} snapshot or clone volume(s) exist; delete it with -force only to re-create it after a fault.`, { users });
    }
  }
  if (s.get('SELECT 1 FROM pairs WHERE mv_id = ? OR rv_id = ?', ld.id, ld.id)) {
    throw new ArrayError('IN_USE', `The LD ${hex4(ld.ldn)}h is paired; unpair it first.`, { ldn: hex4(ld.ldn) });
  }
  const ldSets = s.all<{ host: string }>('SELECT host FROM ldset_lds WHERE ld_id = ? ORDER BY host', ld.id).map((r) => r.host);
  if (ldSets.length > 0) {
    throw new ArrayError('IN_USE', `The LD ${hex4(ld.ldn)}h is allocated to the LD Set of ${ldSets.join(', ')}; release it first (delldsetld).`, { ldn: hex4(ld.ldn), hosts: ldSets.join(',') });
  }
  removeLd(ctx, ld);
  appendEvent(ctx, a.id, {
    type: ld.kind === 'pe' ? 'ConfigProtocolEndpoint' : 'Config', configType: 'Delete',
    objectType: ld.kind === 'pe' ? 'ProtocolEndpoint' : 'LogicalDisk', objectId: ld.kind === 'pe' ? peEui(a.wwn, ld.ldn) : hex4(ld.ldn),
    messageId: `nec.${ld.kind}.deleted`, message: `The logical disk ${ld.name} (${hex4(ld.ldn)}h) was deleted.`,
  });
}

const HOST = /^[A-Za-z0-9_.:\-]{1,223}$/;

/**
 * iSMcfg addldsetld: allocates an LD to a host's LD Set. A PE is made visible to an ESXi
 * host (one PE may serve many hosts); an ordinary LD (a backup volume a backup server
 * reads, 3.9.1) is allocated the same way. VVols, the SSV and snapshot volumes are never
 * in an LD Set (VVols reach hosts by binding through a PE).
 */
export function grantPeAccess(ctx: Ctx, ref: ArrayRef, peRef: string | number, host: string): void {
  const a = getArray(ctx, ref);
  const ld = getLd(ctx, a.id, peRef);
  if (ld.kind !== 'pe' && ld.kind !== 'ld') throw invalid(`The LD ${hex4(ld.ldn)}h is ${ld.kind === 'vvol' ? 'a VVOL' : 'the solution reserved volume'}; only Protocol Endpoints and ordinary LDs are allocated to an LD Set.`);
  if (!HOST.test(host)) throw invalid(`"${host}" is not a valid host name or initiator (letters, digits, ".", ":", "_", "-").`);
  if (ld.kind === 'ld') {
    const r = ctx.store.run('INSERT OR IGNORE INTO ldset_lds (ld_id, host) VALUES (?, ?)', ld.id, host);
    if (r.changes) appendEvent(ctx, a.id, { type: 'Config', configType: 'Update', objectType: 'LogicalDisk', objectId: hex4(ld.ldn), messageId: 'nec.ld.ldSetAdded', message: `The logical disk ${ld.name} (${hex4(ld.ldn)}h) was allocated to the LD Set of ${host}.`, params: { host } });
    return;
  }
  const r = ctx.store.run('INSERT OR IGNORE INTO pe_hosts (pe_id, host) VALUES (?, ?)', ld.id, host);
  if (r.changes) {
    appendEvent(ctx, a.id, { type: 'ConfigProtocolEndpoint', configType: 'New', objectType: 'ProtocolEndpoint', objectId: peEui(a.wwn, ld.ldn), messageId: 'nec.pe.hostAdded', message: `The Protocol Endpoint ${hex4(ld.ldn)}h was made accessible to the host ${host}.`, params: { host } });
  }
}

/** iSMcfg delldsetld: the reverse of grantPeAccess; a host with VVols bound through the PE keeps it. */
export function revokePeAccess(ctx: Ctx, ref: ArrayRef, peRef: string | number, host: string): void {
  const a = getArray(ctx, ref);
  const ld = getLd(ctx, a.id, peRef);
  if (ld.kind === 'ld') {
    const r = ctx.store.run('DELETE FROM ldset_lds WHERE ld_id = ? AND host = ?', ld.id, host);
    if (!r.changes) throw new ArrayError('NOT_FOUND', `The logical disk ${hex4(ld.ldn)}h is not allocated to the LD Set of ${host}.`);
    appendEvent(ctx, a.id, { type: 'Config', configType: 'Update', objectType: 'LogicalDisk', objectId: hex4(ld.ldn), messageId: 'nec.ld.ldSetRemoved', message: `The logical disk ${ld.name} (${hex4(ld.ldn)}h) was released from the LD Set of ${host}.`, params: { host } });
    return;
  }
  if (ld.kind !== 'pe') throw invalid(`The LD ${hex4(ld.ldn)}h is not in any LD Set.`);
  const bound = (ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM binding_hosts WHERE pe_id = ? AND host = ?', ld.id, host) as { n: number }).n;
  if (bound > 0) throw new ArrayError('IN_USE', `The host ${host} still has ${bound} VVOL(s) bound through the Protocol Endpoint ${hex4(ld.ldn)}h.`, { host, bound });
  const r = ctx.store.run('DELETE FROM pe_hosts WHERE pe_id = ? AND host = ?', ld.id, host);
  if (!r.changes) throw new ArrayError('NOT_FOUND', `The host ${host} has no access to the Protocol Endpoint ${hex4(ld.ldn)}h.`);
  appendEvent(ctx, a.id, { type: 'ConfigProtocolEndpoint', configType: 'Delete', objectType: 'ProtocolEndpoint', objectId: peEui(a.wwn, ld.ldn), messageId: 'nec.pe.hostRemoved', message: `The host ${host} no longer has access to the Protocol Endpoint ${hex4(ld.ldn)}h.`, params: { host } });
}

export function requireSsv(ctx: Ctx, arrayId: number): void {
  if (!ctx.store.get("SELECT 1 FROM lds WHERE array_id = ? AND kind = 'ssv' AND state = 'ready'", arrayId)) {
    throw new ArrayError('FAILED_PRECONDITION', MSG.noSsv);
  }
}
