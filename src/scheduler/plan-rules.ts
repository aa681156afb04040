/**
 * The rules of a plan's fields (issue 11 section 1, image-backup seed 4.1.3-4.1.4) and every
 * message they give, in one place: the API and the CLI show these words as they are. A
 * plan's input is checked whole here, before the store is touched (guards first); what
 * needs the other plans (a unique name, the slot capacity) is judged by plans.ts with the
 * builders below.
 *
 * Each refusal is a SchedulerError naming the request field (INVALID) or carrying the facts
 * (CONFLICT, LIMIT). Values may come from JSON or a command line, so types are checked too.
 */
import { SchedulerError } from './contract';
import type { PlanInput, ScheduleInput, ScheduleType, Weekday } from './contract';
import { canonicalZone, describeSlot, isIsoDate, isZone, WEEKDAYS } from './calendar';

/** The seeds' minimum-retention choices (agent backup service: 7, 30 or 365 days). */
export const RETENTION_PRESETS = [7, 30, 365] as const;

export const PLAN_LIMITS = {
  nameMax: 64,
  retentionMinDays: 1,
  retentionMaxDays: 3650,
  /** The last minute of a slot a run may be aimed at: minutes 55-59 are refused (seed 4.1.4). */
  lastStartMinute: 54,
  monthDayMax: 31,
} as const;

export const SCHEDULE_TYPES: readonly ScheduleType[] = ['once', 'daily', 'weekly', 'monthly'];
const ORDINALS = [1, 2, 3, 4, 5, 'last'] as const;
const ORDINAL_WORDS: Record<string, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth', last: 'last' };
const WEEKDAY_WORDS: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

/** The schedule fields each type takes besides type, startDate, slotHour and startMinute. */
const TYPE_FIELDS: Record<ScheduleType, readonly string[]> = {
  once: [],
  daily: [],
  weekly: ['weekday'],
  monthly: ['monthDay', 'ordinal', 'weekday'],
};
const SCHEDULE_FIELDS = ['type', 'startDate', 'slotHour', 'startMinute', 'weekday', 'monthDay', 'ordinal'];
const PLAN_FIELDS = ['name', 'vms', 'enabled', 'schedule', 'timeZone', 'retentionDays'];

/** A plan's fields as checked and stored: the schedule complete (startMinute given), only its type's fields. */
export interface CheckedPlan {
  name: string;
  vms: string[];
  enabled: boolean;
  schedule: ScheduleInput & { startMinute: number };
  timeZone: string;
  retentionDays: number;
}

export function invalid(field: string, message: string, details: Record<string, unknown> = {}): SchedulerError {
  return new SchedulerError('INVALID', message, field, details);
}

const given = (v: unknown): boolean => v !== undefined && v !== null;
const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v));

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Refuses keys the object should not have (a misspelt field must not be ignored silently). */
function refuseUnknown(o: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k) && given(o[k])) throw invalid(`${prefix}${k}`, `${prefix}${k} is not a field of a plan${prefix ? "'s schedule" : ''}; the fields are ${known.join(', ')}.`);
  }
}

export function checkName(v: unknown): string {
  if (typeof v !== 'string') throw invalid('name', 'name is required: the plan\'s name, 1 to 64 characters.');
  const name = v.trim();
  if (name.length < 1 || name.length > PLAN_LIMITS.nameMax) {
    throw invalid('name', `name must be 1 to ${PLAN_LIMITS.nameMax} characters long (leading and trailing spaces aside); it has ${name.length}.`);
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid('name', 'name must not contain control characters (line breaks, tabs).');
  return name;
}

export function checkVms(v: unknown, knownVm: (name: string) => boolean): string[] {
  if (!Array.isArray(v) || v.length === 0) throw invalid('vms', 'vms must list at least one VM to back up.');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [i, raw] of v.entries()) {
    if (typeof raw !== 'string' || !raw.trim()) throw invalid('vms', `vms[${i}] must be a VM name; it is ${show(raw)}.`, { index: i });
    const vm = raw.trim();
    if (seen.has(vm)) throw invalid('vms', `vms lists the VM "${vm}" more than once.`, { vm });
    seen.add(vm);
    if (!knownVm(vm)) throw invalid('vms', `vms: the VM "${vm}" is not known to the provider (no VM of that name on the managed arrays).`, { vm });
    out.push(vm);
  }
  return out;
}

export function checkZone(v: unknown): string {
  if (typeof v !== 'string' || !v.trim()) throw invalid('timeZone', 'timeZone is required: an IANA time zone such as "Europe/Berlin" or "Asia/Tokyo".');
  if (!isZone(v.trim())) throw invalid('timeZone', `timeZone ${show(v)} is not an IANA time zone (for example "Europe/Berlin", "America/New_York", "UTC").`);
  return canonicalZone(v.trim());
}

export function checkRetention(v: unknown): number {
  const presets = RETENTION_PRESETS.join(', ');
  if (!isInt(v) || v < PLAN_LIMITS.retentionMinDays || v > PLAN_LIMITS.retentionMaxDays) {
    throw invalid('retentionDays', `retentionDays must be a whole number of days from ${PLAN_LIMITS.retentionMinDays} to ${PLAN_LIMITS.retentionMaxDays} (presets ${presets}); it is ${show(v)}.`);
  }
  return v;
}

/** The seed's alert (4.1.4): a backup cannot be set in the last 5 minutes of its one-hour slot. */
export function lastMinutesMessage(minute: number): string {
  return `schedule.startMinute ${minute} is in the last 5 minutes of the slot: a backup cannot be set to start from minute 55 to the end of its one-hour time slot. Choose a minute from 0 to ${PLAN_LIMITS.lastStartMinute}, or the next slot.`;
}

export function checkSchedule(v: unknown): CheckedPlan['schedule'] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('schedule', 'schedule is required: { type, startDate, slotHour, startMinute, ... }.');
  const s = v as Record<string, unknown>;
  refuseUnknown(s, SCHEDULE_FIELDS, 'schedule.');
  const type = s.type;
  if (typeof type !== 'string' || !SCHEDULE_TYPES.includes(type as ScheduleType)) {
    throw invalid('schedule.type', `schedule.type must be one of ${SCHEDULE_TYPES.join(', ')}; it is ${show(type)}.`);
  }
  const t = type as ScheduleType;
  if (typeof s.startDate !== 'string' || !isIsoDate(s.startDate)) {
    throw invalid('schedule.startDate', `schedule.startDate must be a date written YYYY-MM-DD (local to the plan's time zone); it is ${show(s.startDate)}.`);
  }
  if (!isInt(s.slotHour) || s.slotHour < 0 || s.slotHour > 23) {
    throw invalid('schedule.slotHour', `schedule.slotHour must be the local hour the one-hour slot begins, 0 to 23; it is ${show(s.slotHour)}.`);
  }
  const minute = given(s.startMinute) ? s.startMinute : 0;
  if (!isInt(minute) || minute < 0 || minute > 59) {
    throw invalid('schedule.startMinute', `schedule.startMinute must be a minute within the slot, 0 to ${PLAN_LIMITS.lastStartMinute}; it is ${show(minute)}.`);
  }
  if (minute > PLAN_LIMITS.lastStartMinute) throw invalid('schedule.startMinute', lastMinutesMessage(minute), { alert: true, lastAllowedMinute: PLAN_LIMITS.lastStartMinute });
  for (const f of ['weekday', 'monthDay', 'ordinal']) {
    if (given(s[f]) && !TYPE_FIELDS[t].includes(f)) {
      throw invalid(`schedule.${f}`, `schedule.${f} does not belong to a ${t} schedule (${describeTypeFields(t)}); leave it out.`);
    }
  }
  const out: CheckedPlan['schedule'] = { type: t, startDate: s.startDate, slotHour: s.slotHour, startMinute: minute };
  if (t === 'weekly') {
    out.weekday = checkWeekday(s.weekday, 'a weekly schedule needs the day of the week');
  } else if (t === 'monthly') {
    const byDay = given(s.monthDay);
    const byOrdinal = given(s.ordinal) || given(s.weekday);
    if (byDay === byOrdinal) {
      throw invalid(byDay ? 'schedule.monthDay' : 'schedule.ordinal', 'A monthly schedule needs exactly one of schedule.monthDay (a day of the month, 1 to 31) or schedule.ordinal with schedule.weekday (e.g. the third Monday).');
    }
    if (byDay) {
      if (!isInt(s.monthDay) || s.monthDay < 1 || s.monthDay > PLAN_LIMITS.monthDayMax) {
        throw invalid('schedule.monthDay', `schedule.monthDay must be a day of the month, 1 to 31; it is ${show(s.monthDay)}.`);
      }
      out.monthDay = s.monthDay;
    } else {
      if (!ORDINALS.includes(s.ordinal as (typeof ORDINALS)[number])) {
        throw invalid('schedule.ordinal', `schedule.ordinal must be 1, 2, 3, 4, 5 or "last" (with schedule.weekday: "the third Monday" is ordinal 3, weekday "mon"); it is ${show(s.ordinal)}.`);
      }
      out.ordinal = s.ordinal as CheckedPlan['schedule']['ordinal'];
      out.weekday = checkWeekday(s.weekday, 'a monthly schedule by ordinal needs the day of the week');
    }
  }
  return out;
}

function checkWeekday(v: unknown, why: string): Weekday {
  if (typeof v !== 'string' || !WEEKDAYS.includes(v as Weekday)) {
    throw invalid('schedule.weekday', `schedule.weekday: ${why}, one of ${WEEKDAYS.join(', ')}; it is ${show(v)}.`);
  }
  return v as Weekday;
}

function describeTypeFields(t: ScheduleType): string {
  if (t === 'weekly') return 'it takes schedule.weekday';
  if (t === 'monthly') return 'it takes schedule.monthDay, or schedule.ordinal with schedule.weekday';
  return 'it takes only type, startDate, slotHour and startMinute';
}

/** A whole plan input (create, or the merged fields of createFrom), checked; the VMs against the provider. */
export function checkPlanInput(p: unknown, knownVm: (name: string) => boolean): CheckedPlan {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw invalid('', 'A plan is an object: { name, vms, schedule, timeZone, retentionDays, enabled }.');
  const o = p as Record<string, unknown>;
  refuseUnknown(o, PLAN_FIELDS, '');
  if (given(o.enabled) && typeof o.enabled !== 'boolean') throw invalid('enabled', `enabled must be true or false; it is ${show(o.enabled)}.`);
  return {
    name: checkName(o.name),
    vms: checkVms(o.vms, knownVm),
    enabled: given(o.enabled) ? (o.enabled as boolean) : true,
    schedule: checkSchedule(o.schedule),
    timeZone: checkZone(o.timeZone),
    retentionDays: checkRetention(o.retentionDays),
  };
}

/**
 * The changes of an update, checked field by field over the plan as it is (a field left
 * out keeps its value; `schedule`, when given, replaces the whole schedule). VMs are
 * checked against the provider only when they are changed.
 */
export function checkPlanChanges(current: CheckedPlan, changes: unknown, knownVm: (name: string) => boolean): CheckedPlan {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) throw invalid('', 'The changes of a plan are an object with some of: name, vms, schedule, timeZone, retentionDays, enabled.');
  const c = changes as Partial<Record<keyof PlanInput, unknown>>;
  refuseUnknown(c as Record<string, unknown>, PLAN_FIELDS, '');
  if (given(c.enabled) && typeof c.enabled !== 'boolean') throw invalid('enabled', `enabled must be true or false; it is ${show(c.enabled)}.`);
  return {
    name: given(c.name) ? checkName(c.name) : current.name,
    vms: given(c.vms) ? checkVms(c.vms, knownVm) : current.vms,
    enabled: given(c.enabled) ? (c.enabled as boolean) : current.enabled,
    schedule: given(c.schedule) ? checkSchedule(c.schedule) : current.schedule,
    timeZone: given(c.timeZone) ? checkZone(c.timeZone) : current.timeZone,
    retentionDays: given(c.retentionDays) ? checkRetention(c.retentionDays) : current.retentionDays,
  };
}

/** "the third Monday", "day 31", "every Tuesday", "every day", "once": how messages name a rule's days. */
export function describeDays(s: ScheduleInput): string {
  switch (s.type) {
    case 'once':
      return `once on ${s.startDate}`;
    case 'daily':
      return 'every day';
    case 'weekly':
      return `every ${WEEKDAY_WORDS[s.weekday as Weekday]}`;
    case 'monthly':
      return s.monthDay !== undefined ? `day ${s.monthDay} of each month` : `the ${ORDINAL_WORDS[String(s.ordinal)]} ${WEEKDAY_WORDS[s.weekday as Weekday]} of each month`;
  }
}

export function nameTaken(name: string, otherId: number): SchedulerError {
  return new SchedulerError('CONFLICT', `name: a plan named "${name}" already exists (plan ${otherId}); plan names are unique.`, 'name', { planId: otherId });
}

export function planNotFound(id: number): SchedulerError {
  return new SchedulerError('NOT_FOUND', `No plan ${id}: it does not exist or has been deleted.`, undefined, { planId: id });
}

export function oncePast(startAt: string): SchedulerError {
  return invalid('schedule.startDate', `schedule.startDate: the one-time backup would start at ${startAt}, which is already past. Choose a later date or slot.`);
}

/** What a refusal for a full slot suggests (seed 4.1.4): another hour that day, or a date with the same hour. */
export interface SlotSuggestions {
  nearestFreeSlotSameDay: { date: string; slotHour: number } | null;
  nearestDateSameSlot: { date: string } | null;
}

export function slotFull(
  conflict: { date: string; slotHour: number; timeZone: string; plans: number },
  capacity: number,
  suggestions: SlotSuggestions,
  recurring: boolean,
): SchedulerError {
  const free = suggestions.nearestFreeSlotSameDay;
  const later = suggestions.nearestDateSameSlot;
  const sameDay = free
    ? `the nearest available time on the same day is the slot ${describeSlot(free.date, free.slotHour, conflict.timeZone)}`
    : 'no other time slot on the same day is available';
  const sameSlot = later
    ? recurring
      ? `the nearest date with the same time slot free is ${later.date} (as the start date, so no run meets a full slot)`
      : `the nearest date with the same time slot free is ${later.date}`
    : 'no date in the coming year has the same time slot free';
  return new SchedulerError(
    'LIMIT',
    `The time slot ${describeSlot(conflict.date, conflict.slotHour, conflict.timeZone)} already has ${conflict.plans} plan${conflict.plans === 1 ? '' : 's'} starting in it, ` +
      `the most one slot may have (slot capacity ${capacity}). Instead, ${sameDay}; ${sameSlot}.`,
    'schedule.slotHour',
    { ...suggestions, slot: { date: conflict.date, slotHour: conflict.slotHour, timeZone: conflict.timeZone }, plansInSlot: conflict.plans, slotCapacity: capacity },
  );
}
