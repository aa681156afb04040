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
/**
 * The feed of some arrays. `+array_id`: the array filter must not draw SQLite to the
 * primary key (all of an array's events) away from events_feed. The ids (integers) are
 * written into the statement, a handful of statements for the store's statement cache:
 * with a json_each list SQLite built a Bloom filter on every poll (15 µs of a 36 µs
 * getEvents when nothing was new).
 */
export function vasaEventsOfArraysQuery(arrayIds: readonly number[]): string {
  const list = arrayIds.map((id) => {
    if (!Number.isSafeInteger(id)) throw new Error(`not an array id: ${id}`);
    return String(id);
  });
  return `SELECT * FROM events WHERE gseq > ? AND ${VASA_EVENT_FILTER} AND +array_id IN (${list.join(',')}) ORDER BY gseq LIMIT ?`;
}
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
  return bumpBy(ctx, name, 1);
}

/** Takes n values of a provider-wide counter at once; returns the last of them. */
function bumpBy(ctx: Ctx, name: string, n: number): number {
  return (ctx.store.get<{ value: number }>('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value RETURNING value', name, n) as { value: number }).value;
}

function counter(ctx: Ctx, name: string): number {
  return ctx.store.get<{ value: number }>('SELECT value FROM counters WHERE name = ?', name)?.value ?? 0;
}

/** Pruning runs every 256 entries, or more often under a small retention, so at most twice the retention is held. */
const pruneEvery = (ctx: Ctx) => Math.max(1, Math.min(256, ctx.opts.eventRetention));

/** The events vCenter's feed shows, as SQL over `events` (the partial index events_feed holds exactly these). */
const FEED_ROW = VASA_EVENT_FILTER;

function remember(ctx: Ctx, name: string, value: number | null | undefined): void {
  if (value === null || value === undefined) return;
  ctx.store.run('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = MAX(value, excluded.value)', name, value);
}

/**
 * Drops entries beyond the retention, remembering the newest numbers dropped: provider-wide
 * (`<table>_pruned`, the provider's log), per array (`<table>_pruned_seq:<id>`, the CLI's
 * per-array view) and, for events, of the feed (`events_feed_pruned`, vCenter's getEvents).
 *
 * Why the feed is retained apart: per-VVol configuration events (bind, create, delete) are
 * most of what an array logs and vCenter never sees them, so a count over all events let a
 * boot storm push the feed's own history out under hosts polling every 10 s (LostEvent,
 * then a full resynchronisation by every host: the load a storm cannot afford). The feed
 * keeps its last `eventRetention` entries provider-wide and nothing younger than
 * `eventRetentionMs` (up to ten times the count); hidden events and alarms keep the
 * per-array count, alarms also the age floor.
 */
function prune(ctx: Ctx, table: 'events' | 'alarms', arrayId: number, seq: number): void {
  const s = ctx.store;
  const cut = seq - ctx.opts.eventRetention;
  const young = ctx.clock.now() - ctx.opts.eventRetentionMs;
  if (table === 'alarms') {
    if (cut <= 0) return;
    const hardCut = seq - 10 * ctx.opts.eventRetention;
    const where = 'array_id = ? AND seq <= ? AND (time <= ? OR seq <= ?)';
    const g = s.get<{ g: number | null; q: number | null }>(`SELECT MAX(gseq) AS g, MAX(seq) AS q FROM alarms WHERE ${where}`, arrayId, cut, young, hardCut);
    if (!g || g.g === null) return;
    s.run(`DELETE FROM alarms WHERE ${where}`, arrayId, cut, young, hardCut);
    remember(ctx, 'alarms_pruned', g.g);
    remember(ctx, `alarms_pruned_seq:${arrayId}`, g.q);
    return;
  }
  // A store whose entries were pruned the old way (all events by one count) starts the feed's mark there.
  s.run("INSERT OR IGNORE INTO counters (name, value) SELECT 'events_feed_pruned', value FROM counters WHERE name = 'events_pruned'");
  if (cut > 0) {
    const hidden = s.get<{ g: number | null; q: number | null }>(`SELECT MAX(gseq) AS g, MAX(seq) AS q FROM events WHERE array_id = ? AND seq <= ? AND NOT ${FEED_ROW}`, arrayId, cut);
    if (hidden && hidden.g !== null) {
      s.run(`DELETE FROM events WHERE array_id = ? AND seq <= ? AND NOT ${FEED_ROW}`, arrayId, cut);
      remember(ctx, 'events_pruned', hidden.g);
      remember(ctx, `events_pruned_seq:${arrayId}`, hidden.q);
    }
  }
  // The feed, provider-wide: what lies beyond the count and is old enough, or beyond ten times the count.
  const nth = (n: number) => s.get<{ gseq: number }>(`SELECT gseq FROM events WHERE ${FEED_ROW} ORDER BY gseq DESC LIMIT 1 OFFSET ?`, n)?.gseq;
  const byCount = nth(ctx.opts.eventRetention);
  if (byCount === undefined) return;
  const hard = nth(10 * ctx.opts.eventRetention) ?? 0;
  const dropped = s.all<{ array_id: number; g: number; q: number }>(
    `SELECT array_id, MAX(gseq) AS g, MAX(seq) AS q FROM events WHERE gseq <= ? AND ${FEED_ROW} AND (time <= ? OR gseq <= ?) GROUP BY array_id`, byCount, young, hard);
  if (dropped.length === 0) return;
  s.run(`DELETE FROM events WHERE gseq <= ? AND ${FEED_ROW} AND (time <= ? OR gseq <= ?)`, byCount, young, hard);
  const newest = Math.max(...dropped.map((d) => d.g));
  remember(ctx, 'events_pruned', newest);
  remember(ctx, 'events_feed_pruned', newest);
  for (const d of dropped) remember(ctx, `events_pruned_seq:${d.array_id}`, d.q);
}

export function appendEvent(ctx: Ctx, arrayId: number, e: EventInput): number {
  return appendEvents(ctx, arrayId, [e])[0];
}

/**
 * Events of one array in this order, numbered with one statement for the array's
 * sequence and one for the provider-wide one however many there are (a bind of 64 VVols
 * appends 64). Returns their sequence numbers.
 */
export function appendEvents(ctx: Ctx, arrayId: number, list: readonly EventInput[]): number[] {
  const n = list.length;
  if (n === 0) return [];
  const s = ctx.store;
  const last = (s.get<{ event_seq: number }>('UPDATE arrays SET event_seq = event_seq + ? WHERE id = ? RETURNING event_seq', n, arrayId) as { event_seq: number }).event_seq;
  const lastG = bumpBy(ctx, 'events', n);
  const now = ctx.clock.now();
  const seqs: number[] = [];
  list.forEach((e, i) => {
    const seq = last - n + 1 + i;
    seqs.push(seq);
    s.run(
      'INSERT INTO events (array_id, seq, gseq, time, type, config_type, object_type, object_id, message_id, message, params) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
      arrayId, seq, lastG - n + 1 + i, now, e.type, e.configType ?? null, e.objectType ?? null, e.objectId ?? null,
      e.messageId, e.message, JSON.stringify(e.params ?? {}),
    );
  });
  // Pruning runs when the numbers pass a multiple of pruneEvery, as one at a time would.
  const every = pruneEvery(ctx);
  if (Math.floor(last / every) > Math.floor((last - n) / every)) prune(ctx, 'events', arrayId, last);
  return seqs;
}

/** Events of several arrays in this order: each run of one array's events appended together. */
export function appendEventsInOrder(ctx: Ctx, list: readonly { arrayId: number; e: EventInput }[]): void {
  for (let i = 0; i < list.length;) {
    let j = i + 1;
    while (j < list.length && list[j].arrayId === list[i].arrayId) j++;
    appendEvents(ctx, list[i].arrayId, list.slice(i, j).map((x) => x.e));
    i = j;
  }
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
function checkedLast(ctx: Ctx, table: 'events' | 'alarms', after: number, pruned: string = `${table}_pruned`): number {
  const last = counter(ctx, table);
  if (after > last) throw new ArrayError('INVALID_ARGUMENT', `The ${table === 'events' ? 'event' : 'alarm'} id ${after} is beyond the last one issued (${last}).`, { after, last });
  if (after >= 0 && after < counter(ctx, pruned)) {
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
  // Only a dropped entry of the feed itself is lost to it (hidden events are pruned apart);
  // a store not pruned since it was pruned the old way has only the all-events mark.
  const feedMark = ctx.store.get('SELECT 1 FROM counters WHERE name = ?', 'events_feed_pruned') ? 'events_feed_pruned' : 'events_pruned';
  const last = checkedLast(ctx, 'events', after, feedMark);
  const from = Math.max(after, 0);
  const rows = arrayIds
    ? ctx.store.all(vasaEventsOfArraysQuery(arrayIds), from, limit)
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
    // Hidden events and the feed are pruned apart, so the oldest held is not the measure: the newest dropped is.
    const mark = s.get<{ value: number }>('SELECT value FROM counters WHERE name = ?', `${table}_pruned_seq:${arrayId}`)?.value;
    // Without a mark (nothing pruned since the store pruned the old way, by one count), the oldest held tells.
    const dropped = mark ?? (s.get<{ seq: number | null }>(`SELECT MIN(seq) AS seq FROM ${table} WHERE array_id = ?`, arrayId)?.seq ?? last + 1) - 1;
    if (after < dropped) {
      const oldest = s.get<{ seq: number }>(`SELECT MIN(seq) AS seq FROM ${table} WHERE array_id = ? AND seq > ?`, arrayId, dropped)?.seq ?? last + 1;
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
