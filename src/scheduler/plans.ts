/**
 * The plans of the image-backup scheduler (issue 11 section 1: schedule management), kept
 * in the store table image_backup_plans (migration 9): create, change, delete, enable or
 * disable, make a new plan from one used before, and the calendar of every plan's slots
 * that the runner asks for (`occurrences`). Every change is one store transaction.
 *
 * What a plan's slots are (local dates and hours of its IANA zone, DST rules) is decided in
 * calendar.ts; what its fields may be, and every message, in plan-rules.ts. This file adds
 * the rules that need the other plans: a unique name, and the slot capacity (seed 4.1.4: at
 * most `slotCapacity()` enabled plans start in one slot, judged over the coming 366 days;
 * a refused plan is told the nearest free hour that day and the nearest date with the same
 * hour free).
 *
 * Decisions an operator can see:
 * - A plan's schedule takes effect when it is created, enabled or rescheduled
 *   (active_since): a slot whose aimed start is before that moment does not run (create a
 *   daily 10:00 plan at 10:30 and its first run is tomorrow's), so `nextRunAt` and
 *   `occurrences` agree. A one-time plan whose start is already past is refused.
 * - A deleted plan stays as a row (deleted_at): history still names it and `createFrom`
 *   may use it; `list` and `get` do not show it. Deleting it again does nothing.
 * - `update` replaces the schedule whole when `schedule` is given (no merge: a weekly
 *   plan made monthly must not keep its weekday); fields left out keep their values.
 *
 * The SQL is in src/store/image-backup/plans.ts (PlanTable); this file calls it inside its
 * own store.tx / store.read.
 *
 * Speed: the parsed plans are kept in memory and re-read only when the table changed (a
 * random revision per row; the sum over the table is the cheap test, so a CLI process's
 * change is seen by the daemon). The slot capacity keeps a count of plans per UTC slot
 * start over a year ahead, updated plan by plan; computing one day's slots of 2,000 plans
 * takes a few milliseconds (bench/scenarios/scheduler-planning.js).
 */
import { randomInt } from 'node:crypto';
import type { Clock } from '../array/clock';
import type { Store } from '../store/db';
import { PlanTable, type PlanFields, type PlanRow } from '../store/image-backup/plans';
import type { Plan, PlanBook, PlanInput, ScheduleInput, SlotOccurrence } from './contract';
import {
  CalendarRule, CalendarSlot, DAY_MS, SLOT_MS, dateSpan, dayRuleNames, describeInstant, localDate, addDays,
  monthsWithoutRun, nextSlot, slotOn, slotsBetween,
} from './calendar';
import {
  CheckedPlan, SlotSuggestions, checkName, checkPlanChanges, checkPlanInput, checkVms, invalid, nameTaken, oncePast,
  planNotFound, slotFull,
} from './plan-rules';

export interface PlanStoreOptions {
  /** Plans that may start in one one-hour slot (settings imageBackup.slotCapacity), read at each check. */
  slotCapacity: () => number;
  /** Whether the provider knows a VM of this name (src/backup/vm-resolver.ts). */
  knownVm: (name: string) => boolean;
}

/** How far ahead the slot capacity is judged. */
export const CAPACITY_HORIZON_MS = 366 * DAY_MS;

/** A plan, deleted ones included, as `getIncludingDeleted` shows it. */
export type PlanRecord = Plan & { deletedAt: number | null };

/** One plan as kept in memory: its checked fields, its calendar rule and its bookkeeping. */
interface Entry {
  id: number;
  revision: number;
  fields: CheckedPlan;
  rule: CalendarRule;
  derivedFrom: number | null;
  createdAt: number;
  updatedAt: number;
  activeSince: number;
  deletedAt: number | null;
}

const isActive = (e: Entry): boolean => e.fields.enabled && e.deletedAt === null;

function ruleOf(f: CheckedPlan): CalendarRule {
  return { ...f.schedule, timeZone: f.timeZone };
}

function fromRow(r: PlanRow): Entry {
  const schedule: CheckedPlan['schedule'] = { type: r.scheduleType, startDate: r.startDate, slotHour: r.slotHour, startMinute: r.startMinute };
  if (r.weekday !== null) schedule.weekday = r.weekday as ScheduleInput['weekday'];
  if (r.monthDay !== null) schedule.monthDay = r.monthDay;
  if (r.ordinal !== null) schedule.ordinal = r.ordinal as ScheduleInput['ordinal'];
  const fields: CheckedPlan = {
    name: r.name,
    vms: r.vms,
    enabled: r.enabled,
    schedule,
    timeZone: r.timeZone,
    retentionDays: r.retentionDays,
  };
  return {
    id: r.id, revision: r.revision, fields, rule: ruleOf(fields), derivedFrom: r.derivedFrom,
    createdAt: r.createdAt, updatedAt: r.updatedAt, activeSince: r.activeSince, deletedAt: r.deletedAt,
  };
}

/** The stored columns name .. retention_days of a plan's checked fields. */
function columnsOf(f: CheckedPlan): PlanFields {
  const s = f.schedule;
  return {
    name: f.name, vms: f.vms, enabled: f.enabled, scheduleType: s.type, startDate: s.startDate, slotHour: s.slotHour, startMinute: s.startMinute,
    weekday: s.weekday ?? null, monthDay: s.monthDay ?? null, ordinal: s.ordinal ?? null, timeZone: f.timeZone, retentionDays: f.retentionDays,
  };
}

/** The slots of a plan (its rule from the moment it took effect) whose start lies in [fromMs, toMs). */
function slotsOf(rule: CalendarRule, activeSince: number, fromMs: number, toMs: number, span?: [string, string]): CalendarSlot[] {
  const all = slotsBetween(rule, fromMs, toMs, span);
  return all.length && all[0].startAt < activeSince ? all.filter((s) => s.startAt >= activeSince) : all;
}

function sameSchedule(a: CheckedPlan, b: CheckedPlan): boolean {
  if (a.timeZone !== b.timeZone) return false;
  const x = a.schedule;
  const y = b.schedule;
  return x.type === y.type && x.startDate === y.startDate && x.slotHour === y.slotHour && x.startMinute === y.startMinute &&
    x.weekday === y.weekday && x.monthDay === y.monthDay && x.ordinal === y.ordinal;
}

/** A new revision tag, different from the old one. */
function newRevision(old = 0): number {
  let r = old;
  while (r === old) r = randomInt(1, 2 ** 31 - 1);
  return r;
}

/**
 * Per UTC slot start, how many enabled plans start in it, over a window of a year and a
 * few days from the time it was built; kept plan by plan (by revision) so that a check
 * costs the slots of the one plan being checked.
 */
class SlotIndex {
  from = 0;
  to = 0;
  readonly counted = new Map<number, { revision: number; slots: number[] }>();
  readonly counts = new Map<number, number>();

  covers(now: number): boolean {
    return this.from <= now - SLOT_MS && now + CAPACITY_HORIZON_MS <= this.to;
  }

  reset(now: number): void {
    this.from = now - DAY_MS;
    this.to = now + CAPACITY_HORIZON_MS + 2 * DAY_MS;
    this.counted.clear();
    this.counts.clear();
  }

  add(id: number, revision: number, slots: number[]): void {
    this.counted.set(id, { revision, slots });
    for (const t of slots) this.counts.set(t, (this.counts.get(t) ?? 0) + 1);
  }

  remove(id: number): void {
    const c = this.counted.get(id);
    if (!c) return;
    for (const t of c.slots) {
      const n = (this.counts.get(t) ?? 1) - 1;
      if (n > 0) this.counts.set(t, n);
      else this.counts.delete(t);
    }
    this.counted.delete(id);
  }
}

interface Conflict {
  slot: CalendarSlot;
  /** Plans other than the one checked already starting in the slot. */
  plans: number;
}

export class PlanStore implements PlanBook {
  /** The table's SUM(revision) when `entries` was last brought up to date (NaN: look again). */
  private fingerprint = NaN;
  private readonly entries = new Map<number, Entry>();
  private readonly index = new SlotIndex();
  private readonly table: PlanTable;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly o: PlanStoreOptions,
  ) {
    this.table = new PlanTable(store);
  }

  list(): Plan[] {
    return this.store.read(() => {
      this.sync();
      const now = this.clock.now();
      return [...this.entries.values()].filter((e) => e.deletedAt === null).sort((a, b) => a.id - b.id).map((e) => this.toPlan(e, now));
    });
  }

  /** A plan not deleted; NOT_FOUND otherwise. */
  get(id: number): Plan {
    return this.store.read(() => this.toPlan(this.live(id), this.clock.now()));
  }

  /** A plan, deleted or not (history names deleted plans), with when it was deleted; NOT_FOUND when there never was one. */
  getIncludingDeleted(id: number): PlanRecord {
    return this.store.read(() => {
      const e = this.any(id);
      return { ...this.toPlan(e, this.clock.now()), deletedAt: e.deletedAt };
    });
  }

  create(p: PlanInput): Plan {
    const fields = checkPlanInput(p, this.o.knownVm);
    return this.store.tx(() => this.insert(fields, null));
  }

  /**
   * A new plan from one used before ("job history"), deleted or not: its fields, those in
   * `changes` replacing them, under the new name `changes.name`; enabled unless `changes`
   * says otherwise. The source's VMs are checked again (one may be gone).
   */
  createFrom(sourcePlanId: number, changes: Partial<PlanInput> & { name: string }): Plan {
    return this.store.tx(() => {
      const source = this.any(sourcePlanId);
      if (typeof changes !== 'object' || changes === null || changes.name === undefined || changes.name === null) {
        throw invalid('name', 'name is required: the new plan needs a name of its own (1 to 64 characters).');
      }
      checkName(changes.name);
      const fields = checkPlanChanges({ ...source.fields, enabled: true }, changes, this.o.knownVm);
      if (changes.vms === undefined || changes.vms === null) checkVms(fields.vms, this.o.knownVm);
      return this.insert(fields, source.id);
    });
  }

  update(id: number, changes: Partial<PlanInput>): Plan {
    return this.store.tx(() => {
      const cur = this.live(id);
      const next = checkPlanChanges(cur.fields, changes, this.o.knownVm);
      const now = this.clock.now();
      const rescheduled = !sameSchedule(cur.fields, next);
      const enabling = next.enabled && !cur.fields.enabled;
      const same = !rescheduled && next.enabled === cur.fields.enabled && next.name === cur.fields.name &&
        next.retentionDays === cur.fields.retentionDays && next.vms.join('\u0000') === cur.fields.vms.join('\u0000');
      if (same) return this.toPlan(cur, now);
      if (next.name.toLowerCase() !== cur.fields.name.toLowerCase()) this.checkNameFree(next.name, id);
      const activeSince = rescheduled || enabling ? now : cur.activeSince;
      if (rescheduled) this.checkNotPast(next, now);
      if (next.enabled && (rescheduled || enabling)) this.checkCapacity(ruleOf(next), id, now);
      this.table.update(id, columnsOf(next), { updatedAt: now, activeSince, revision: newRevision(cur.revision) });
      return this.reloaded(id, now);
    });
  }

  /** Deletes a plan (its row stays for history); deleting a deleted plan again does nothing. NOT_FOUND when there never was one. */
  delete(id: number): void {
    this.store.tx(() => {
      const e = this.any(id);
      if (e.deletedAt !== null) return;
      const now = this.clock.now();
      this.table.markDeleted(id, now, newRevision(e.revision));
      this.fingerprint = NaN;
    });
  }

  /** Enables (slot capacity checked; the schedule takes effect now) or disables a plan; the same state again changes nothing. */
  setEnabled(id: number, enabled: boolean): Plan {
    if (typeof enabled !== 'boolean') throw invalid('enabled', `enabled must be true or false; it is ${JSON.stringify(enabled)}.`);
    return this.store.tx(() => {
      const e = this.live(id);
      const now = this.clock.now();
      if (e.fields.enabled === enabled) return this.toPlan(e, now);
      if (enabled) this.checkCapacity(e.rule, id, now);
      this.table.setEnabled(id, enabled, { updatedAt: now, activeSince: enabled ? now : e.activeSince, revision: newRevision(e.revision) });
      return this.reloaded(id, now);
    });
  }

  /**
   * Every slot of every enabled plan whose start lies in [fromMs, toMs), ordered by the
   * aimed start, then plan id. A slot aimed before its plan took effect is left out.
   */
  occurrences(fromMs: number, toMs: number): SlotOccurrence[] {
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw invalid('window', 'occurrences: the window must be two instants (epoch ms).');
    return this.store.read(() => {
      this.sync();
      const out: SlotOccurrence[] = [];
      if (toMs <= fromMs) return out;
      const spans = new Map<string, [string, string]>();
      for (const e of this.entries.values()) {
        if (!isActive(e)) continue;
        let span = spans.get(e.rule.timeZone);
        if (!span) spans.set(e.rule.timeZone, (span = dateSpan(fromMs, toMs, e.rule.timeZone)));
        for (const s of slotsOf(e.rule, e.activeSince, fromMs, toMs, span)) {
          out.push({ planId: e.id, slotStart: s.slotStart, slotEnd: s.slotEnd, startAt: s.startAt });
        }
      }
      return out.sort((a, b) => a.startAt - b.startAt || a.planId - b.planId);
    });
  }

  // ---- the store ---------------------------------------------------------------------

  private insert(fields: CheckedPlan, derivedFrom: number | null): Plan {
    this.sync();
    const now = this.clock.now();
    this.checkNameFree(fields.name, null);
    this.checkNotPast(fields, now);
    if (fields.enabled) this.checkCapacity(ruleOf(fields), null, now);
    const id = this.table.insert({ ...columnsOf(fields), derivedFrom, createdAt: now, revision: newRevision() });
    return this.reloaded(id, now);
  }

  /**
   * The plan as just written. The in-memory copy is marked for a fresh look (fingerprint
   * NaN): if a caller's outer transaction rolls back, the next sync finds the row as it was.
   */
  private reloaded(id: number, now: number): Plan {
    this.fingerprint = NaN;
    const e = fromRow(this.table.get(id) as PlanRow);
    this.entries.set(id, e);
    return this.toPlan(e, now);
  }

  /** Brings the in-memory plans up to the table: only rows whose revision changed are read again. */
  private sync(): void {
    const f = this.table.revisionSum();
    if (f === this.fingerprint) return;
    const revs = this.table.revisions();
    const present = new Set<number>();
    const changed: number[] = [];
    for (const r of revs) {
      present.add(r.id);
      if (this.entries.get(r.id)?.revision !== r.revision) changed.push(r.id);
    }
    for (const id of this.entries.keys()) if (!present.has(id)) this.entries.delete(id);
    if (changed.length > 32) {
      const want = new Set(changed);
      for (const r of this.table.all()) if (want.has(r.id)) this.entries.set(r.id, fromRow(r));
    } else {
      for (const id of changed) this.entries.set(id, fromRow(this.table.get(id) as PlanRow));
    }
    this.fingerprint = f;
  }

  private any(id: number): Entry {
    if (!Number.isInteger(id)) throw planNotFound(id);
    this.sync();
    const e = this.entries.get(id);
    if (!e) throw planNotFound(id);
    return e;
  }

  private live(id: number): Entry {
    const e = this.any(id);
    if (e.deletedAt !== null) throw planNotFound(id);
    return e;
  }

  private toPlan(e: Entry, now: number): Plan {
    const f = e.fields;
    const next = isActive(e) ? nextSlot(e.rule, now, e.activeSince) : null;
    return {
      id: e.id,
      name: f.name,
      vms: [...f.vms],
      enabled: f.enabled,
      schedule: { ...f.schedule },
      timeZone: f.timeZone,
      retentionDays: f.retentionDays,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      derivedFrom: e.derivedFrom,
      nextRunAt: next ? next.startAt : null,
      monthsWithoutRun: monthsWithoutRun(e.rule, now),
    };
  }

  // ---- rules that need the other plans --------------------------------------------------

  private checkNameFree(name: string, self: number | null): void {
    const other = this.table.liveIdByName(name, self);
    if (other !== undefined) throw nameTaken(name, other);
  }

  /** A one-time plan must still have its start ahead (or now). */
  private checkNotPast(f: CheckedPlan, now: number): void {
    if (f.schedule.type !== 'once') return;
    const s = slotOn(f.schedule.startDate, f.schedule.slotHour, f.schedule.startMinute, f.timeZone);
    if (s.startAt < now) throw oncePast(describeInstant(s.startAt, f.timeZone));
  }

  /** The slots of a rule the capacity judges: from now (the rule takes effect now) to the horizon. */
  private candidateSlots(rule: CalendarRule, now: number): CalendarSlot[] {
    return slotsOf(rule, now, now - SLOT_MS, now + CAPACITY_HORIZON_MS);
  }

  /** The index brought up to the plans in memory (call after sync). */
  private refreshIndex(now: number): SlotIndex {
    const ix = this.index;
    if (!ix.covers(now)) ix.reset(now);
    for (const [id, c] of ix.counted) {
      const e = this.entries.get(id);
      if (!e || e.revision !== c.revision || !isActive(e)) ix.remove(id);
    }
    for (const e of this.entries.values()) {
      if (isActive(e) && !ix.counted.has(e.id)) ix.add(e.id, e.revision, slotsOf(e.rule, e.activeSince, ix.from, ix.to).map((s) => s.slotStart));
    }
    return ix;
  }

  private conflicts(rule: CalendarRule, self: number | null, now: number, capacity: number, ix: SlotIndex): Conflict[] {
    const mine = self === null ? undefined : ix.counted.get(self);
    const own = mine ? new Set(mine.slots) : undefined;
    const out: Conflict[] = [];
    for (const slot of this.candidateSlots(rule, now)) {
      const plans = (ix.counts.get(slot.slotStart) ?? 0) - (own?.has(slot.slotStart) ? 1 : 0);
      if (plans + 1 > capacity) out.push({ slot, plans });
    }
    return out;
  }

  /** Refuses (LIMIT) a rule that would put more plans in one of its slots than the capacity allows, with the seed's two suggestions. */
  private checkCapacity(rule: CalendarRule, self: number | null, now: number): void {
    const capacity = this.o.slotCapacity();
    const ix = this.refreshIndex(now);
    const found = this.conflicts(rule, self, now, capacity, ix);
    if (!found.length) return;
    const first = found[0];
    const fits = (alt: CalendarRule, mustHaveDate?: string): boolean => {
      const slots = this.candidateSlots(alt, now);
      if (!slots.length || (mustHaveDate && !slots.some((s) => s.date === mustHaveDate))) return false;
      return this.conflicts(alt, self, now, capacity, ix).length === 0;
    };
    const suggestions: SlotSuggestions = {
      nearestFreeSlotSameDay: this.nearestHour(rule, first.slot.date, fits),
      nearestDateSameSlot: rule.type === 'once'
        ? this.nearestOnceDate(rule, first.slot.date, now, fits)
        : this.nearestStartDate(rule, found[found.length - 1].slot.date, now, fits),
    };
    throw slotFull(
      { date: first.slot.date, slotHour: rule.slotHour, timeZone: rule.timeZone, plans: first.plans },
      capacity, suggestions, rule.type !== 'once',
    );
  }

  /** The other hour of `date` nearest to the rule's, with which the whole plan fits; the later one first at equal distance. */
  private nearestHour(rule: CalendarRule, date: string, fits: (r: CalendarRule, d?: string) => boolean): SlotSuggestions['nearestFreeSlotSameDay'] {
    for (let k = 1; k < 24; k++) {
      for (const h of [rule.slotHour + k, rule.slotHour - k]) {
        if (h < 0 || h > 23) continue;
        if (fits({ ...rule, slotHour: h }, date)) return { date, slotHour: h };
      }
    }
    return null;
  }

  /** A one-time plan: the date nearest to `date` with the same slot free (not past, within the year ahead); the later one first at equal distance. */
  private nearestOnceDate(rule: CalendarRule, date: string, now: number, fits: (r: CalendarRule) => boolean): SlotSuggestions['nearestDateSameSlot'] {
    const first = addDays(localDate(now, rule.timeZone), -1);
    const last = localDate(now + CAPACITY_HORIZON_MS, rule.timeZone);
    let later = date;
    let earlier = date;
    for (let k = 1; k <= 366; k++) {
      later = addDays(later, 1);
      earlier = addDays(earlier, -1);
      if (later <= last && fits({ ...rule, startDate: later })) return { date: later };
      if (earlier >= first && fits({ ...rule, startDate: earlier })) return { date: earlier };
      if (later > last && earlier < first) break;
    }
    return null;
  }

  /**
   * A recurring plan: the first date after its last full slot of the year ahead on which
   * the rule names a run, as a new start date (from it on, no run meets a full slot).
   */
  private nearestStartDate(rule: CalendarRule, lastConflict: string, now: number, fits: (r: CalendarRule) => boolean): SlotSuggestions['nearestDateSameSlot'] {
    const last = localDate(now + CAPACITY_HORIZON_MS, rule.timeZone);
    for (let d = addDays(lastConflict, 1); d <= last; d = addDays(d, 1)) {
      if (dayRuleNames(rule, d) && fits({ ...rule, startDate: d })) return { date: d };
    }
    return null;
  }
}
