/**
 * The array's event and alarm logs. Every state change of interest appends an entry
 * with the next sequence number of its array, inside the operation's transaction, so
 * a change and its event are durable together. Old entries beyond the retention are
 * dropped; asking for a dropped sequence is LOST_EVENT.
 */
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

export function appendEvent(ctx: Ctx, arrayId: number, e: EventInput): number {
  const s = ctx.store;
  s.run('UPDATE arrays SET event_seq = event_seq + 1 WHERE id = ?', arrayId);
  const seq = (s.get<{ event_seq: number }>('SELECT event_seq FROM arrays WHERE id = ?', arrayId) as { event_seq: number }).event_seq;
  s.run(
    'INSERT INTO events (array_id, seq, time, type, config_type, object_type, object_id, message_id, message, params) VALUES (?,?,?,?,?,?,?,?,?,?)',
    arrayId, seq, ctx.clock.now(), e.type, e.configType ?? null, e.objectType ?? null, e.objectId ?? null,
    e.messageId, e.message, JSON.stringify(e.params ?? {}),
  );
  if (seq % 256 === 0) s.run('DELETE FROM events WHERE array_id = ? AND seq <= ?', arrayId, seq - ctx.opts.eventRetention);
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
  s.run('UPDATE arrays SET alarm_seq = alarm_seq + 1 WHERE id = ?', arrayId);
  const seq = (s.get<{ alarm_seq: number }>('SELECT alarm_seq FROM arrays WHERE id = ?', arrayId) as { alarm_seq: number }).alarm_seq;
  s.run(
    'INSERT INTO alarms (array_id, seq, time, type, status, object_type, object_id, container_id, message_id, message, params) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
    arrayId, seq, ctx.clock.now(), a.type, a.status, a.objectType ?? null, a.objectId ?? null, a.containerId ?? null,
    a.messageId, a.message, JSON.stringify(a.params ?? {}),
  );
  if (seq % 256 === 0) s.run('DELETE FROM alarms WHERE array_id = ? AND seq <= ?', arrayId, seq - ctx.opts.eventRetention);
  return seq;
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
