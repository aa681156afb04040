/**
 * getEvents / getAlarms. Events and alarms of all arrays share one provider-wide id
 * order. A client sends the last id it saw (-1 to start over) and gets what followed;
 * ids the provider no longer holds give LostEvent / LostAlarm, and the client
 * resynchronises. Which events vCenter sees is the engine's to say (vasaEvents: per-VVol
 * configuration events stay out); the session's unsubscribed types are left out here.
 */
import { isArrayError } from '../../array/errors';
import type { Call } from '../face';
import type { EntityTypeEnum, Responses, StorageAlarmOut, StorageEventOut } from '../generated/operations';
import { VasaFault } from '../faults';
import { arrayId, nameValues } from '../convert';

/** Engine object types vCenter has an entity type for; the others go without one. */
const ENTITY: Partial<Record<string, EntityTypeEnum>> = { StorageArray: 'StorageArray', StorageContainer: 'StorageContainer', ProtocolEndpoint: 'ProtocolEndpoint', VirtualVolume: 'VirtualVolumeInfo' };

function last(v: unknown, name: string): number {
  const n = Number(v ?? -1);
  if (!Number.isSafeInteger(n) || n < -1) throw new VasaFault('InvalidArgument', `${name} must be -1 or a previously returned id.`, {}, true);
  return n;
}

function serialToId(call: Call): Map<number, string> {
  return new Map(call.face.engine.listArrays().map((a) => [a.id, arrayId(a)]));
}

function read<T>(table: 'events' | 'alarms', feed: () => { entries: T[] }): T[] {
  try {
    return feed().entries;
  } catch (e) {
    if (isArrayError(e) && e.code === 'LOST_EVENT') throw new VasaFault(table === 'events' ? 'LostEvent' : 'LostAlarm', e.message);
    throw e;
  }
}

export function getEvents(call: Call<'getEvents'>): Responses['getEvents'] {
  const ids = serialToId(call);
  const subscribed = call.session?.subscribeEvents ?? [];
  const after = last(call.req.lastEventId, 'lastEventId');
  return read('events', () => call.face.engine.vasaEvents(after, call.face.opts.maxEventsPerCall))
    .filter((e) => subscribed.length === 0 || subscribed.includes(e.type))
    .map((e): StorageEventOut => ({
      arrayId: ids.get(e.arrayId),
      eventConfigType: e.configType ?? undefined,
      eventId: e.gseq,
      eventObjType: e.objectType ? ENTITY[e.objectType] : undefined,
      eventTimeStamp: e.time,
      eventType: e.type,
      messageId: e.messageId,
      objectId: e.objectId ?? undefined,
      parameterList: nameValues({ ...e.params, message: e.message }),
    }));
}

export function getAlarms(call: Call<'getAlarms'>): Responses['getAlarms'] {
  const after = last(call.req.lastAlarmId, 'lastAlarmId');
  return read('alarms', () => call.face.engine.vasaAlarms(after, call.face.opts.maxEventsPerCall)).map((a): StorageAlarmOut => ({
    alarmId: a.gseq,
    alarmTimeStamp: a.time,
    alarmType: a.type,
    containerId: a.containerId ?? undefined,
    messageId: a.messageId,
    objectId: a.objectId ?? undefined,
    objectType: a.objectType ? ENTITY[a.objectType] : undefined,
    parameterList: nameValues({ ...a.params, message: a.message }),
    status: a.status,
  }));
}
