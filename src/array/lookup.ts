/**
 * Finding arrays, pools and LDs by what users type: array name or id; pool number
 * ("0001h", "1") or name; LD number, LD name or VVol id. Not found is an error that
 * names what was asked for.
 */
import type { Row } from '../store/db';
import type { Ctx } from './context';
import { ArrayError, notFound } from './errors';
import { containerUuid, hex4, isVvolId, parseHexNumber, parseVvolId } from './ids';
import { MSG, specifiedDoesNotExist } from './messages';
import { readLd, readLds, toArray, toPool } from './rows';
import type { DiskArray, LogicalDisk, Pool } from './types';

export type ArrayRef = string | number;

export function findArray(ctx: Ctx, ref: ArrayRef): DiskArray | undefined {
  const s = ctx.store;
  const r =
    typeof ref === 'number'
      ? s.get('SELECT * FROM arrays WHERE id = ?', ref)
      : s.get('SELECT * FROM arrays WHERE name = ? OR serial = ? OR wwn = ?', ref, ref, ref.toUpperCase());
  if (!r) return undefined;
  const a = toArray(r, s.all('SELECT name, unlocked FROM licences WHERE array_id = ?', Number(r.id)));
  return !ctx.scope || ctx.scope(a) ? a : undefined;
}

/** Whether the array with this id is in the context's scope (always, without a scope). */
export function inScope(ctx: Ctx, arrayId: number): boolean {
  return !ctx.scope || findArray(ctx, arrayId) !== undefined;
}

export function getArray(ctx: Ctx, ref: ArrayRef): DiskArray {
  const a = findArray(ctx, ref);
  if (!a) throw notFound(`The disk array ${ref} does not exist.`, { array: String(ref) });
  return a;
}

/** The only array, when the caller named none and there is exactly one. */
export function defaultArray(ctx: Ctx, ref?: ArrayRef): DiskArray {
  if (ref !== undefined && ref !== '') return getArray(ctx, ref);
  const rows = ctx.store.all<{ id: number }>('SELECT id FROM arrays ORDER BY id');
  if (rows.length === 1) return getArray(ctx, rows[0].id);
  if (rows.length === 0) throw notFound('No disk array is registered.');
  throw new ArrayError('INVALID_ARGUMENT', 'Several disk arrays are registered: name the one you mean.');
}

export function getPool(ctx: Ctx, arrayId: number, ref: string | number): Pool {
  const byNo = typeof ref === 'number' ? ref : parseHexNumber(ref);
  const r =
    byNo !== undefined
      ? ctx.store.get('SELECT * FROM pools WHERE array_id = ? AND pool_no = ?', arrayId, byNo)
      : undefined;
  const r2 = r ?? (typeof ref === 'string' ? ctx.store.get('SELECT * FROM pools WHERE array_id = ? AND name = ?', arrayId, ref) : undefined);
  if (!r2) throw notFound(`The specified pool(${typeof ref === 'number' ? hex4(ref) : ref}) does not exist.`, { pool: String(ref) });
  return toPool(r2);
}

export function getPoolById(ctx: Ctx, id: number): Pool {
  const r = ctx.store.get('SELECT * FROM pools WHERE id = ?', id);
  if (!r) throw notFound(`The pool ${id} does not exist.`);
  return toPool(r);
}

export function findLdById(ctx: Ctx, id: number): LogicalDisk | undefined {
  const ld = readLd(ctx.store, 'WHERE l.id = ?', id);
  return ld && inScope(ctx, ld.arrayId) ? ld : undefined;
}

export function getLdById(ctx: Ctx, id: number): LogicalDisk {
  const ld = findLdById(ctx, id);
  if (!ld) throw notFound(MSG.ldNotExist, { ld: id });
  return ld;
}

/**
 * A VVol by its N4 id. Anything that is not such an id names no VVol, the rfc4122 ids
 * of older versions of this provider included (never silently taken for another form).
 * The id column holds the derived id (see ids.ts), so this is one index probe.
 */
export function findVvol(ctx: Ctx, vvolId: string): LogicalDisk | undefined {
  const parsed = parseVvolId(vvolId);
  if (!parsed) return undefined;
  const ld = readLd(ctx.store, 'WHERE l.vvol_id = ?', parsed.id);
  return ld && inScope(ctx, ld.arrayId) ? ld : undefined;
}

/**
 * VVols by their VASA ids in one query (a batch of 64 is one statement, not 64), in the
 * order asked; undefined where findVvol would find none.
 */
export function findVvols(ctx: Ctx, vvolIds: readonly string[]): (LogicalDisk | undefined)[] {
  const parsed = vvolIds.map((id) => parseVvolId(id)?.id);
  const wanted = [...new Set(parsed.filter((id): id is string => id !== undefined))];
  if (wanted.length === 0) return vvolIds.map(() => undefined);
  const byId = new Map<string, LogicalDisk>();
  // The scope is asked once per array, not once per VVol (a batch is on one array or two).
  const scoped = new Map<number, boolean>();
  for (const ld of readLds(ctx.store, 'WHERE l.vvol_id IN (SELECT value FROM json_each(?))', JSON.stringify(wanted))) {
    let ok = scoped.get(ld.arrayId);
    if (ok === undefined) scoped.set(ld.arrayId, (ok = inScope(ctx, ld.arrayId)));
    if (ok) byId.set(ld.vvolId as string, ld);
  }
  return parsed.map((id) => (id === undefined ? undefined : byId.get(id)));
}

/** A VVol by its VASA id; not found carries the manual's "The specified <VVOL> does not exist." */
export function getVvol(ctx: Ctx, vvolId: string): LogicalDisk {
  const ld = findVvol(ctx, vvolId);
  if (!ld) throw notFound(specifiedDoesNotExist(vvolId), { vvolId });
  return ld;
}

/** An LD by number ("0010h", "10"), name, or VVol id, within one array. */
export function getLd(ctx: Ctx, arrayId: number, ref: string | number): LogicalDisk {
  if (typeof ref === 'string' && isVvolId(ref)) {
    const ld = getVvol(ctx, ref);
    if (ld.arrayId !== arrayId) throw notFound(specifiedDoesNotExist(ref), { vvolId: ref });
    return ld;
  }
  const ldn = typeof ref === 'number' ? ref : parseHexNumber(ref);
  let ld: LogicalDisk | undefined;
  if (ldn !== undefined) ld = readLd(ctx.store, 'WHERE l.array_id = ? AND l.ldn = ?', arrayId, ldn);
  if (!ld && typeof ref === 'string') ld = readLd(ctx.store, 'WHERE l.array_id = ? AND l.name = ?', arrayId, ref);
  if (!ld) throw notFound(MSG.ldNotExist, { ld: String(ref) });
  return ld;
}

/**
 * A Storage Container by its VASA id (containerUuid: the array's WWN and the pool
 * number), on an array in scope. Not found names the id asked for.
 */
export function getContainer(ctx: Ctx, id: string): { array: DiskArray; pool: Pool } {
  const wanted = id.trim().toLowerCase();
  for (const r of ctx.store.all<{ id: number; wwn: string }>('SELECT id, wwn FROM arrays ORDER BY id')) {
    for (const p of ctx.store.all<{ pool_no: number }>('SELECT pool_no FROM pools WHERE array_id = ? AND container = 1', r.id)) {
      if (containerUuid(r.wwn, p.pool_no) !== wanted) continue;
      const array = findArray(ctx, r.id);
      if (array) return { array, pool: getPool(ctx, array.id, p.pool_no) };
    }
  }
  throw notFound(`The storage container ${id} does not exist.`, { container: id });
}
