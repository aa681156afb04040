/**
 * The scheduler's calendar (src/scheduler/calendar.ts): local slots of an IANA zone in UTC
 * across DST changes (a spring-forward hour moves forward by the gap, a fall-back hour is
 * its first occurrence, a slot is one real hour), daily/weekly/monthly day rules including
 * "third Monday", "fifth Monday", day 31 and "last Friday", and the months without a run.
 */
import {
  CalendarRule, dayRuleNames, monthsWithoutRun, nextSlot, slotOn, slotStartOf, slotsBetween, localDate, isIsoDate, isZone,
  canonicalZone, describeSlot,
} from '../../src/scheduler/calendar';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const utc = (s: string): number => Date.parse(s);

function rule(over: Partial<CalendarRule>): CalendarRule {
  return { type: 'daily', startDate: '2026-01-01', slotHour: 10, startMinute: 0, timeZone: 'Europe/Berlin', ...over };
}

describe('slots across DST changes', () => {
  test('Europe/Berlin spring forward (29 March 2026): the 02:00 slot, which does not exist, moves forward by the gap to 03:00 CEST', () => {
    expect(iso(slotStartOf('2026-03-29', 1, 'Europe/Berlin'))).toBe('2026-03-29T00:00:00Z');
    expect(iso(slotStartOf('2026-03-29', 2, 'Europe/Berlin'))).toBe('2026-03-29T01:00:00Z');
    expect(iso(slotStartOf('2026-03-29', 3, 'Europe/Berlin'))).toBe('2026-03-29T01:00:00Z');
    const s = slotOn('2026-03-29', 2, 30, 'Europe/Berlin');
    expect([iso(s.slotStart), iso(s.slotEnd), iso(s.startAt)]).toEqual(['2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z', '2026-03-29T01:30:00Z']);
  });

  test('Europe/Berlin fall back (25 October 2026): the 02:00 slot is its first occurrence (CEST), one real hour long', () => {
    expect(iso(slotStartOf('2026-10-25', 1, 'Europe/Berlin'))).toBe('2026-10-24T23:00:00Z');
    const s = slotOn('2026-10-25', 2, 0, 'Europe/Berlin');
    expect([iso(s.slotStart), iso(s.slotEnd)]).toEqual(['2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z']);
    expect(iso(slotStartOf('2026-10-25', 3, 'Europe/Berlin'))).toBe('2026-10-25T02:00:00Z');
  });

  test('America/New_York spring forward (8 March 2026) and fall back (1 November 2026)', () => {
    expect(iso(slotStartOf('2026-03-08', 1, 'America/New_York'))).toBe('2026-03-08T06:00:00Z');
    expect(iso(slotStartOf('2026-03-08', 2, 'America/New_York'))).toBe('2026-03-08T07:00:00Z');
    expect(iso(slotStartOf('2026-03-08', 3, 'America/New_York'))).toBe('2026-03-08T07:00:00Z');
    expect(iso(slotStartOf('2026-11-01', 1, 'America/New_York'))).toBe('2026-11-01T05:00:00Z'); // 01:00 EDT, the first
    expect(iso(slotStartOf('2026-11-01', 2, 'America/New_York'))).toBe('2026-11-01T07:00:00Z'); // 02:00 EST
  });

  test('a daily rule over the Berlin spring-forward week keeps its local hour', () => {
    const r = rule({ slotHour: 2, startMinute: 30 });
    const got = slotsBetween(r, utc('2026-03-26T00:00:00Z'), utc('2026-04-02T00:00:00Z')).map((s) => `${s.date} ${iso(s.startAt)}`);
    expect(got).toEqual([
      '2026-03-26 2026-03-26T01:30:00Z',
      '2026-03-27 2026-03-27T01:30:00Z',
      '2026-03-28 2026-03-28T01:30:00Z',
      '2026-03-29 2026-03-29T01:30:00Z', // 03:30 CEST: 02:30 does not exist
      '2026-03-30 2026-03-30T00:30:00Z',
      '2026-03-31 2026-03-31T00:30:00Z',
      '2026-04-01 2026-04-01T00:30:00Z',
    ]);
  });

  test('a weekly Sunday rule over the New York fall-back', () => {
    const r = rule({ type: 'weekly', weekday: 'sun', slotHour: 1, startMinute: 15, timeZone: 'America/New_York' });
    const got = slotsBetween(r, utc('2026-10-20T00:00:00Z'), utc('2026-11-10T00:00:00Z')).map((s) => iso(s.startAt));
    expect(got).toEqual(['2026-10-25T05:15:00Z', '2026-11-01T05:15:00Z', '2026-11-08T06:15:00Z']);
  });

  test('the window is [from, to): a slot starting at `to` is not in it, one starting at `from` is', () => {
    const r = rule({ timeZone: 'UTC' });
    expect(slotsBetween(r, utc('2026-02-01T10:00:00Z'), utc('2026-02-02T10:00:00Z')).map((s) => s.date)).toEqual(['2026-02-01']);
    expect(slotsBetween(r, utc('2026-02-01T10:00:00.001Z'), utc('2026-02-02T10:00:00.001Z')).map((s) => s.date)).toEqual(['2026-02-02']);
  });

  test('the start date bounds the rule; a one-time rule has one slot', () => {
    expect(slotsBetween(rule({ startDate: '2026-02-03', timeZone: 'UTC' }), utc('2026-02-01T00:00:00Z'), utc('2026-02-05T00:00:00Z')).map((s) => s.date))
      .toEqual(['2026-02-03', '2026-02-04']);
    expect(slotsBetween(rule({ type: 'once', startDate: '2026-02-03', timeZone: 'UTC' }), utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z')).map((s) => s.date))
      .toEqual(['2026-02-03']);
  });
});

describe('monthly rules', () => {
  const year = (r: CalendarRule) => slotsBetween(r, utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z')).map((s) => s.date);

  test('the third Monday of each month', () => {
    expect(year(rule({ type: 'monthly', ordinal: 3, weekday: 'mon' }))).toEqual([
      '2026-01-19', '2026-02-16', '2026-03-16', '2026-04-20', '2026-05-18', '2026-06-15',
      '2026-07-20', '2026-08-17', '2026-09-21', '2026-10-19', '2026-11-16', '2026-12-21',
    ]);
  });

  test('the fifth Monday: only the months that have one, never shifted', () => {
    const r = rule({ type: 'monthly', ordinal: 5, weekday: 'mon' });
    expect(year(r)).toEqual(['2026-03-30', '2026-06-29', '2026-08-31', '2026-11-30']);
    expect(monthsWithoutRun(r, utc('2026-01-15T12:00:00Z'))).toEqual(['2026-01', '2026-02', '2026-04', '2026-05', '2026-07', '2026-09', '2026-10', '2026-12']);
  });

  test('day 31: no run in a month of 30 days or February', () => {
    const r = rule({ type: 'monthly', monthDay: 31 });
    expect(year(r)).toEqual(['2026-01-31', '2026-03-31', '2026-05-31', '2026-07-31', '2026-08-31', '2026-10-31', '2026-12-31']);
    expect(monthsWithoutRun(r, utc('2026-01-15T12:00:00Z'))).toEqual(['2026-02', '2026-04', '2026-06', '2026-09', '2026-11']);
    expect(monthsWithoutRun(rule({ type: 'monthly', monthDay: 29 }), utc('2027-06-15T00:00:00Z'))).toEqual([]); // Feb 2028 has 29 days
    expect(monthsWithoutRun(rule({ type: 'monthly', monthDay: 29 }), utc('2026-06-15T00:00:00Z'))).toEqual(['2027-02']);
  });

  test('the months are counted in the plan\'s zone: 31 Dec 23:30 UTC is already January in Tokyo', () => {
    const r = rule({ type: 'monthly', monthDay: 31, timeZone: 'Asia/Tokyo' });
    expect(monthsWithoutRun(r, utc('2026-12-31T23:30:00Z'))).toEqual(['2027-02', '2027-04', '2027-06', '2027-09', '2027-11']);
  });

  test('the last Friday, and the day rule apart from the start date', () => {
    const r = rule({ type: 'monthly', ordinal: 'last', weekday: 'fri' });
    expect(year(r).slice(0, 3)).toEqual(['2026-01-30', '2026-02-27', '2026-03-27']);
    expect(dayRuleNames(r, '2026-01-23')).toBe(false);
    expect(monthsWithoutRun(r, utc('2026-01-01T00:00:00Z'))).toEqual([]);
    expect(monthsWithoutRun(rule({}), utc('2026-01-01T00:00:00Z'))).toEqual([]);
  });
});

describe('next slot', () => {
  test('strictly after the instant, and not before the moment the plan took effect', () => {
    const r = rule({ timeZone: 'UTC', startMinute: 20 });
    expect(iso(nextSlot(r, utc('2026-02-01T10:19:59Z'))!.startAt)).toBe('2026-02-01T10:20:00Z');
    expect(iso(nextSlot(r, utc('2026-02-01T10:20:00Z'))!.startAt)).toBe('2026-02-02T10:20:00Z');
    expect(iso(nextSlot(r, utc('2026-02-01T09:00:00Z'), utc('2026-02-01T10:30:00Z'))!.startAt)).toBe('2026-02-02T10:20:00Z');
  });

  test('a rule starting later, a monthly fifth Monday months ahead, a past one-time rule', () => {
    expect(iso(nextSlot(rule({ timeZone: 'UTC', startDate: '2030-05-05' }), utc('2026-01-01T00:00:00Z'))!.startAt)).toBe('2030-05-05T10:00:00Z');
    expect(nextSlot(rule({ type: 'monthly', ordinal: 5, weekday: 'mon', timeZone: 'UTC' }), utc('2026-04-01T00:00:00Z'))!.date).toBe('2026-06-29');
    expect(nextSlot(rule({ type: 'once', startDate: '2026-01-05', timeZone: 'UTC' }), utc('2026-01-06T00:00:00Z'))).toBeNull();
  });
});

describe('helpers', () => {
  test('dates, zones and how a slot is named', () => {
    expect(isIsoDate('2026-02-28')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-2-28')).toBe(false);
    expect(isZone('Europe/Berlin')).toBe(true);
    expect(isZone('Mars/Olympus')).toBe(false);
    expect(canonicalZone('europe/berlin')).toBe('Europe/Berlin');
    expect(localDate(utc('2026-03-01T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-03-02');
    expect(describeSlot('2026-03-02', 23, 'UTC')).toBe('2026-03-02 23:00-00:00 (UTC)');
  });
});
