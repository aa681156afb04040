/**
 * An immediate backup (seed 002: 即時バックアップ): one VM, admitted now or refused with
 * the rule that refuses it (the VM unknown, already being backed up or restored, five
 * backups in the last 24 hours), then started at once: its own consistency point, its
 * archive written by the readers like any run's.
 */
import type { RunRow } from '../store/image-backup/runs';
import { SchedulerError } from './contract';
import { startRun } from './consistency';
import { checkImmediateAllowed } from './limits';
import type { RunnerDeps } from './run-state';
import { BackupVm, resolveVms } from './vms';
import { VCenterUnavailableError } from '../vcenter/errors';
import { VCENTER_INFO_FAILED } from '../vcenter/messages';

function lookUp(d: RunnerDeps, vmName: string): BackupVm | undefined {
  try {
    return resolveVms(d.engine, d, [vmName]).get(vmName);
  } catch (e) {
    if (e instanceof VCenterUnavailableError) throw new SchedulerError('FAILED', `VM ${vmName} cannot be looked up: ${VCENTER_INFO_FAILED} (${e.message})`, 'vmName', { vmName });
    throw e;
  }
}

/** An immediate backup of one VM: admitted now (5 per 24 hours), its snapshots taken at once. */
export function backupNow(d: RunnerDeps, vmName: string): number {
  if (typeof vmName !== 'string' || vmName === '') throw new SchedulerError('INVALID', 'vmName is required: the name of the VM to back up.', 'vmName');
  const vm = lookUp(d, vmName);
  if (!vm) throw new SchedulerError('NOT_FOUND', `VM ${vmName} does not exist.`, 'vmName', { vmName });
  const now = d.clock.now();
  const runId = d.store.tx(() => {
    const other = d.runs.activeRunOfVm(vm.id);
    if (other !== undefined) throw new SchedulerError('CONFLICT', `VM ${vmName} is already being backed up by run ${other}; one backup per VM at a time.`, 'vmName', { vmName, runId: other });
    const restore = d.images.runningRestoreOf(vm.id);
    if (restore) throw new SchedulerError('CONFLICT', `VM ${vmName} is being restored (job restore-${restore.id}); back it up when the restore has ended.`, 'vmName', { vmName });
    checkImmediateAllowed(d.runs, vm, now);
    const run = d.runs.insert({
      planId: null, planName: null, kind: 'immediate', slotKey: null, slotStart: null, slotEnd: null, state: 'queued',
      retentionDays: d.settings().immediateRetentionDays, createdAt: now,
    });
    if (!run) throw new SchedulerError('FAILED', 'The immediate backup could not be recorded.');
    d.runs.insertVm(run.id, { vmName, vmId: vm.id, state: 'waiting' });
    d.runs.update(run.id, { ownerPid: d.pid });
    return run.id;
  });
  const run = d.runs.get(runId) as RunRow;
  startRun(d, run);
  return runId;
}
