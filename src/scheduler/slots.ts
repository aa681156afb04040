/**
 * The slots of the plans becoming runs (issue 11, sections 2 and 7). Every due slot
 * (PlanBook.occurrences) is recorded once: the slot key `${planId}@${slotStart}` is a
 * UNIQUE column, so a slot never has two runs, across restarts and processes too. A slot
 * whose aimed start has come and whose hour is not over is queued and starts at once,
 * also after a restart (the scan looks back an hour from the last tick it recorded); a
 * slot whose hour passed unseen is recorded 'missed'; one that comes while the plan's
 * previous run still goes is recorded 'skipped'. A queued run starts only inside its
 * slot (time within the slot not guaranteed, as the seed says).
 */
import type { RunRow } from '../store/image-backup/runs';
import type { Plan, SlotOccurrence } from './contract';
import { startRun } from './consistency';
import { DAY_MS, iso } from './limits';
import { mayAdvance, RunnerDeps, SLOT_MS, slotKey } from './run-state';

/** The watermark of slots looked at is written at most this often (a write transaction a second would be waste). */
const WATERMARK_EVERY_MS = 60_000;
/** How far back a restarted scheduler looks for slots it did not see (older ones are not recorded). */
export const MAX_LOOKBACK_MS = 7 * DAY_MS;
const SCANNED_TO = 'scannedTo';

/** The slots due now, recorded as runs (queued, skipped or missed). */
export function scheduleDue(d: RunnerDeps, now: number): void {
  const last = d.runs.meta(SCANNED_TO);
  const from = Math.max((last ?? now) - SLOT_MS, now - MAX_LOOKBACK_MS);
  const due = d.plans.occurrences(from, now + 1).filter((o) => o.startAt <= now && !d.runs.bySlotKey(slotKey(o)));
  if (due.length) {
    const plans = new Map(d.plans.list().map((p) => [p.id, p]));
    for (const o of due) {
      const plan = plans.get(o.planId);
      if (plan) recordSlot(d, plan, o, now);
    }
  }
  // After a restart the scan looks back an hour from the watermark, so a stale minute loses nothing.
  if (last === undefined || now - last >= WATERMARK_EVERY_MS || due.length) d.store.tx(() => d.runs.setMeta(SCANNED_TO, now));
}

function recordSlot(d: RunnerDeps, plan: Plan, o: SlotOccurrence, now: number): void {
  d.store.tx(() => {
    const base = { planId: plan.id, planName: plan.name, kind: 'scheduled' as const, slotKey: slotKey(o), slotStart: o.slotStart, slotEnd: o.slotEnd, retentionDays: plan.retentionDays, createdAt: now };
    const prev = d.runs.activeOfPlan(plan.id);
    let ended: { state: 'missed' | 'skipped'; message: string } | undefined;
    if (now >= o.slotEnd) ended = { state: 'missed', message: `The slot ${iso(o.slotStart)} to ${iso(o.slotEnd)} passed while the scheduler was not running; no backup was taken in it.` };
    else if (prev) ended = { state: 'skipped', message: `The previous run ${prev.id} of plan ${plan.name} was still going when the slot ${iso(o.slotStart)} began; this run was skipped.` };
    const run = d.runs.insert({ ...base, state: ended?.state ?? 'queued', message: ended?.message ?? null, finishedAt: ended ? now : null });
    if (!run) return; // another process recorded this slot first
    for (const vmName of plan.vms) d.runs.insertVm(run.id, { vmName, state: ended ? 'skipped' : 'waiting', message: ended ? ended.message : null, finishedAt: ended ? now : null });
    const what = ended ? `${ended.state}: ${ended.message}` : 'queued';
    if (ended?.state === 'missed') d.log.warn(`image backup: plan ${plan.name}: run ${run.id} ${what}`);
    else d.log.info(`image backup: plan ${plan.name}: run ${run.id} ${what}`);
  });
}

/** Starts the queued runs this process may advance (a scheduled one only inside its slot). */
export function startQueued(d: RunnerDeps, now: number): void {
  for (const run of d.runs.active()) {
    if (run.state !== 'queued' || !mayAdvance(d, run.ownerPid)) continue;
    if (run.slotEnd !== null && now >= run.slotEnd) {
      endQueued(d, run, 'missed', `The run could not start inside its slot ${iso(run.slotStart ?? run.slotEnd - SLOT_MS)} to ${iso(run.slotEnd)} (the scheduler was not running); no backup was taken.`);
      continue;
    }
    try {
      startRun(d, run);
    } catch (e) {
      endQueued(d, run, 'failed', `The run could not start: ${(e as Error).message}`);
    }
  }
}

function endQueued(d: RunnerDeps, run: RunRow, state: 'missed' | 'failed', message: string): void {
  const now = d.clock.now();
  d.store.tx(() => {
    if (d.runs.get(run.id)?.state !== 'queued') return;
    for (const v of d.runs.vms(run.id)) if (v.state === 'waiting') d.runs.updateVm(run.id, v.vmName, { state: state === 'missed' ? 'skipped' : 'failed', finishedAt: now, message });
    d.runs.update(run.id, { state, finishedAt: now, message });
  });
  d.log.warn(`image backup: run ${run.id} ${state}: ${message}`);
}
