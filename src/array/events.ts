/**
 * The array's event and alarm logs. Every state change of interest appends an entry
 * with the next sequence number of its array, inside the operation's transaction, so
 * a change and its event are durable together. Old entries beyond the retention are
 * dropped; asking for a dropped sequence is LOST_EVENT.
 */
import { EVENT_FEED_FILTER, EVENT_FEED_HIDDEN_CONFIG } from '../store/migrations';
import type { Ctx } from './context';
import { ArrayError } from './errors';
import { toAlarm, toEvent } from './rows';
import type { ArrayAlarm, ArrayEvent } from './types';

export type EventType = 'System' | 'Config' | 'Policy' | 'ConfigProtocolEndpoint' | 'Rebind';
export type ConfigType = 'New' | 'Update' | 'Delete';

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

export interface AlarmInput {
  type: 'SpaceCapacity' | 'Capability' | 'StorageObject' | 'Object' | 'Compliance' | 'Manageability';
  status: 'Red' | 'Yellow' | 'Green';
  objectType?: string;
  objectId?: string;
  containerId?: string;
  messageId: string;
  message: string;
  params?: Record<string, string>;
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

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && b.every((x) => a.includes(x));

/**
 * Entries of all arrays after the provider-wide number `after` (-1: from the oldest
 * held), in order. LOST_EVENT when entries after `after` were already dropped;
 * INVALID_ARGUMENT when `after` is beyond the last number issued.
 */
export function globalSince(ctx: Ctx, table: 'events' | 'alarms', after: number, limit: number, skipConfigOn: string[] = []): { entries: (ArrayEvent | ArrayAlarm)[]; last: number } {
  const last = counter(ctx, table);
  if (after > last) throw new ArrayError('INVALID_ARGUMENT', `The ${table === 'events' ? 'event' : 'alarm'} id ${after} is beyond the last one issued (${last}).`, { after, last });
  if (after >= 0 && after < counter(ctx, `${table}_pruned`)) {
    throw new ArrayError('LOST_EVENT', `The ${table === 'events' ? 'events' : 'alarms'} after id ${after} are no longer held.`, { after, table });
  }
  // Config events on the listed object types are left out in SQL. For the VASA feed's
  // own list the partial index of exactly its entries is used, so a client polling past
  // thousands of per-VVol events reads none of them.
  if (table === 'events' && sameSet(skipConfigOn, EVENT_FEED_HIDDEN_CONFIG)) {
    const rows = ctx.store.all(`SELECT * FROM events WHERE gseq > ? AND ${EVENT_FEED_FILTER} ORDER BY gseq LIMIT ?`, Math.max(after, 0), limit);
    return { entries: rows.map(toEvent), last };
  }
  const skip = table === 'events' && skipConfigOn.length
    ? ` AND NOT (type = 'Config' AND object_type IN (${skipConfigOn.map(() => '?').join(',')}))`
    : '';
  const rows = ctx.store.all(`SELECT * FROM ${table} WHERE gseq > ?${skip} ORDER BY gseq LIMIT ?`, Math.max(after, 0), ...(skip ? skipConfigOn : []), limit);
  return { entries: table === 'events' ? rows.map(toEvent) : rows.map(toAlarm), last };
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
