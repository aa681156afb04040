/**
 * How a VM of a run, and a run, come to an end: a VM's snapshots released (seed 003: as
 * soon as its archive is committed, not at the end of the run) with the time it held
 * them; a VM failed or cancelled, its snapshots released too; a run ended once none of
 * its VMs is still going, with its outcome (completed, failed when a VM failed, skipped
 * when no VM was backed up) and a message naming what happened. Each is one transaction.
 */
import type { RunVmChange, RunVmRow, RunVmRowState } from '../store/image-backup/runs';
import { ACTIVE_VM_STATES } from '../store/image-backup/runs';
import type { RunnerDeps } from './run-state';

/**
 * Releases a VM's snapshots (inside the caller's transaction) and returns the columns
 * that say so, or a message when the array refused to delete one.
 */
export function releaseVmSnapshots(d: RunnerDeps, vm: RunVmRow, now: number): RunVmChange & { problem?: string } {
  const ids = vm.disks.map((x) => x.snapshotVvolId).filter((id): id is string => !!id);
  if (ids.length === 0 || vm.snapshotReleasedAt !== null) return {};
  const refused = d.engine.releaseSnapshots(ids).filter((r) => r.outcome === 'refused');
  const change: RunVmChange & { problem?: string } = { snapshotReleasedAt: now, snapshotHeldMs: vm.snapshotAt === null ? null : now - vm.snapshotAt };
  if (refused.length) {
    change.problem = `the array kept ${refused.length} snapshot(s): ${refused.map((r) => r.error).join('; ')}`;
    d.log.warn(`image backup: VM ${vm.vmName}: ${change.problem}`);
  }
  return change;
}

/** Ends one VM of a run as failed or cancelled, its snapshots released; one transaction. */
export function endVm(d: RunnerDeps, runId: number, vmName: string, state: Extract<RunVmRowState, 'failed' | 'cancelled'>, message: string): void {
  const now = d.clock.now();
  d.store.tx(() => {
    const vm = d.runs.vm(runId, vmName);
    if (!vm || !ACTIVE_VM_STATES.includes(vm.state)) return;
    const { problem, ...released } = releaseVmSnapshots(d, vm, now);
    d.runs.updateVm(runId, vmName, { ...released, state, finishedAt: now, message: problem ? `${message} (${problem})` : message });
  });
}

/** The run's outcome from its VMs. */
function outcome(vms: RunVmRow[]): { state: 'completed' | 'failed' | 'skipped'; message: string | null } {
  const of = (s: RunVmRowState) => vms.filter((v) => v.state === s);
  const failed = of('failed');
  const skipped = of('skipped');
  const done = of('completed');
  const notes = (list: RunVmRow[]) => list.map((v) => v.message ?? `VM ${v.vmName}: ${v.state}`).join(' ');
  if (failed.length) return { state: 'failed', message: `${failed.length} of ${vms.length} VM(s) failed. ${notes(failed)}${skipped.length ? ` ${notes(skipped)}` : ''}` };
  if (done.length === 0) return { state: 'skipped', message: skipped.length ? notes(skipped) : 'The run had no VM to back up.' };
  return { state: 'completed', message: skipped.length ? `${done.length} of ${vms.length} VM(s) backed up. ${notes(skipped)}` : null };
}

/** Ends the run when none of its VMs is still going; returns whether it ended now. */
export function endRunIfDone(d: RunnerDeps, runId: number): boolean {
  const now = d.clock.now();
  const ended = d.store.tx(() => {
    const run = d.runs.get(runId);
    if (!run || (run.state !== 'archiving' && run.state !== 'snapshotting')) return undefined;
    const vms = d.runs.vms(runId);
    if (vms.some((v) => ACTIVE_VM_STATES.includes(v.state))) return undefined;
    const o = outcome(vms);
    d.runs.update(runId, { state: o.state, finishedAt: now, message: o.message });
    return { run, o };
  });
  if (!ended) return false;
  const log = ended.o.state === 'failed' ? d.log.warn.bind(d.log) : d.log.info.bind(d.log);
  log(`image backup: run ${runId}${ended.run.planName ? ` of plan ${ended.run.planName}` : ''} ended ${ended.o.state}${ended.o.message ? `: ${ended.o.message}` : ''}`);
  return true;
}
