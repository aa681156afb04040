/**
 * The plans of the image-backup scheduler (src/scheduler/plans.ts) on a real store in a temp
 * folder with a manual clock: the field rules (each refusal names its field), unknown VMs,
 * the 55-minute rule, one-time plans in the past, slot capacity with the seed's two
 * suggestions (also where DST makes two local hours one real hour), enable/disable,
 * delete, createFrom (deleted sources too), nextRunAt, monthsWithoutRun, a simulated week
 * of runner ticks across DST in Berlin and New York, and the in-memory copy staying true
 * to the store (another PlanStore's change, a rolled-back outer transaction, a reopen).
 */
import fs from 'node:fs';
import { ManualClock } from '../../src/array/clock';
import { Store } from '../../src/store/db';
import { MIGRATIONS } from '../../src/store/migrations';
import { SchedulerError } from '../../src/scheduler/contract';
import type { PlanInput, ScheduleInput } from '../../src/scheduler/contract';
import { PlanStore } from '../../src/scheduler/plans';
import { RETENTION_PRESETS } from '../../src/scheduler/plan-rules';
import { tempDir } from '../helpers/fixture';

const utc = (s: string): number => Date.parse(s);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString().replace('.000Z', 'Z'));

interface World {
  dir: string;
  store: Store;
  clock: ManualClock;
  plans: PlanStore;
  vms: Set<string>;
  capacity: { value: number };
  reopen(): World;
}

const open: World[] = [];

function world(start = '2026-01-01T00:00:00Z', dir = tempDir('vvol-plans-'), vms = new Set(['vm-a', 'vm-b', 'vm-c']), capacity = { value: 10 }): World {
  const store = Store.open(dir, { synchronous: 'NORMAL' });
  const clock = new ManualClock(utc(start));
  const plans = new PlanStore(store, clock, { slotCapacity: () => capacity.value, knownVm: (n) => vms.has(n) });
  const w: World = {
    dir, store, clock, plans, vms, capacity,
    reopen() {
      store.close();
      const again = world(new Date(clock.now()).toISOString(), dir, vms, capacity);
      return again;
    },
  };
  open.push(w);
  return w;
}

afterEach(() => {
  for (const w of open.splice(0)) {
    w.store.close();
    fs.rmSync(w.dir, { recursive: true, force: true });
  }
});

function input(over: Partial<PlanInput> = {}, schedule: Partial<ScheduleInput> = {}): PlanInput {
  return {
    name: 'nightly',
    vms: ['vm-a'],
    timeZone: 'Europe/Berlin',
    retentionDays: 7,
    ...over,
    schedule: { type: 'daily', startDate: '2026-01-01', slotHour: 10, ...schedule } as ScheduleInput,
  };
}

/** Runs fn, expects a SchedulerError; returns it. */
function refused(fn: () => unknown, code: SchedulerError['code'], field?: string): SchedulerError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof SchedulerError)) throw new Error(`expected SchedulerError ${code}, got ${thrown === undefined ? 'nothing' : String(thrown)}`);
  expect({ code: thrown.code, field: thrown.field }).toEqual({ code, field: field ?? thrown.field });
  return thrown;
}

describe('create, get, list', () => {
  test('a daily plan: normalised fields, defaults, nextRunAt in UTC, one transaction, kept after a reopen', () => {
    let w = world('2026-01-05T08:00:00Z');
    const writes = w.store.stats.writes;
    const p = w.plans.create(input({ name: '  nightly  ', vms: ['vm-a', 'vm-b'], retentionDays: 30 }, { startMinute: undefined }));
    expect(w.store.stats.writes).toBe(writes + 1);
    expect(p).toEqual({
      id: p.id, name: 'nightly', vms: ['vm-a', 'vm-b'], enabled: true,
      schedule: { type: 'daily', startDate: '2026-01-01', slotHour: 10, startMinute: 0 },
      timeZone: 'Europe/Berlin', retentionDays: 30,
      createdAt: utc('2026-01-05T08:00:00Z'), updatedAt: utc('2026-01-05T08:00:00Z'),
      derivedFrom: null, nextRunAt: utc('2026-01-05T09:00:00Z'), monthsWithoutRun: [],
    });
    expect(w.plans.get(p.id)).toEqual(p);
    expect(w.plans.list()).toEqual([p]);
    w = w.reopen();
    expect(w.plans.get(p.id)).toEqual(p);
  });

  test('the time zone is stored in its canonical spelling; a plan may be created disabled', () => {
    const w = world();
    const p = w.plans.create(input({ timeZone: 'america/new_york', enabled: false }));
    expect(p.timeZone).toBe('America/New_York');
    expect(p.enabled).toBe(false);
    expect(p.nextRunAt).toBeNull();
  });

  test('weekly and monthly plans keep only their own fields; monthsWithoutRun flags the months without a run', () => {
    const w = world('2026-01-15T00:00:00Z');
    const weekly = w.plans.create(input({ name: 'weekly' }, { type: 'weekly', weekday: 'tue' }));
    expect(weekly.schedule).toEqual({ type: 'weekly', startDate: '2026-01-01', slotHour: 10, startMinute: 0, weekday: 'tue' });
    expect(iso(weekly.nextRunAt)).toBe('2026-01-20T09:00:00Z');
    const day31 = w.plans.create(input({ name: 'day 31' }, { type: 'monthly', monthDay: 31 }));
    expect(day31.monthsWithoutRun).toEqual(['2026-02', '2026-04', '2026-06', '2026-09', '2026-11']);
    expect(iso(day31.nextRunAt)).toBe('2026-01-31T09:00:00Z');
    const third = w.plans.create(input({ name: 'third monday' }, { type: 'monthly', ordinal: 3, weekday: 'mon' }));
    expect(third.schedule).toEqual({ type: 'monthly', startDate: '2026-01-01', slotHour: 10, startMinute: 0, ordinal: 3, weekday: 'mon' });
    expect(iso(third.nextRunAt)).toBe('2026-01-19T09:00:00Z');
    expect(third.monthsWithoutRun).toEqual([]);
    const fifth = w.plans.create(input({ name: 'fifth monday' }, { type: 'monthly', ordinal: 5, weekday: 'mon' }));
    expect(fifth.monthsWithoutRun).toEqual(['2026-01', '2026-02', '2026-04', '2026-05', '2026-07', '2026-09', '2026-10', '2026-12']);
    expect(iso(fifth.nextRunAt)).toBe('2026-03-30T08:00:00Z'); // 10:00 CEST on 30 March
    // No fifth Monday in April or May: the run after March is in June, never shifted.
    w.clock.set(utc('2026-03-31T00:00:00Z'));
    expect(iso(w.plans.get(fifth.id).nextRunAt)).toBe('2026-06-29T08:00:00Z');
  });

  test('get of a plan that does not exist: NOT_FOUND naming the id', () => {
    const w = world();
    const e = refused(() => w.plans.get(42), 'NOT_FOUND');
    expect(e.message).toContain('42');
  });
});

describe('field rules: each refusal names its field', () => {
  const cases: [string, Partial<PlanInput>, Partial<ScheduleInput> | null, string][] = [
    ['empty name', { name: '   ' }, {}, 'name'],
    ['name of 65 characters', { name: 'x'.repeat(65) }, {}, 'name'],
    ['no VMs', { vms: [] }, {}, 'vms'],
    ['a VM listed twice', { vms: ['vm-a', 'vm-a'] }, {}, 'vms'],
    ['unknown zone', { timeZone: 'Mars/Olympus' }, {}, 'timeZone'],
    ['retention 0', { retentionDays: 0 }, {}, 'retentionDays'],
    ['retention 3651', { retentionDays: 3651 }, {}, 'retentionDays'],
    ['retention 7.5', { retentionDays: 7.5 }, {}, 'retentionDays'],
    ['no schedule', {}, null, 'schedule'],
    ['unknown type', {}, { type: 'hourly' as never }, 'schedule.type'],
    ['start date 2026-02-30', {}, { startDate: '2026-02-30' }, 'schedule.startDate'],
    ['start date 1/2/2026', {}, { startDate: '1/2/2026' }, 'schedule.startDate'],
    ['slot hour 24', {}, { slotHour: 24 }, 'schedule.slotHour'],
    ['slot hour -1', {}, { slotHour: -1 }, 'schedule.slotHour'],
    ['start minute 60', {}, { startMinute: 60 }, 'schedule.startMinute'],
    ['daily with a weekday', {}, { weekday: 'mon' }, 'schedule.weekday'],
    ['once with a day of month', {}, { type: 'once', startDate: '2026-02-01', monthDay: 3 }, 'schedule.monthDay'],
    ['weekly without a weekday', {}, { type: 'weekly' }, 'schedule.weekday'],
    ['weekly with a bad weekday', {}, { type: 'weekly', weekday: 'monday' as never }, 'schedule.weekday'],
    ['weekly with an ordinal', {}, { type: 'weekly', weekday: 'mon', ordinal: 3 }, 'schedule.ordinal'],
    ['monthly with neither', {}, { type: 'monthly' }, 'schedule.ordinal'],
    ['monthly with both', {}, { type: 'monthly', monthDay: 3, ordinal: 3, weekday: 'mon' }, 'schedule.monthDay'],
    ['monthly day 32', {}, { type: 'monthly', monthDay: 32 }, 'schedule.monthDay'],
    ['monthly ordinal 6', {}, { type: 'monthly', ordinal: 6 as never, weekday: 'mon' }, 'schedule.ordinal'],
    ['monthly ordinal without weekday', {}, { type: 'monthly', ordinal: 2 }, 'schedule.weekday'],
    ['a misspelt schedule field', {}, { weekDay: 'mon' } as never, 'schedule.weekDay'],
  ];
  test.each(cases)('%s', (_what, over, schedule, field) => {
    const w = world();
    const p = input(over, schedule ?? {});
    if (schedule === null) delete (p as Partial<PlanInput>).schedule;
    const e = refused(() => w.plans.create(p), 'INVALID', field);
    expect(e.message).toContain(field);
    expect(w.plans.list()).toEqual([]);
  });

  test('an unknown VM is refused naming the VM', () => {
    const w = world();
    const e = refused(() => w.plans.create(input({ vms: ['vm-a', 'vm-zz'] })), 'INVALID', 'vms');
    expect(e.message).toBe('vms: the VM "vm-zz" is not known to the provider (no VM of that name on the managed arrays).');
    expect(e.details).toEqual({ vm: 'vm-zz' });
  });

  test('retention presets are 7, 30 and 365 days; any whole number from 1 to 3650 is taken', () => {
    expect(RETENTION_PRESETS).toEqual([7, 30, 365]);
    const w = world();
    expect(w.plans.create(input({ name: 'a', retentionDays: 1 })).retentionDays).toBe(1);
    expect(w.plans.create(input({ name: 'b', retentionDays: 3650 })).retentionDays).toBe(3650);
  });

  test('the 55-minute rule: a start in the last 5 minutes of a slot is refused with the alert', () => {
    const w = world();
    for (const m of [55, 57, 59]) {
      const e = refused(() => w.plans.create(input({}, { startMinute: m })), 'INVALID', 'schedule.startMinute');
      expect(e.message).toBe(
        `schedule.startMinute ${m} is in the last 5 minutes of the slot: a backup cannot be set to start from minute 55 to the end of its one-hour time slot. Choose a minute from 0 to 54, or the next slot.`,
      );
      expect(e.details).toEqual({ alert: true, lastAllowedMinute: 54 });
    }
    expect(w.plans.create(input({}, { startMinute: 54 })).schedule.startMinute).toBe(54);
    const p = w.plans.list()[0];
    refused(() => w.plans.update(p.id, { schedule: { ...p.schedule, startMinute: 55 } }), 'INVALID', 'schedule.startMinute');
  });

  test('names are unique (ignoring case) among plans not deleted', () => {
    const w = world();
    const a = w.plans.create(input({ name: 'Nightly' }));
    const e = refused(() => w.plans.create(input({ name: 'nightly', vms: ['vm-b'] })), 'CONFLICT', 'name');
    expect(e.message).toBe(`name: a plan named "nightly" already exists (plan ${a.id}); plan names are unique.`);
    const b = w.plans.create(input({ name: 'other' }));
    refused(() => w.plans.update(b.id, { name: 'NIGHTLY' }), 'CONFLICT', 'name');
    expect(w.plans.update(a.id, { name: 'nightly' }).name).toBe('nightly'); // its own name in other case
    w.plans.delete(a.id);
    expect(w.plans.create(input({ name: 'Nightly' })).name).toBe('Nightly');
  });

  test('a one-time plan whose start is past is refused; one still ahead is taken and has one run', () => {
    const w = world('2026-02-01T09:10:00Z'); // 10:10 in Berlin
    const e = refused(() => w.plans.create(input({}, { type: 'once', startDate: '2026-02-01', slotHour: 10, startMinute: 5 })), 'INVALID', 'schedule.startDate');
    expect(e.message).toBe('schedule.startDate: the one-time backup would start at 2026-02-01 10:05 (Europe/Berlin), which is already past. Choose a later date or slot.');
    refused(() => w.plans.create(input({}, { type: 'once', startDate: '2026-01-31', slotHour: 23 })), 'INVALID', 'schedule.startDate');
    const p = w.plans.create(input({}, { type: 'once', startDate: '2026-02-01', slotHour: 10, startMinute: 30 }));
    expect(iso(p.nextRunAt)).toBe('2026-02-01T09:30:00Z');
    expect(w.plans.occurrences(utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'))).toEqual([
      { planId: p.id, slotStart: utc('2026-02-01T09:00:00Z'), slotEnd: utc('2026-02-01T10:00:00Z'), startAt: utc('2026-02-01T09:30:00Z') },
    ]);
    w.clock.set(utc('2026-02-01T09:30:00Z'));
    expect(w.plans.get(p.id).nextRunAt).toBeNull();
    // A change that leaves the schedule alone is fine after it ran.
    expect(w.plans.update(p.id, { retentionDays: 30 }).retentionDays).toBe(30);
  });
});

describe('nextRunAt and when a schedule takes effect', () => {
  test('created during its own slot after the aimed minute: the first run is the next day, and occurrences agree', () => {
    const w = world('2026-02-02T09:30:00Z'); // 10:30 Berlin
    const p = w.plans.create(input({}, { slotHour: 10, startMinute: 0 }));
    expect(iso(p.nextRunAt)).toBe('2026-02-03T09:00:00Z');
    expect(w.plans.occurrences(utc('2026-02-02T00:00:00Z'), utc('2026-02-04T00:00:00Z')).map((o) => iso(o.startAt))).toEqual(['2026-02-03T09:00:00Z']);
    const q = w.plans.create(input({ name: 'later' }, { slotHour: 10, startMinute: 45 }));
    expect(iso(q.nextRunAt)).toBe('2026-02-02T09:45:00Z');
  });

  test('strictly after now: at the aimed start itself, nextRunAt is the following one', () => {
    const w = world('2026-02-02T00:00:00Z');
    const p = w.plans.create(input({ timeZone: 'UTC' }, { slotHour: 10, startMinute: 20 }));
    w.clock.set(utc('2026-02-02T10:20:00Z'));
    expect(iso(w.plans.get(p.id).nextRunAt)).toBe('2026-02-03T10:20:00Z');
    // The slot that is starting now is still in the runner's window.
    expect(w.plans.occurrences(utc('2026-02-02T10:00:00Z'), utc('2026-02-02T11:00:00Z')).map((o) => iso(o.startAt))).toEqual(['2026-02-02T10:20:00Z']);
  });

  test('a start date ahead: nextRunAt is on it', () => {
    const w = world('2026-02-02T00:00:00Z');
    expect(iso(w.plans.create(input({}, { startDate: '2026-06-10', slotHour: 23 })).nextRunAt)).toBe('2026-06-10T21:00:00Z');
  });
});

describe('enable, disable, update, delete', () => {
  test('a disabled plan has no runs and no nextRunAt; enabled again, its schedule takes effect from then', () => {
    const w = world('2026-02-02T00:00:00Z');
    const p = w.plans.create(input({ timeZone: 'UTC' }, { slotHour: 10 }));
    const writes = w.store.stats.writes;
    const off = w.plans.setEnabled(p.id, false);
    expect(w.store.stats.writes).toBe(writes + 1);
    expect([off.enabled, off.nextRunAt]).toEqual([false, null]);
    expect(w.plans.occurrences(utc('2026-02-02T00:00:00Z'), utc('2026-02-09T00:00:00Z'))).toEqual([]);
    expect(w.plans.setEnabled(p.id, false)).toEqual(off); // the same state again changes nothing
    w.clock.set(utc('2026-02-03T10:10:00Z'));
    const on = w.plans.setEnabled(p.id, true);
    expect([on.enabled, iso(on.nextRunAt)]).toEqual([true, '2026-02-04T10:00:00Z']);
    expect(on.updatedAt).toBe(utc('2026-02-03T10:10:00Z'));
    expect(w.plans.occurrences(utc('2026-02-03T00:00:00Z'), utc('2026-02-05T00:00:00Z')).map((o) => iso(o.startAt))).toEqual(['2026-02-04T10:00:00Z']);
  });

  test('update: fields left out keep their values; a given schedule replaces the whole schedule', () => {
    const w = world('2026-02-02T00:00:00Z');
    const p = w.plans.create(input({}, { type: 'weekly', weekday: 'mon' }));
    w.clock.advance(60_000);
    const q = w.plans.update(p.id, { vms: ['vm-b', 'vm-c'], schedule: { type: 'monthly', startDate: '2026-02-01', slotHour: 4, ordinal: 'last', weekday: 'sun' } });
    expect(q).toMatchObject({ name: 'nightly', vms: ['vm-b', 'vm-c'], retentionDays: 7, updatedAt: utc('2026-02-02T00:01:00Z'), createdAt: utc('2026-02-02T00:00:00Z') });
    expect(q.schedule).toEqual({ type: 'monthly', startDate: '2026-02-01', slotHour: 4, startMinute: 0, ordinal: 'last', weekday: 'sun' });
    expect(iso(q.nextRunAt)).toBe('2026-02-22T03:00:00Z');
    refused(() => w.plans.update(p.id, { vms: ['vm-x'] }), 'INVALID', 'vms');
    refused(() => w.plans.update(p.id, { colour: 'red' } as never), 'INVALID', 'colour');
    refused(() => w.plans.update(999, { name: 'x' }), 'NOT_FOUND');
    // A VM that went away does not block an unrelated change.
    w.vms.delete('vm-c');
    expect(w.plans.update(p.id, { retentionDays: 365 }).retentionDays).toBe(365);
  });

  test('delete: gone from list and get, kept for history, deleting again does nothing', () => {
    const w = world('2026-02-02T00:00:00Z');
    const a = w.plans.create(input({ name: 'a' }));
    const b = w.plans.create(input({ name: 'b' }));
    w.clock.advance(1000);
    w.plans.delete(a.id);
    expect(w.plans.list().map((p) => p.id)).toEqual([b.id]);
    refused(() => w.plans.get(a.id), 'NOT_FOUND');
    refused(() => w.plans.update(a.id, { retentionDays: 30 }), 'NOT_FOUND');
    refused(() => w.plans.setEnabled(a.id, false), 'NOT_FOUND');
    const rec = w.plans.getIncludingDeleted(a.id);
    expect(rec).toMatchObject({ id: a.id, name: 'a', deletedAt: utc('2026-02-02T00:00:01Z'), nextRunAt: null });
    expect(w.plans.occurrences(utc('2026-02-02T00:00:00Z'), utc('2026-02-04T00:00:00Z')).every((o) => o.planId === b.id)).toBe(true);
    const writes = w.store.stats.writes;
    w.plans.delete(a.id);
    expect(w.store.stats.writes).toBe(writes + 1); // one (empty) transaction, no change
    expect(w.plans.getIncludingDeleted(a.id).deletedAt).toBe(utc('2026-02-02T00:00:01Z'));
    refused(() => w.plans.delete(77), 'NOT_FOUND');
  });
});

describe('createFrom: a new plan from one used before', () => {
  test('takes the source\'s fields, the changes over them, and records where it came from', () => {
    const w = world('2026-02-02T00:00:00Z');
    const src = w.plans.create(input({ name: 'old', vms: ['vm-a', 'vm-b'], retentionDays: 30, enabled: false }, { type: 'weekly', weekday: 'fri', startMinute: 15 }));
    const p = w.plans.createFrom(src.id, { name: 'new', retentionDays: 365 });
    expect(p).toMatchObject({
      name: 'new', vms: ['vm-a', 'vm-b'], retentionDays: 365, enabled: true, derivedFrom: src.id, timeZone: 'Europe/Berlin',
      schedule: { type: 'weekly', startDate: '2026-01-01', slotHour: 10, startMinute: 15, weekday: 'fri' },
    });
    expect(p.id).not.toBe(src.id);
    refused(() => w.plans.createFrom(src.id, { name: 'OLD' }), 'CONFLICT', 'name');
    refused(() => w.plans.createFrom(src.id, {} as never), 'INVALID', 'name');
    refused(() => w.plans.createFrom(404, { name: 'x' }), 'NOT_FOUND');
  });

  test('a deleted plan can be the source; a VM of it that is gone is named', () => {
    const w = world('2026-02-02T00:00:00Z');
    const src = w.plans.create(input({ name: 'gone', vms: ['vm-a', 'vm-c'] }));
    w.plans.delete(src.id);
    const p = w.plans.createFrom(src.id, { name: 'gone' });
    expect([p.derivedFrom, p.vms]).toEqual([src.id, ['vm-a', 'vm-c']]);
    w.vms.delete('vm-c');
    const e = refused(() => w.plans.createFrom(src.id, { name: 'again' }), 'INVALID', 'vms');
    expect(e.message).toContain('"vm-c"');
    expect(w.plans.createFrom(src.id, { name: 'again', vms: ['vm-a'] }).vms).toEqual(['vm-a']);
  });
});

describe('slot capacity', () => {
  test('a full slot refuses a recurring plan with the nearest free hour that day and the nearest date after the full slots', () => {
    const w = world('2026-01-05T00:00:00Z', undefined, undefined, { value: 2 });
    w.plans.create(input({ name: 'o1', timeZone: 'UTC' }, { type: 'once', startDate: '2026-01-20', slotHour: 10 }));
    w.plans.create(input({ name: 'o2', timeZone: 'UTC' }, { type: 'once', startDate: '2026-01-20', slotHour: 10, startMinute: 30 }));
    const e = refused(() => w.plans.create(input({ name: 'daily', timeZone: 'UTC' }, { startDate: '2026-01-05', slotHour: 10 })), 'LIMIT', 'schedule.slotHour');
    expect(e.details).toMatchObject({
      nearestFreeSlotSameDay: { date: '2026-01-20', slotHour: 11 },
      nearestDateSameSlot: { date: '2026-01-21' },
      slot: { date: '2026-01-20', slotHour: 10, timeZone: 'UTC' },
      plansInSlot: 2,
      slotCapacity: 2,
    });
    expect(e.message).toBe(
      'The time slot 2026-01-20 10:00-11:00 (UTC) already has 2 plans starting in it, the most one slot may have (slot capacity 2). ' +
        'Instead, the nearest available time on the same day is the slot 2026-01-20 11:00-12:00 (UTC); ' +
        'the nearest date with the same time slot free is 2026-01-21 (as the start date, so no run meets a full slot).',
    );
    // Each suggestion is accepted as it is.
    expect(w.plans.create(input({ name: 'daily', timeZone: 'UTC' }, { startDate: '2026-01-05', slotHour: 11 })).schedule.slotHour).toBe(11);
    expect(w.plans.create(input({ name: 'daily 2', timeZone: 'UTC' }, { startDate: '2026-01-21', slotHour: 10 })).schedule.startDate).toBe('2026-01-21');
  });

  test('a weekly plan is told the next week; a daily plan against daily plans has no date in the coming year', () => {
    const w = world('2026-01-05T00:00:00Z', undefined, undefined, { value: 1 });
    w.plans.create(input({ name: 'o1', timeZone: 'UTC' }, { type: 'once', startDate: '2026-01-20', slotHour: 10 }));
    const e = refused(() => w.plans.create(input({ name: 'tue', timeZone: 'UTC' }, { type: 'weekly', weekday: 'tue' })), 'LIMIT');
    expect(e.details).toMatchObject({ nearestFreeSlotSameDay: { date: '2026-01-20', slotHour: 11 }, nearestDateSameSlot: { date: '2026-01-27' } });
    w.plans.create(input({ name: 'd', timeZone: 'UTC' }, { slotHour: 12 }));
    const f = refused(() => w.plans.create(input({ name: 'd2', timeZone: 'UTC' }, { slotHour: 12 })), 'LIMIT');
    expect(f.details).toMatchObject({ nearestFreeSlotSameDay: { date: '2026-01-05', slotHour: 13 }, nearestDateSameSlot: null });
    expect(f.message).toContain('no date in the coming year has the same time slot free');
  });

  test('a one-time plan: the later hour first at equal distance, then the earlier; the next date, else the day before', () => {
    const w = world('2026-01-05T00:00:00Z', undefined, undefined, { value: 1 });
    const once = (name: string, startDate: string, slotHour: number) => input({ name, timeZone: 'UTC' }, { type: 'once', startDate, slotHour });
    w.plans.create(once('a', '2026-01-10', 10));
    let e = refused(() => w.plans.create(once('x', '2026-01-10', 10)), 'LIMIT');
    expect(e.details).toMatchObject({ nearestFreeSlotSameDay: { date: '2026-01-10', slotHour: 11 }, nearestDateSameSlot: { date: '2026-01-11' } });
    expect(e.message).toContain('the nearest date with the same time slot free is 2026-01-11.');
    w.plans.create(once('b', '2026-01-10', 11));
    w.plans.create(once('c', '2026-01-11', 10));
    e = refused(() => w.plans.create(once('x', '2026-01-10', 10)), 'LIMIT');
    expect(e.details).toMatchObject({ nearestFreeSlotSameDay: { date: '2026-01-10', slotHour: 9 }, nearestDateSameSlot: { date: '2026-01-09' } });
  });

  test('no hour free that day, no date in the year: both suggestions null, and the message says so', () => {
    const w = world('2026-01-05T00:00:00Z', undefined, undefined, { value: 1 });
    for (let h = 0; h < 24; h++) w.plans.create(input({ name: `h${h}`, timeZone: 'UTC' }, { slotHour: h }));
    const e = refused(() => w.plans.create(input({ name: 'x', timeZone: 'UTC' }, { slotHour: 5 })), 'LIMIT');
    expect(e.details).toMatchObject({ nearestFreeSlotSameDay: null, nearestDateSameSlot: null });
    expect(e.message).toContain('no other time slot on the same day is available; no date in the coming year has the same time slot free.');
  });

  test('slots are compared in real time: on the Berlin spring-forward day the 02:00 slot is the 03:00 slot', () => {
    const w = world('2026-03-01T00:00:00Z', undefined, undefined, { value: 1 });
    w.plans.create(input({ name: 'three' }, { slotHour: 3 }));
    const e = refused(() => w.plans.create(input({ name: 'two' }, { type: 'once', startDate: '2026-03-29', slotHour: 2 })), 'LIMIT');
    expect(e.details).toMatchObject({ slot: { date: '2026-03-29', slotHour: 2 }, nearestFreeSlotSameDay: { date: '2026-03-29', slotHour: 1 } });
    // Any other day the two hours are apart.
    expect(w.plans.create(input({ name: 'two' }, { type: 'once', startDate: '2026-03-28', slotHour: 2 })).schedule.slotHour).toBe(2);
    // A daily 02:00 plan meets the 03:00 plan only on that day: the date after it is suggested.
    const f = refused(() => w.plans.create(input({ name: 'daily two' }, { slotHour: 2, startDate: '2026-03-01' })), 'LIMIT');
    expect(f.details).toMatchObject({ nearestDateSameSlot: { date: '2026-03-30' } });
  });

  test('a plan does not compete with itself; disabled plans take no room; enabling is checked; the capacity is read at each check', () => {
    const w = world('2026-01-05T00:00:00Z', undefined, undefined, { value: 1 });
    const a = w.plans.create(input({ name: 'a', timeZone: 'UTC' }));
    expect(w.plans.update(a.id, { schedule: { type: 'daily', startDate: '2026-01-05', slotHour: 10, startMinute: 20 } }).schedule.startMinute).toBe(20);
    const b = w.plans.create(input({ name: 'b', timeZone: 'UTC', enabled: false }));
    refused(() => w.plans.setEnabled(b.id, true), 'LIMIT');
    refused(() => w.plans.update(b.id, { enabled: true }), 'LIMIT');
    w.plans.setEnabled(a.id, false);
    expect(w.plans.setEnabled(b.id, true).enabled).toBe(true);
    refused(() => w.plans.setEnabled(a.id, true), 'LIMIT');
    w.capacity.value = 2;
    expect(w.plans.setEnabled(a.id, true).enabled).toBe(true);
    w.plans.delete(b.id);
    w.capacity.value = 1;
    expect(w.plans.create(input({ name: 'c', timeZone: 'UTC' }, { slotHour: 11 })).enabled).toBe(true);
    // A rename of a plan in a slot now over capacity is not a reschedule: it is not judged again.
    expect(w.plans.update(a.id, { name: 'a2' }).name).toBe('a2');
  });
});

describe('a simulated week across DST, as the runner sees it (hourly ticks)', () => {
  /** occurrences(previous tick, this tick) every hour for a week: what a runner would start. */
  function week(w: World, startIso: string): Map<number, string[]> {
    const seen = new Map<number, string[]>();
    let prev = utc(startIso);
    for (let h = 1; h <= 7 * 24; h++) {
      const now = utc(startIso) + h * 3_600_000;
      w.clock.set(now);
      for (const o of w.plans.occurrences(prev, now)) {
        expect(o.slotEnd - o.slotStart).toBe(3_600_000);
        expect(o.startAt).toBeGreaterThanOrEqual(o.slotStart);
        seen.set(o.planId, [...(seen.get(o.planId) ?? []), iso(o.startAt) as string]);
      }
      prev = now;
    }
    return seen;
  }

  test('spring forward: Berlin 29 March, New York 8 March', () => {
    const w = world('2026-03-05T00:00:00Z');
    const berlin = w.plans.create(input({ name: 'berlin daily 02:30' }, { slotHour: 2, startMinute: 30 }));
    const berlinWeekly = w.plans.create(input({ name: 'berlin sunday 03:00' }, { type: 'weekly', weekday: 'sun', slotHour: 3 }));
    const ny = w.plans.create(input({ name: 'ny daily 02:10', timeZone: 'America/New_York' }, { slotHour: 2, startMinute: 10 }));
    const nyWeek = week(w, '2026-03-05T00:00:00Z');
    expect(nyWeek.get(ny.id)).toEqual([
      '2026-03-05T07:10:00Z', '2026-03-06T07:10:00Z', '2026-03-07T07:10:00Z',
      '2026-03-08T07:10:00Z', // 02:10 does not exist: 03:10 EDT
      '2026-03-09T06:10:00Z', '2026-03-10T06:10:00Z', '2026-03-11T06:10:00Z',
    ]);
    const berlinWeek = week(w, '2026-03-26T00:00:00Z');
    expect(berlinWeek.get(berlin.id)).toEqual([
      '2026-03-26T01:30:00Z', '2026-03-27T01:30:00Z', '2026-03-28T01:30:00Z',
      '2026-03-29T01:30:00Z', // 03:30 CEST
      '2026-03-30T00:30:00Z', '2026-03-31T00:30:00Z', '2026-04-01T00:30:00Z',
    ]);
    expect(berlinWeek.get(berlinWeekly.id)).toEqual(['2026-03-29T01:00:00Z']);
  });

  test('fall back: Berlin 25 October, New York 1 November (the hour that occurs twice runs once, in its first occurrence)', () => {
    const w = world('2026-10-20T00:00:00Z');
    const berlin = w.plans.create(input({ name: 'berlin daily 02:00' }, { slotHour: 2 }));
    const ny = w.plans.create(input({ name: 'ny sunday 01:45', timeZone: 'America/New_York' }, { type: 'weekly', weekday: 'sun', slotHour: 1, startMinute: 45 }));
    const nyMonthly = w.plans.create(input({ name: 'ny first sunday', timeZone: 'America/New_York' }, { type: 'monthly', ordinal: 1, weekday: 'sun', slotHour: 1 }));
    const berlinWeek = week(w, '2026-10-22T00:00:00Z');
    expect(berlinWeek.get(berlin.id)).toEqual([
      '2026-10-22T00:00:00Z', '2026-10-23T00:00:00Z', '2026-10-24T00:00:00Z',
      '2026-10-25T00:00:00Z', // 02:00 CEST, the first 02:00
      '2026-10-26T01:00:00Z', '2026-10-27T01:00:00Z', '2026-10-28T01:00:00Z',
    ]);
    const nyWeek = week(w, '2026-10-29T00:00:00Z');
    expect(nyWeek.get(ny.id)).toEqual(['2026-11-01T05:45:00Z']); // 01:45 EDT, the first 01:45
    expect(nyWeek.get(nyMonthly.id)).toEqual(['2026-11-01T05:00:00Z']);
    expect(iso(w.plans.get(ny.id).nextRunAt)).toBe('2026-11-08T06:45:00Z'); // 01:45 EST
  });

  test('occurrences are ordered by aimed start, then plan id', () => {
    const w = world('2026-02-02T00:00:00Z');
    const a = w.plans.create(input({ name: 'a', timeZone: 'UTC' }, { slotHour: 10, startMinute: 30 }));
    const b = w.plans.create(input({ name: 'b', timeZone: 'UTC' }, { slotHour: 10, startMinute: 0 }));
    const c = w.plans.create(input({ name: 'c', timeZone: 'UTC' }, { slotHour: 10, startMinute: 0 }));
    expect(w.plans.occurrences(utc('2026-02-02T00:00:00Z'), utc('2026-02-03T00:00:00Z')).map((o) => o.planId)).toEqual([b.id, c.id, a.id]);
    expect(w.plans.occurrences(utc('2026-02-03T00:00:00Z'), utc('2026-02-02T00:00:00Z'))).toEqual([]);
  });
});

describe('the in-memory copy stays true to the store', () => {
  test('a change made through another PlanStore (another process) is seen', () => {
    const w = world('2026-02-02T00:00:00Z');
    const other = new PlanStore(w.store, w.clock, { slotCapacity: () => 10, knownVm: () => true });
    const p = w.plans.create(input());
    expect(other.get(p.id).name).toBe('nightly');
    other.update(p.id, { name: 'renamed' });
    expect(w.plans.get(p.id).name).toBe('renamed');
    other.delete(p.id);
    expect(w.plans.list()).toEqual([]);
  });

  test('a plan created inside an outer transaction that rolls back leaves no trace', () => {
    const w = world('2026-02-02T00:00:00Z');
    w.plans.list();
    expect(() => w.store.tx(() => {
      w.plans.create(input());
      throw new Error('the caller changed its mind');
    })).toThrow('changed its mind');
    expect(w.plans.list()).toEqual([]);
    expect(w.plans.occurrences(utc('2026-02-02T00:00:00Z'), utc('2026-02-03T00:00:00Z'))).toEqual([]);
    expect(w.plans.create(input()).name).toBe('nightly');
  });

  test('the migration can run again on a store set back to version 8', () => {
    const w = world();
    const p = w.plans.create(input());
    w.store.db.pragma('user_version = 8');
    w.store.migrate(MIGRATIONS.filter((m) => m.version === 9));
    expect(w.store.version()).toBe(9);
    expect(w.plans.get(p.id).name).toBe('nightly');
  });
});
