/**
 * Binding VVols to Protocol Endpoints for ESXi hosts. A binding is per PE x VVol and
 * carries a secondary LUN id unique behind its PE; each host using it is recorded, so
 * one host's unbind leaves the others' access alone. A host binds only through PEs it
 * has been given access to (and, when the caller says so, that it reported seeing).
 */
import { StoreError } from '../store/db';
import type { Ctx } from './context';
import { ArrayError, invalid, notFound } from './errors';
import { appendEvent, appendEventsInOrder, type EventInput } from './events';
import { checkGate } from './gates';
import { hex4, peEui } from './ids';
import { metadataOfMany } from './lds';
import { findVvols, getArray, getVvol } from './lookup';
import { specifiedDoesNotExist } from './messages';
import { LIMITS, MiB } from './models';
import type { DiskArray, LogicalDisk } from './types';

export interface BoundHandle {
  vvolId: string;
  peLdn: number;
  peId: string;
  secondaryId: number;
  sizeMB: number;
}

export type BindResult = { vvolId: string; ok: true; handle: BoundHandle } | { vvolId: string; ok: false; error: ArrayError };

interface PeChoice {
  id: number;
  ldn: number;
  n: number;
}

/**
 * What one batch (one host, one transaction) reads once and keeps up to date as it binds:
 * the arrays, the PEs the host may use on each array with their binding counts, and the
 * highest secondary id behind each PE. A bind of 64 VVols read these 64 times each
 * before (three statements of about ten per VVol). Updated only after an item's
 * savepoint succeeded, so a failed item changes nothing here either.
 */
interface BatchState {
  arrays: Map<number, DiskArray>;
  pes: Map<number, PeChoice[]>;
  maxSecondary: Map<number, number | null>;
}

function newBatchState(arrays = new Map<number, DiskArray>()): BatchState {
  return { arrays, pes: new Map(), maxSecondary: new Map() };
}

function choosePe(ctx: Ctx, ld: LogicalDisk, host: string, allowedPeLdns: readonly number[] | undefined, st: BatchState): PeChoice {
  const s = ctx.store;
  // Already bound through a PE this host can use: reuse it (same secondary id).
  const existing = s.get<PeChoice>(
    `SELECT b.pe_id AS id, l.ldn AS ldn, 0 AS n FROM bindings b JOIN lds l ON l.id = b.pe_id
       JOIN pe_hosts h ON h.pe_id = b.pe_id AND h.host = ? WHERE b.vvol_ld_id = ? ORDER BY l.ldn LIMIT 1`,
    host, ld.id,
  );
  if (existing && (!allowedPeLdns || allowedPeLdns.includes(existing.ldn))) return existing;
  let pes = st.pes.get(ld.arrayId);
  if (!pes) {
    pes = s.all<PeChoice>(
      // The per-PE count is kept by triggers on bindings (migration 3): counting the
      // bindings here made every bind cost O(bindings behind the PE).
      `SELECT l.id AS id, l.ldn AS ldn, COALESCE(c.n, 0) AS n
         FROM lds l JOIN pe_hosts h ON h.pe_id = l.id AND h.host = ? LEFT JOIN pe_binding_counts c ON c.pe_id = l.id
        WHERE l.array_id = ? AND l.kind = 'pe' AND l.state = 'ready'`,
      host, ld.arrayId,
    );
    st.pes.set(ld.arrayId, pes);
  }
  // The least used PE (then the lowest number), as the query ordered them when it ran per item.
  let best: PeChoice | undefined;
  for (const c of pes) {
    if (allowedPeLdns && !allowedPeLdns.includes(c.ldn)) continue;
    if (!best || c.n < best.n || (c.n === best.n && c.ldn < best.ldn)) best = c;
  }
  if (!best) throw new ArrayError('FAILED_PRECONDITION', `No Protocol Endpoint of the disk array is accessible from the host ${host}.`, { host });
  return best;
}

function nextSecondaryId(ctx: Ctx, peId: number, st: BatchState): number {
  const s = ctx.store;
  let max = st.maxSecondary.get(peId);
  if (max === undefined) st.maxSecondary.set(peId, (max = s.get<{ m: number | null }>('SELECT MAX(secondary_id) AS m FROM bindings WHERE pe_id = ?', peId)?.m ?? null));
  if (max === null) return 1;
  if (max < LIMITS.secondaryIdsPerPe) return max + 1;
  const gap = s.get<{ g: number }>(
    'SELECT b.secondary_id + 1 AS g FROM bindings b WHERE b.pe_id = ? AND NOT EXISTS (SELECT 1 FROM bindings c WHERE c.pe_id = b.pe_id AND c.secondary_id = b.secondary_id + 1) ORDER BY b.secondary_id LIMIT 1',
    peId,
  );
  if (!gap || gap.g > LIMITS.secondaryIdsPerPe) throw new ArrayError('TOO_MANY', `No secondary LUN id is free behind the Protocol Endpoint.`, { pe: peId });
  return gap.g;
}

/** One item bound: its handle, and what the batch state learns from it. */
interface Bound {
  handle: BoundHandle;
  pe: PeChoice;
  /** The secondary id of a new binding row (undefined: the VVol was bound behind this PE already). */
  newSecondary?: number;
  /** The event of a new binding for this host, appended with the batch's others once the items are done. */
  event?: { arrayId: number; e: EventInput };
}

function bindOne(ctx: Ctx, host: string, ld: LogicalDisk, allowedPeLdns: readonly number[] | undefined, st: BatchState): Bound {
  const vvolId = ld.vvolId as string;
  let found = st.arrays.get(ld.arrayId);
  if (!found) st.arrays.set(ld.arrayId, (found = getArray(ctx, ld.arrayId)));
  const a = found;
  checkGate(a, 'bind');
  if (ld.state === 'deleting' || ld.state === 'prepared') throw new ArrayError('FAILED_PRECONDITION', `The VVOL ${vvolId} cannot be bound (state ${ld.state}).`, { state: ld.state });
  if (ld.access === 'NotReady') {
    throw new ArrayError('FAILED_PRECONDITION', ld.state === 'fault' ? `The VVOL ${vvolId} is in the fault state (${ld.faultReason ?? 'fault'}) and cannot be bound.` : `The VVOL ${vvolId} is being copied and cannot be bound yet.`, { state: ld.state });
  }
  const pe = choosePe(ctx, ld, host, allowedPeLdns, st);
  const s = ctx.store;
  const had = s.get<{ secondary_id: number }>('SELECT secondary_id FROM bindings WHERE pe_id = ? AND vvol_ld_id = ?', pe.id, ld.id);
  const newSecondary = had ? undefined : nextSecondaryId(ctx, pe.id, st);
  return writesOnly(() => {
    if (newSecondary !== undefined) s.run('INSERT INTO bindings (pe_id, vvol_ld_id, secondary_id) VALUES (?, ?, ?)', pe.id, ld.id, newSecondary);
    const b = had ?? { secondary_id: newSecondary as number };
      const added = s.run('INSERT OR IGNORE INTO binding_hosts (pe_id, vvol_ld_id, host, bound_at) VALUES (?, ?, ?, ?)', pe.id, ld.id, host, ctx.clock.now()).changes;
    const event = added
      ? {
        arrayId: a.id,
        e: {
          type: 'Config', configType: 'Update', objectType: 'VirtualVolume', objectId: vvolId, messageId: 'nec.vvol.bound',
          message: `The VVOL ${ld.name} (${hex4(ld.ldn)}h) was bound to the PE ${hex4(pe.ldn)}h for the host ${host}.`, params: { host, pe: hex4(pe.ldn) },
        } satisfies EventInput,
      }
      : undefined;
    return { handle: { vvolId, peLdn: pe.ldn, peId: peEui(a.wwn, pe.ldn), secondaryId: b.secondary_id, sizeMB: Math.ceil(ld.capacity / MiB) }, pe, newSecondary, event };
  });
}

/**
 * The writes of one batch item, after every check that can refuse it: an item needs no
 * savepoint of its own (a bind of 64 took 64 SAVEPOINT/RELEASE pairs), because a refusal
 * (ArrayError) never comes after a write. Should one ever be thrown here, it fails the
 * whole call (the caller's transaction or group savepoint undoes it) instead of leaving
 * one item half done.
 */
function writesOnly<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ArrayError) throw new Error(`A batch item was refused after its first write (${e.code}: ${e.message}); the call is undone whole.`, { cause: e });
    throw e;
  }
}

function checkHost(host: string): void {
  if (!host || !/^[A-Za-z0-9_.:\-]{1,223}$/.test(host)) throw invalid(`"${host}" is not a valid host name or initiator.`);
}

/** Binds a batch for one host. Items succeed or fail one by one, each whole. */
export function bindVvols(ctx: Ctx, host: string, vvolIds: string[], allowedPeLdns?: number[]): BindResult[] {
  checkHost(host);
  // The arrays of the batch, read once: nothing in a bind changes what the gate checks.
  return bindEach(ctx, host, vvolIds, findEach(ctx, vvolIds), allowedPeLdns, newBatchState());
}

/** Each VVol's row, read once, or why it cannot be had (an item's own failure). */
function findEach(ctx: Ctx, vvolIds: string[]): (LogicalDisk | ArrayError)[] {
  const found = findVvols(ctx, vvolIds);
  return vvolIds.map((vvolId, n) => found[n] ?? notFound(specifiedDoesNotExist(vvolId), { vvolId }));
}

/** Binds each found VVol in a savepoint of its own: one item's failure leaves the others bound. */
function bindEach(ctx: Ctx, host: string, vvolIds: string[], found: (LogicalDisk | ArrayError)[], allowed: readonly number[] | undefined, st: BatchState): BindResult[] {
  // The bound items' events, in item order, appended together at the end (appendEvents:
  // one numbering statement per array for the batch, not one per VVol). In the same
  // transaction: a failure there fails the call whole, nothing bound.
  const events: { arrayId: number; e: EventInput }[] = [];
  const results = found.map((ld, n): BindResult => {
    const vvolId = vvolIds[n];
    if (ld instanceof ArrayError) return { vvolId, ok: false, error: ld };
    try {
      const bound = bindOne(ctx, host, ld, allowed, st);
      if (bound.event) events.push(bound.event);
      if (bound.newSecondary !== undefined) {
        // A new binding row: one more behind its PE (the trigger counted it in the store too).
        bound.pe.n++;
        const max = st.maxSecondary.get(bound.pe.id) ?? null;
        st.maxSecondary.set(bound.pe.id, max === null ? bound.newSecondary : Math.max(max, bound.newSecondary));
      }
      return { vvolId, ok: true, handle: bound.handle };
    } catch (e) {
      if (e instanceof ArrayError) return { vvolId, ok: false, error: e };
      throw e;
    }
  });
  appendEventsInOrder(ctx, events);
  return results;
}

/** A VASA bind: the items, the names of the arrays they are on (for the call log), each bound VVol's metadata. */
export interface BindBatch {
  results: BindResult[];
  arrays: string[];
  /** By VVol id, for the bound ones (VirtualVolumeInfo). Empty when metadataFailure says why. */
  metadata: Map<string, Record<string, string>>;
  /**
   * Why the metadata could not be read: the bindings are made all the same and are
   * reported bound, without it (a host unaware of a binding it holds is worse).
   */
  metadataFailure?: string;
}

export interface BindBatchOptions {
  /** What setPEContext reported, PE LD numbers by array id: binding goes only through those PEs. */
  peContext?: ReadonlyMap<number, readonly number[]>;
}

/**
 * bindVirtualVolume in one transaction: each VVol's row is read once, the batch must
 * lie in one storage container (one pool, as vSphere sends it), each item is bound in
 * a savepoint of its own (it fails alone), and the metadata of the bound VVols is read
 * in one query at the end.
 */
export function bindBatch(ctx: Ctx, host: string, vvolIds: string[], o: BindBatchOptions = {}): BindBatch {
  checkHost(host);
  const found = findEach(ctx, vvolIds);
  const lds = found.filter((f): f is LogicalDisk => !(f instanceof ArrayError));
  const pools = new Set(lds.map((ld) => ld.poolId));
  if (pools.size > 1) throw invalid('The VVols of one bindVirtualVolume call must be in one storage container.');
  const allowed = lds.length ? o.peContext?.get(lds[0].arrayId) : undefined;
  const arrays = new Map<number, DiskArray>();
  const results = bindEach(ctx, host, vvolIds, found, allowed, newBatchState(arrays));
  const names = [...new Set(lds.map((ld) => (arrays.get(ld.arrayId) ?? getArray(ctx, ld.arrayId)).name))];
  const boundLds = found.filter((ld, n): ld is LogicalDisk => results[n].ok && !(ld instanceof ArrayError));
  try {
    const byLd = metadataOfMany(ctx, boundLds.map((ld) => ld.id));
    return { results, arrays: names, metadata: new Map(boundLds.map((ld) => [ld.vvolId as string, byLd.get(ld.id) ?? {}])) };
  } catch (e) {
    // A failed read after which SQLite kept the transaction: the bindings stand. (When
    // SQLite rolled it back, the store fails the whole call and nothing was bound.)
    if (!(e instanceof ArrayError || e instanceof StoreError)) throw e;
    return { results, arrays: names, metadata: new Map(), metadataFailure: e.message };
  }
}

export type UnbindResult = { vvolId: string; ok: true } | { vvolId: string; ok: false; error: ArrayError };

function dropHost(ctx: Ctx, peId: number, ldId: number, host: string): boolean {
  const s = ctx.store;
  const removed = s.run('DELETE FROM binding_hosts WHERE pe_id = ? AND vvol_ld_id = ? AND host = ?', peId, ldId, host).changes > 0;
  if (!s.get('SELECT 1 FROM binding_hosts WHERE pe_id = ? AND vvol_ld_id = ?', peId, ldId)) {
    s.run('DELETE FROM bindings WHERE pe_id = ? AND vvol_ld_id = ?', peId, ldId);
  }
  return removed;
}

/** Unbinds one item of a batch (its row read with the batch's); returns its event, for the batch to append. */
function unbindOne(ctx: Ctx, host: string, vvolId: string, peLdn: number | undefined, arrays: Map<number, DiskArray>, found: LogicalDisk | undefined): { arrayId: number; e: EventInput } {
  if (!found) throw notFound(specifiedDoesNotExist(vvolId), { vvolId });
  const ld = found;
  let a = arrays.get(ld.arrayId);
  if (!a) arrays.set(ld.arrayId, (a = getArray(ctx, ld.arrayId)));
  checkGate(a, 'unbind');
  const s = ctx.store;
  const rows = s.all<{ pe_id: number; ldn: number }>(
    'SELECT h.pe_id, l.ldn FROM binding_hosts h JOIN lds l ON l.id = h.pe_id WHERE h.vvol_ld_id = ? AND h.host = ?',
    ld.id, host,
  ).filter((r) => peLdn === undefined || r.ldn === peLdn);
  if (rows.length === 0) {
    throw new ArrayError('NOT_FOUND', `The VVOL ${vvolId} is not bound for the host ${host}${peLdn !== undefined ? ` through the PE ${hex4(peLdn)}h` : ''}.`, { vvolId, host });
  }
  writesOnly(() => {
    for (const r of rows) dropHost(ctx, r.pe_id, ld.id, host);
  });
  return { arrayId: a.id, e: { type: 'Config', configType: 'Update', objectType: 'VirtualVolume', objectId: vvolId, messageId: 'nec.vvol.unbound', message: `The VVOL ${ld.name} (${hex4(ld.ldn)}h) was unbound for the host ${host}.`, params: { host } } };
}

/** Each item in a savepoint of its own; the VVols' rows read in one query, the events appended together at the end. */
export function unbindVvols(ctx: Ctx, host: string, items: { vvolId: string; peLdn?: number }[], arrays = new Map<number, DiskArray>()): UnbindResult[] {
  checkHost(host);
  const found = findVvols(ctx, items.map((it) => it.vvolId));
  const events: { arrayId: number; e: EventInput }[] = [];
  const results = items.map((it, n) => {
    try {
      events.push(unbindOne(ctx, host, it.vvolId, it.peLdn, arrays, found[n]));
      return { vvolId: it.vvolId, ok: true as const };
    } catch (e) {
      if (e instanceof ArrayError) return { vvolId: it.vvolId, ok: false as const, error: e };
      throw e;
    }
  });
  appendEventsInOrder(ctx, events);
  return results;
}

/** A VASA unbind: the items and the names of the arrays they are on (for the call log). */
export interface UnbindBatch {
  results: UnbindResult[];
  arrays: string[];
}

/**
 * unbindVirtualVolume's items, each VVol's row read once. With `keep` (RebindStart) the
 * host keeps its bindings until RebindEnd, so nothing changes: an item is done when
 * there is a binding of this host to keep, NOT_FOUND otherwise (the engine runs it as a
 * read). Without, the bindings go, each item in a savepoint of its own.
 */
export function unbindBatch(ctx: Ctx, host: string, items: { vvolId: string; peLdn?: number }[], keep: boolean): UnbindBatch {
  const arrays = new Map<number, DiskArray>();
  const results = keep ? items.map((it) => keptBinding(ctx, host, it.vvolId, arrays)) : unbindVvols(ctx, host, items, arrays);
  return { results, arrays: [...arrays.values()].map((a) => a.name) };
}

function keptBinding(ctx: Ctx, host: string, vvolId: string, arrays: Map<number, DiskArray>): UnbindResult {
  try {
    const ld = getVvol(ctx, vvolId);
    if (!arrays.has(ld.arrayId)) arrays.set(ld.arrayId, getArray(ctx, ld.arrayId));
    if (!ctx.store.get('SELECT 1 FROM binding_hosts WHERE vvol_ld_id = ? AND host = ?', ld.id, host)) {
      return { vvolId, ok: false, error: new ArrayError('NOT_FOUND', `The VVOL ${vvolId} is not bound for the host ${host}.`, { vvolId, host }) };
    }
    return { vvolId, ok: true };
  } catch (e) {
    if (e instanceof ArrayError) return { vvolId, ok: false, error: e };
    throw e;
  }
}

/** Drops every binding of a host (after the host restarted); returns how many were dropped. */
export function unbindAllFromHost(ctx: Ctx, host: string): number {
  checkHost(host);
  const s = ctx.store;
  const rows = s.all<{ pe_id: number; vvol_ld_id: number; array_id: number }>(
    'SELECT h.pe_id, h.vvol_ld_id, l.array_id FROM binding_hosts h JOIN lds l ON l.id = h.pe_id WHERE h.host = ?', host,
  );
  const arrays = new Set<number>();
  for (const r of rows) {
    dropHost(ctx, r.pe_id, r.vvol_ld_id, host);
    arrays.add(r.array_id);
  }
  for (const id of arrays) {
    appendEvent(ctx, id, { type: 'Config', configType: 'Update', objectType: 'Host', objectId: host, messageId: 'nec.host.unboundAll', message: `All VVOLs bound for the host ${host} were unbound.`, params: { host } });
  }
  return rows.length;
}

/** Drops every host's binding of the given VVols. */
export function unbindFromAllHosts(ctx: Ctx, vvolIds: string[]): UnbindResult[] {
  return vvolIds.map((vvolId) => {
    try {
      ctx.store.savepoint(() => {
        const ld = getVvol(ctx, vvolId);
        checkGate(getArray(ctx, ld.arrayId), 'unbind');
        ctx.store.run('DELETE FROM binding_hosts WHERE vvol_ld_id = ?', ld.id);
        ctx.store.run('DELETE FROM bindings WHERE vvol_ld_id = ?', ld.id);
        appendEvent(ctx, ld.arrayId, { type: 'Config', configType: 'Update', objectType: 'VirtualVolume', objectId: vvolId, messageId: 'nec.vvol.unbound', message: `The VVOL ${ld.name} (${hex4(ld.ldn)}h) was unbound for all hosts.` });
      });
      return { vvolId, ok: true as const };
    } catch (e) {
      if (e instanceof ArrayError) return { vvolId, ok: false as const, error: e };
      throw e;
    }
  });
}

export interface BindingInfo {
  vvolId: string;
  vvolLdn: number;
  peLdn: number;
  secondaryId: number;
  hosts: string[];
}

export function listBindings(ctx: Ctx, arrayId: number, host?: string): BindingInfo[] {
  const rows = ctx.store.all<{ vvol_id: string; vldn: number; pldn: number; secondary_id: number; hosts: string }>(
    `SELECT v.vvol_id, v.ldn AS vldn, p.ldn AS pldn, b.secondary_id, GROUP_CONCAT(h.host) AS hosts
       FROM bindings b JOIN lds v ON v.id = b.vvol_ld_id JOIN lds p ON p.id = b.pe_id
       JOIN binding_hosts h ON h.pe_id = b.pe_id AND h.vvol_ld_id = b.vvol_ld_id
      WHERE v.array_id = ? ${host ? 'AND EXISTS (SELECT 1 FROM binding_hosts x WHERE x.pe_id = b.pe_id AND x.vvol_ld_id = b.vvol_ld_id AND x.host = ?)' : ''}
      GROUP BY b.pe_id, b.vvol_ld_id ORDER BY p.ldn, b.secondary_id`,
    ...(host ? [arrayId, host] : [arrayId]),
  );
  return rows.map((r) => ({ vvolId: r.vvol_id, vvolLdn: r.vldn, peLdn: r.pldn, secondaryId: r.secondary_id, hosts: r.hosts.split(',').sort() }));
}
