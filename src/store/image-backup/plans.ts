/**
 * The image-backup scheduler's plans in the store (migration 9, table image_backup_plans).
 * Plain values in, plain values out; the scheduler (src/scheduler/plans.ts) holds the rules
 * (checked fields, unique names, slot capacity, the in-memory copy kept by the sum of the
 * revisions) and calls these inside its own transactions (store.tx) and reads (store.read).
 * The SQL lives here, as the store boundary wants (test/store/boundary.test.ts).
 *
 * A deleted plan stays as a row (deleted_at); the getters here return it like any other.
 * Not found: the getters return undefined; updates of a missing row change nothing.
 */
import type { Store } from '../db';

export type PlanScheduleType = 'once' | 'daily' | 'weekly' | 'monthly';

/** The columns name .. retention_days: what a create or a change of the plan writes. */
export interface PlanFields {
  name: string;
  vms: string[];
  enabled: boolean;
  scheduleType: PlanScheduleType;
  /** YYYY-MM-DD, local to the plan's time zone. */
  startDate: string;
  slotHour: number;
  startMinute: number;
  weekday: string | null;
  monthDay: number | null;
  ordinal: number | 'last' | null;
  timeZone: string;
  retentionDays: number;
}

export interface PlanRow extends PlanFields {
  id: number;
  derivedFrom: number | null;
  createdAt: number;
  updatedAt: number;
  /** When the plan's schedule took effect (created, enabled or rescheduled). */
  activeSince: number;
  deletedAt: number | null;
  /** A random tag, new at every change; the sum over the table tells a reader whether anything changed. */
  revision: number;
}

export interface NewPlan extends PlanFields {
  derivedFrom: number | null;
  createdAt: number;
  revision: number;
}

type Raw = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toPlan(r: Raw): PlanRow {
  return {
    id: Number(r.id), name: String(r.name), vms: JSON.parse(String(r.vms)) as string[], enabled: r.enabled === 1,
    scheduleType: r.schedule_type as PlanScheduleType, startDate: String(r.start_date), slotHour: Number(r.slot_hour),
    startMinute: Number(r.start_minute), weekday: str(r.weekday), monthDay: num(r.month_day),
    ordinal: r.ordinal === null || r.ordinal === undefined ? null : r.ordinal === 'last' ? 'last' : Number(r.ordinal),
    timeZone: String(r.time_zone), retentionDays: Number(r.retention_days), derivedFrom: num(r.derived_from),
    createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), activeSince: Number(r.active_since), deletedAt: num(r.deleted_at),
    revision: Number(r.revision),
  };
}

/** The values of the columns name .. retention_days, in table order. */
function fieldValues(f: PlanFields): (string | number | null)[] {
  return [
    f.name, JSON.stringify(f.vms), f.enabled ? 1 : 0, f.scheduleType, f.startDate, f.slotHour, f.startMinute,
    f.weekday, f.monthDay, f.ordinal === null ? null : String(f.ordinal), f.timeZone, f.retentionDays,
  ];
}

export class PlanTable {
  constructor(private readonly store: Store) {}

  /** SUM(revision) over the table (0 when empty): changes whenever a row is added, changed or removed. */
  revisionSum(): number {
    return this.store.get<{ f: number }>('SELECT COALESCE(SUM(revision), 0) AS f FROM image_backup_plans')?.f ?? 0;
  }

  /** Every row's id and revision, deleted plans included. */
  revisions(): { id: number; revision: number }[] {
    return this.store.all<{ id: number; revision: number }>('SELECT id, revision FROM image_backup_plans');
  }

  /** Every plan, deleted ones included. */
  all(): PlanRow[] {
    return this.store.all<Raw>('SELECT * FROM image_backup_plans').map(toPlan);
  }

  /** A plan, deleted or not. */
  get(id: number): PlanRow | undefined {
    const r = this.store.get<Raw>('SELECT * FROM image_backup_plans WHERE id = ?', id);
    return r ? toPlan(r) : undefined;
  }

  /** The id of a plan not deleted named `name` (case ignored), other than `except`; undefined when there is none. */
  liveIdByName(name: string, except: number | null): number | undefined {
    return this.store.get<{ id: number }>(
      'SELECT id FROM image_backup_plans WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL AND id IS NOT ?', name, except,
    )?.id;
  }

  /** A new plan, in effect from its creation (updated_at and active_since = createdAt); its id. */
  insert(p: NewPlan): number {
    const r = this.store.run(
      `INSERT INTO image_backup_plans (name, vms, enabled, schedule_type, start_date, slot_hour, start_minute, weekday, month_day, ordinal,
         time_zone, retention_days, derived_from, created_at, updated_at, active_since, revision)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ...fieldValues(p), p.derivedFrom, p.createdAt, p.createdAt, p.createdAt, p.revision,
    );
    return Number(r.lastInsertRowid);
  }

  /** Replaces the plan's fields (name .. retention_days) whole. */
  update(id: number, f: PlanFields, c: { updatedAt: number; activeSince: number; revision: number }): void {
    this.store.run(
      `UPDATE image_backup_plans SET name = ?, vms = ?, enabled = ?, schedule_type = ?, start_date = ?, slot_hour = ?, start_minute = ?,
         weekday = ?, month_day = ?, ordinal = ?, time_zone = ?, retention_days = ?, updated_at = ?, active_since = ?, revision = ?
       WHERE id = ?`,
      ...fieldValues(f), c.updatedAt, c.activeSince, c.revision, id,
    );
  }

  setEnabled(id: number, enabled: boolean, c: { updatedAt: number; activeSince: number; revision: number }): void {
    this.store.run(
      'UPDATE image_backup_plans SET enabled = ?, updated_at = ?, active_since = ?, revision = ? WHERE id = ?',
      enabled ? 1 : 0, c.updatedAt, c.activeSince, c.revision, id,
    );
  }

  /** Marks the plan deleted at `at` (its row stays for history). */
  markDeleted(id: number, at: number, revision: number): void {
    this.store.run('UPDATE image_backup_plans SET deleted_at = ?, updated_at = ?, revision = ? WHERE id = ?', at, at, revision, id);
  }
}
