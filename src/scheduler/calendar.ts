/**
 * The scheduler's calendar: on which local dates a plan's rule names a run, and when (in
 * UTC) each of those one-hour slots begins. Every conversion between a local date-hour in
 * the plan's IANA zone and UTC is luxon's; this file only walks dates and compares them.
 *
 * The DST rules, decided here once for every part of the scheduler:
 * - A slot hour that does not exist on a spring-forward day (02:00 on 29 March 2026 in
 *   Europe/Berlin, on 8 March 2026 in America/New_York) is moved forward by the gap, as
 *   luxon moves a time that does not exist: the slot runs 03:00-04:00 local that day. It
 *   then shares its real hour with the 03:00 slot, and the slot capacity counts them
 *   together (slots are compared by their UTC start).
 * - A slot hour that occurs twice on a fall-back day (02:00 on 25 October 2026 in Berlin,
 *   01:00 on 1 November 2026 in New York) is its first occurrence (the summer-time one);
 *   luxon alone would take the second.
 * - A slot is one real hour long (slotEnd = slotStart + 1 h), on DST days too.
 *
 * Everything a plan's slots depend on is a pure function of (date, hour, zone), so the
 * slot starts and the facts of each date are cached in memory: luxon's zone conversion
 * costs about 20 µs, and the slot capacity looks at a year of slots of every plan.
 */
import { DateTime, IANAZone } from 'luxon';
import type { ScheduleType, Weekday } from './contract';

export const SLOT_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Everything the calendar needs of a plan: its schedule, complete, and its zone. */
export interface CalendarRule {
  type: ScheduleType;
  /** YYYY-MM-DD, local. */
  startDate: string;
  slotHour: number;
  startMinute: number;
  weekday?: Weekday;
  monthDay?: number;
  ordinal?: 1 | 2 | 3 | 4 | 5 | 'last';
  timeZone: string;
}

/** One slot of a rule: its local date, its real hour in UTC ms, the moment the run is aimed at. */
export interface CalendarSlot {
  date: string;
  slotStart: number;
  slotEnd: number;
  startAt: number;
}

/** The facts of one calendar date (the same in every zone). */
interface DateFacts {
  /** 1 = Monday ... 7 = Sunday (ISO, as luxon counts). */
  weekday: number;
  day: number;
  daysInMonth: number;
  /** YYYY-MM. */
  month: string;
  next: string;
  prev: string;
}

const CACHE_LIMIT = 500_000;
const dateFacts = new Map<string, DateFacts>();
const slotStarts = new Map<string, number>();

function facts(date: string): DateFacts {
  let f = dateFacts.get(date);
  if (!f) {
    const d = DateTime.fromISO(date, { zone: 'utc' });
    if (!d.isValid) throw new Error(`calendar: not a date: ${date}`);
    f = {
      weekday: d.weekday,
      day: d.day,
      daysInMonth: d.daysInMonth as number,
      month: date.slice(0, 7),
      next: d.plus({ days: 1 }).toISODate() as string,
      prev: d.minus({ days: 1 }).toISODate() as string,
    };
    if (dateFacts.size >= CACHE_LIMIT) dateFacts.clear();
    dateFacts.set(date, f);
  }
  return f;
}

/** Whether s is a real calendar date written YYYY-MM-DD (year 1970 or later). */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || s < '1970-01-01') return false;
  return DateTime.fromISO(s, { zone: 'utc' }).isValid;
}

/** Whether zone is an IANA zone luxon (and so the platform's Intl) knows. */
export function isZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** The zone's canonical spelling ("europe/berlin" -> "Europe/Berlin"); the name itself if Intl has none. */
export function canonicalZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone || zone;
  } catch {
    return zone;
  }
}

export function addDays(date: string, n: number): string {
  let d = date;
  for (let i = 0; i < n; i++) d = facts(d).next;
  for (let i = 0; i > n; i--) d = facts(d).prev;
  return d;
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate() as string;
}

/** The local month (YYYY-MM) of an instant in a zone. */
export function localMonth(ms: number, zone: string): string {
  return localDate(ms, zone).slice(0, 7);
}

/**
 * The UTC start of the slot `hour` on the local `date` in `zone`, by the DST rules above:
 * a local hour that does not exist is moved forward by the gap (luxon), an hour that occurs
 * twice is its first occurrence.
 */
export function slotStartOf(date: string, hour: number, zone: string): number {
  const key = `${zone}\u0000${date}\u0000${hour}`;
  let t = slotStarts.get(key);
  if (t === undefined) {
    const d = DateTime.fromISO(`${date}T${String(hour).padStart(2, '0')}:00:00`, { zone });
    if (!d.isValid) throw new Error(`calendar: no slot ${date} ${hour}:00 in ${zone}: ${d.invalidExplanation ?? d.invalidReason}`);
    t = Math.min(...d.getPossibleOffsets().map((x) => x.toMillis()), d.toMillis());
    if (slotStarts.size >= CACHE_LIMIT) slotStarts.clear();
    slotStarts.set(key, t);
  }
  return t;
}

/** The slot of `hour` on `date`, with the run aimed `minute` minutes into it. */
export function slotOn(date: string, hour: number, minute: number, zone: string): CalendarSlot {
  const slotStart = slotStartOf(date, hour, zone);
  return { date, slotStart, slotEnd: slotStart + SLOT_MS, startAt: slotStart + minute * 60_000 };
}

/** Whether the rule's day part names `date`, leaving its start date aside (weekday, day of month, ordinal weekday). */
export function dayRuleNames(rule: CalendarRule, date: string): boolean {
  switch (rule.type) {
    case 'once':
      return date === rule.startDate;
    case 'daily':
      return true;
    case 'weekly':
      return facts(date).weekday === WEEKDAYS.indexOf(rule.weekday as Weekday) + 1;
    case 'monthly': {
      const f = facts(date);
      if (rule.monthDay !== undefined) return f.day === rule.monthDay;
      if (f.weekday !== WEEKDAYS.indexOf(rule.weekday as Weekday) + 1) return false;
      // The n-th such weekday of the month has its day in week n (days 7n-6 .. 7n).
      if (rule.ordinal === 'last') return f.day + 7 > f.daysInMonth;
      return Math.ceil(f.day / 7) === rule.ordinal;
    }
  }
}

/** Whether the rule names a run on `date` (its day part, on or after its start date). */
export function ruleNames(rule: CalendarRule, date: string): boolean {
  return date >= rule.startDate && dayRuleNames(rule, date);
}

/** The local dates whose slots can begin in [fromMs, toMs) in a zone: from the day before `from`'s date to `to`'s date. */
export function dateSpan(fromMs: number, toMs: number, zone: string): [string, string] {
  return [facts(localDate(fromMs, zone)).prev, localDate(Math.max(fromMs, toMs - 1), zone)];
}

/**
 * The rule's slots whose start lies in [fromMs, toMs), in time order. `span` (from
 * dateSpan) may be passed in when many rules of one zone are asked about the same window.
 */
export function slotsBetween(rule: CalendarRule, fromMs: number, toMs: number, span?: [string, string]): CalendarSlot[] {
  const out: CalendarSlot[] = [];
  if (toMs <= fromMs) return out;
  const [first, last] = span ?? dateSpan(fromMs, toMs, rule.timeZone);
  if (rule.type === 'once') {
    if (rule.startDate >= first && rule.startDate <= last) pushIfIn(out, rule, rule.startDate, fromMs, toMs);
    return out;
  }
  let d = first < rule.startDate ? rule.startDate : first;
  while (d <= last) {
    if (dayRuleNames(rule, d)) pushIfIn(out, rule, d, fromMs, toMs);
    d = facts(d).next;
  }
  return out;
}

function pushIfIn(out: CalendarSlot[], rule: CalendarRule, date: string, fromMs: number, toMs: number): void {
  const s = slotOn(date, rule.slotHour, rule.startMinute, rule.timeZone);
  if (s.slotStart >= fromMs && s.slotStart < toMs) out.push(s);
}

/**
 * The first slot of the rule whose aimed start is strictly after `afterMs` and not before
 * `notBeforeMs` (the moment the plan took effect), looking at most `maxDays` dates ahead;
 * null when there is none (a one-time plan that is past).
 */
export function nextSlot(rule: CalendarRule, afterMs: number, notBeforeMs = -Infinity, maxDays = 1500): CalendarSlot | null {
  if (rule.type === 'once') {
    const s = slotOn(rule.startDate, rule.slotHour, rule.startMinute, rule.timeZone);
    return s.startAt > afterMs && s.startAt >= notBeforeMs ? s : null;
  }
  const today = facts(localDate(afterMs, rule.timeZone)).prev;
  let d = today < rule.startDate ? rule.startDate : today;
  for (let i = 0; i < maxDays; i++, d = facts(d).next) {
    if (!dayRuleNames(rule, d)) continue;
    const s = slotOn(d, rule.slotHour, rule.startMinute, rule.timeZone);
    if (s.startAt > afterMs && s.startAt >= notBeforeMs) return s;
  }
  return null;
}

/**
 * The months (YYYY-MM) among the `months` local months from `nowMs`'s (its own included)
 * in which a monthly rule names no day: day 31 in April, a fifth Monday in a month with
 * four. No run happens in them; the date is never shifted. [] for other schedule types.
 */
export function monthsWithoutRun(rule: CalendarRule, nowMs: number, months = 12): string[] {
  if (rule.type !== 'monthly') return [];
  const out: string[] = [];
  let d = `${localMonth(nowMs, rule.timeZone)}-01`;
  for (let m = 0; m < months; m++) {
    const month = facts(d).month;
    let named = false;
    for (; facts(d).month === month; d = facts(d).next) named ||= dayRuleNames(rule, d);
    if (!named) out.push(month);
  }
  return out;
}

/** "2026-03-02 10:00-11:00 (Europe/Berlin)": how messages name a slot. */
export function describeSlot(date: string, hour: number, zone: string): string {
  const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
  return `${date} ${hh(hour)}-${hh(hour + 1)} (${zone})`;
}

/** Local wall-clock time of an instant, "2026-03-29 03:00 (Europe/Berlin)", for messages. */
export function describeInstant(ms: number, zone: string): string {
  return `${DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm')} (${zone})`;
}
