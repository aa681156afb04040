/**
 * The array's event and alarm logs. Every state change of interest appends an entry
 * with the next sequence number of its array, inside the operation's transaction, so
 * a change and its event are durable together. Old entries beyond the retention are
 * dropped; asking for a dropped sequence is LOST_EVENT.
 */
import type { Ctx } from './context';
import { ArrayError } from './errors';
import { toAlarm, toEvent } from './rows';
import type { AlarmInput, ArrayAlarm, ArrayEvent, ConfigType, EventType } from './types';

// The event and alarm shapes live with the other domain types; re-exported for callers of this module.
export type { AlarmInput, ConfigType, EventType };


/**
 * What vCenter sees (getEvents): every event but the configuration events of these
 * object types, which vCenter and the hosts learn about from their own calls (a VVol
 * they created, bound, snapshotted). Defined here once; the query and the partial index
 * events_feed are built from it.
 */
export const VASA_HIDDEN_CONFIG: readonly string[] = Object.freeze(['VirtualVolume', 'LogicalDisk', 'ReplicationPair', 'StoragePool', 'Host', 'Task']);

/**
 * The same as SQL. The partial index events_feed (migration 3) holds exactly these rows;
 * SQLite uses it only when a query's WHERE contains this very expression. A migration
 * cannot import code (a shipped one must never change), so its index text is a copy:
 * test/store/boundary.test.ts fails when the two differ (then add a migration that
 * re-creates events_feed with the new filter).
 */
export const VASA_EVENT_FILTER = `NOT (type = 'Config' AND object_type IN (${VASA_HIDDEN_CONFIG.map((t) => `'${t}'`).join(', ')}))`;

/** The feed's query (exported for the test that checks it uses events_feed). */
export const VASA_EVENTS_QUERY = `SELECT * FROM events WHERE gseq > ? AND ${VASA_EVENT_FILTER} ORDER BY gseq LIMIT ?`;
// `+array_id`: the array filter must not draw SQLite to the primary key (all of an array's events) away from events_feed.
export const VASA_EVENTS_OF_ARRAYS_QUERY = `SELECT * FROM events WHERE gseq > ? AND ${VASA_EVENT_FILTER} AND +array_id IN (SELECT value FROM json_each(?)) ORDER BY gseq LIMIT ?`;
export interface EventInput {
  type: EventType;
  configType?: ConfigType;
  objectType?: string;
  objectId?: string;
  messageId: string;
  message: string;
  params?: Record<string, string>;
}

/** The next value of a provider-wide counter (events and alarms of all arrays share one order). */
function bump(ctx: Ctx, name: string): number {
  return (ctx.store.get<{ value: number }>('INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value', name) as { value: number }).value;
}

function counter(ctx: Ctx, name: string): number {
  return ctx.store.get<{ value: number }>('SELECT value FROM counters WHERE name = ?', name)?.value ?? 0;
}

/** Pruning runs every 256 entries, or more often under a small retention, so at most twice the retention is held. */
const pruneEvery = (ctx: Ctx) => Math.max(1, Math.min(256, ctx.opts.eventRetention));

/** Drops entries beyond the retention, remembering the newest provider-wide number dropped. */
function prune(ctx: Ctx, table: 'events' | 'alarms', arrayId: number, seq: number): void {
  const s = ctx.store;
  const cut = seq - ctx.opts.eventRetention;
  if (cut <= 0) return;
  const g = s.get<{ g: number | null }>(`SELECT MAX(gseq) AS g FROM ${table} WHERE array_id = ? AND seq <= ?`, arrayId, cut)?.g ?? null;
  if (g === null) return;
  s.run(`DELETE FROM ${table} WHERE array_id = ? AND seq <= ?`, arrayId, cut);
  s.run('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = MAX(value, excluded.value)', `${table}_pruned`, g);
}

export function appendEvent(ctx: Ctx, arrayId: number, e: EventInput): number {
  const s = ctx.store;
  const seq = (s.get<{ event_seq: number }>('UPDATE arrays SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq', arrayId) as { event_seq: number }).event_seq;
  s.run(
    'INSERT INTO events (array_id, seq, gseq, time, type, config_type, object_type, object_id, message_id, message, params) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
    arrayId, seq, bump(ctx, 'events'), ctx.clock.now(), e.type, e.configType ?? null, e.objectType ?? null, e.objectId ?? null,
    e.messageId, e.message, JSON.stringify(e.params ?? {}),
  );
  if (seq % pruneEvery(ctx) === 0) prune(ctx, 'events', arrayId, seq);
  return seq;
}

export function appendAlarm(ctx: Ctx, arrayId: number, a: AlarmInput): number {
  const s = ctx.store;
  const seq = (s.get<{ alarm_seq: number }>('UPDATE arrays SET alarm_seq = alarm_seq + 1 WHERE id = ? RETURNING alarm_seq', arrayId) as { alarm_seq: number }).alarm_seq;
  s.run(
    'INSERT INTO alarms (array_id, seq, gseq, time, type, status, object_type, object_id, container_id, message_id, message, params) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
    arrayId, seq, bump(ctx, 'alarms'), ctx.clock.now(), a.type, a.status, a.objectType ?? null, a.objectId ?? null, a.containerId ?? null,
    a.messageId, a.message, JSON.stringify(a.params ?? {}),
  );
  if (seq % pruneEvery(ctx) === 0) prune(ctx, 'alarms', arrayId, seq);
  return seq;
}

/**
 * The provider-wide number of the last entry issued, after checking that the entries
 * after `after` are still held (LOST_EVENT) and that `after` was issued (INVALID_ARGUMENT).
 */
function checkedLast(ctx: Ctx, table: 'events' | 'alarms', after: number): number {
  const last = counter(ctx, table);
  if (after > last) throw new ArrayError('INVALID_ARGUMENT', `The ${table === 'events' ? 'event' : 'alarm'} id ${after} is beyond the last one issued (${last}).`, { after, last });
  if (after >= 0 && after < counter(ctx, `${table}_pruned`)) {
    throw new ArrayError('LOST_EVENT', `The ${table === 'events' ? 'events' : 'alarms'} after id ${after} are no longer held.`, { after, table });
  }
  return last;
}

/**
 * Entries of all arrays after the provider-wide number `after` (-1: from the oldest
 * held), in order: every one of them (the provider's event log). LOST_EVENT when entries
 * after `after` were already dropped; INVALID_ARGUMENT when `after` is beyond the last
 * number issued.
 */
export function globalSince(ctx: Ctx, table: 'events' | 'alarms', after: number, limit: number): { entries: (ArrayEvent | ArrayAlarm)[]; last: number } {
  const last = checkedLast(ctx, table, after);
  const rows = ctx.store.all(`SELECT * FROM ${table} WHERE gseq > ? ORDER BY gseq LIMIT ?`, Math.max(after, 0), limit);
  return { entries: table === 'events' ? rows.map(toEvent) : rows.map(toAlarm), last };
}

/**
 * The events vCenter sees (VASA_EVENT_FILTER) after the provider-wide number `after`,
 * of the given arrays only when `arrayIds` is given; the same errors as globalSince.
 * Through the partial index events_feed, so a client polling past thousands of per-VVol
 * events reads none of them.
 */
export function vasaEvents(ctx: Ctx, after: number, limit: number, arrayIds?: readonly number[]): { entries: ArrayEvent[]; last: number } {
  const last = checkedLast(ctx, 'events', after);
  const from = Math.max(after, 0);
  const rows = arrayIds
    ? ctx.store.all(VASA_EVENTS_OF_ARRAYS_QUERY, from, JSON.stringify(arrayIds), limit)
    : ctx.store.all(VASA_EVENTS_QUERY, from, limit);
  return { entries: rows.map(toEvent), last };
}

/** The alarms vCenter sees (getAlarms): all of them. */
export function vasaAlarms(ctx: Ctx, after: number, limit: number, arrayIds?: readonly number[]): { entries: ArrayAlarm[]; last: number } {
  const last = checkedLast(ctx, 'alarms', after);
  const from = Math.max(after, 0);
  const rows = arrayIds
    ? ctx.store.all('SELECT * FROM alarms WHERE gseq > ? AND array_id IN (SELECT value FROM json_each(?)) ORDER BY gseq LIMIT ?', from, JSON.stringify(arrayIds), limit)
    : ctx.store.all('SELECT * FROM alarms WHERE gseq > ? ORDER BY gseq LIMIT ?', from, limit);
  return { entries: rows.map(toAlarm), last };
}

function since<T>(ctx: Ctx, table: 'events' | 'alarms', arrayId: number, after: number, limit: number, map: (r: Record<string, unknown>) => T): T[] {
  const s = ctx.store;
  const seqCol = table === 'events' ? 'event_seq' : 'alarm_seq';
  const last = s.get<Record<string, number>>(`SELECT ${seqCol} AS last FROM arrays WHERE id = ?`, arrayId)?.last ?? 0;
  if (after > last) {
    throw new ArrayError('INVALID_ARGUMENT', `The sequence number ${after} is beyond the last one issued (${last}).`, { after, last });
  }
  if (after >= 0 && after < last) {
    const oldest = s.get<{ seq: number }>(`SELECT MIN(seq) AS seq FROM ${table} WHERE array_id = ?`, arrayId)?.seq ?? last + 1;
    if (after + 1 < oldest) {
      throw new ArrayError('LOST_EVENT', `The ${table === 'events' ? 'event' : 'alarm'} after sequence ${after} is no longer held (oldest held: ${oldest}).`, { after, oldest, table });
    }
  }
  const from = after < 0 ? 0 : after;
  return s.all(`SELECT * FROM ${table} WHERE array_id = ? AND seq > ? ORDER BY seq LIMIT ?`, arrayId, from, limit).map(map);
}

/** Events after `after` (-1: from the oldest held), oldest first, at most `limit`. */
export function eventsSince(ctx: Ctx, arrayId: number, after: number, limit = 1000): ArrayEvent[] {
  return since(ctx, 'events', arrayId, after, limit, toEvent);
}

export function alarmsSince(ctx: Ctx, arrayId: number, after: number, limit = 1000): ArrayAlarm[] {
  return since(ctx, 'alarms', arrayId, after, limit, toAlarm);
}

export function lastSequences(ctx: Ctx, arrayId: number): { event: number; alarm: number } {
  const r = ctx.store.get<{ event_seq: number; alarm_seq: number }>('SELECT event_seq, alarm_seq FROM arrays WHERE id = ?', arrayId);
  return { event: r?.event_seq ?? 0, alarm: r?.alarm_seq ?? 0 };
}
