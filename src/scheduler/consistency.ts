/**
 * The start of a run (seed 003): each VM is admitted or not (gone, already being backed
 * up or restored, over the size limits), the write load of the admitted ones over the
 * last `ioWindowMinutes` is read, they are ordered busiest first, and the snapshots of
 * all their VVols are taken in one engine transaction, at one time: the run's backup
 * time, which every image of the run carries. The same transaction records the
 * snapshots, the order, the 24-hour counters and the run's new state, so a kill leaves
 * either a queued run and no snapshots, or an archiving run that knows all of them.
 */
import type { RunDiskRow, RunRow, RunVmChange } from '../store/image-backup/runs';
import { endRunIfDone } from './run-end';
import type { RunnerDeps } from './run-state';
import { VCenterUnavailableError } from '../vcenter/errors';
import { VCENTER_INFO_FAILED } from '../vcenter/messages';
import { BackupVm, policyOf, resolveVms, sizeProblem } from './vms';

interface Candidate {
  vmName: string;
  vm: BackupVm;
  ioLoad: number;
  disks: RunDiskRow[];
}

/** Admits the run's VMs; a VM not admitted gets its row's outcome (skipped or failed) and why. */
function admit(d: RunnerDeps, run: RunRow): { candidates: Candidate[]; refused: Map<string, RunVmChange> } {
  const rows = d.runs.vms(run.id).filter((v) => v.state === 'waiting');
  const candidates: Candidate[] = [];
  const refused = new Map<string, RunVmChange>();
  let found: Map<string, BackupVm>;
  try {
    found = resolveVms(d.engine, d, rows.map((r) => r.vmName));
  } catch (e) {
    // vCenter is set but never answered: no VM can be named, the run's VMs fail (not "gone").
    if (!(e instanceof VCenterUnavailableError)) throw e;
    for (const row of rows) refused.set(row.vmName, { state: 'failed', vmId: null, message: `VM ${row.vmName} was not backed up: ${VCENTER_INFO_FAILED} (${e.message})` });
    return { candidates, refused };
  }
  for (const row of rows) {
    const vm = found.get(row.vmName);
    const why = (state: 'skipped' | 'failed', message: string): void => void refused.set(row.vmName, { state, message, vmId: vm?.id ?? null });
    if (!vm) {
      why('skipped', `VM ${row.vmName} no longer exists; it was not backed up.`);
      continue;
    }
    const other = d.runs.activeRunOfVm(vm.id);
    if (other !== undefined && other !== run.id) {
      why('skipped', `VM ${vm.name} is already being backed up by run ${other} (one backup per VM at a time); it was not backed up again.`);
      continue;
    }
    if (d.images.runningRestoreOf(vm.id)) {
      why('skipped', `VM ${vm.name} is being restored; it was not backed up.`);
      continue;
    }
    const tooBig = sizeProblem(vm);
    if (tooBig) {
      why('failed', tooBig);
      continue;
    }
    if (vm.disks.length === 0) {
      why('failed', `VM ${vm.name} has no VVols on the managed disk arrays.`);
      continue;
    }
    candidates.push({
      vmName: row.vmName, vm, ioLoad: 0,
      disks: vm.disks.map((x) => ({ name: x.name, role: x.role, baseVvolId: x.vvolId, snapshotVvolId: null, capacityBytes: x.capacityBytes, chunks: x.chunks, policy: policyOf(d.engine, x.vvolId) })),
    });
  }
  return { candidates, refused };
}

/** Seed 003's order: the busiest VM (most chunks written in the window) first; ties by name. */
function order(d: RunnerDeps, candidates: Candidate[]): void {
  const ldIds = candidates.flatMap((c) => c.vm.disks.map((x) => x.ld.id));
  const load = d.engine.writeLoad(ldIds, d.settings().ioWindowMinutes);
  for (const c of candidates) c.ioLoad = c.vm.disks.reduce((s, x) => s + (load.get(x.ld.id) ?? 0), 0);
  candidates.sort((a, b) => b.ioLoad - a.ioLoad || (a.vmName < b.vmName ? -1 : a.vmName > b.vmName ? 1 : 0));
}

/** Starts a queued run: admission, order, the consistency point, all recorded in one transaction. */
export function startRun(d: RunnerDeps, run: RunRow): void {
  const now = d.clock.now();
  const { candidates, refused } = admit(d, run);
  order(d, candidates);
  d.store.tx(() => {
    // Checked again inside the transaction: another process may have started a backup or restore of a VM meanwhile.
    for (let i = candidates.length - 1; i >= 0; i--) {
      const c = candidates[i];
      const other = d.runs.activeRunOfVm(c.vm.id);
      const busy = other !== undefined && other !== run.id ? `run ${other}` : d.images.runningRestoreOf(c.vm.id) ? 'a restore' : undefined;
      if (!busy) continue;
      refused.set(c.vmName, { state: 'skipped', vmId: c.vm.id, message: `VM ${c.vm.name} was taken by ${busy} as this run started; it was not backed up.` });
      candidates.splice(i, 1);
    }
    const point = candidates.length ? d.engine.takeConsistencyPoint(candidates.map((c) => ({ key: c.vmName, vvolIds: c.disks.map((x) => x.baseVvolId) }))) : undefined;
    let n = 0;
    candidates.forEach((c, i) => {
      const g = point?.groups[i];
      if (!g || !g.ok) {
        d.runs.updateVm(run.id, c.vmName, { vmId: c.vm.id, state: 'failed', ioLoad: c.ioLoad, finishedAt: now, message: `The snapshots of VM ${c.vm.name} could not be taken: ${g && !g.ok ? g.error.message : 'no consistency point'}` });
        return;
      }
      const snap = new Map(g.snapshots.map((s) => [s.baseVvolId, s.snapshotVvolId]));
      const disks = c.disks.map((x) => ({ ...x, snapshotVvolId: snap.get(x.baseVvolId) ?? null }));
      d.runs.updateVm(run.id, c.vmName, {
        vmId: c.vm.id, state: 'snapshotted', ioLoad: c.ioLoad, order: ++n, disks, snapshotAt: point?.takenAt ?? now,
        chunksTotal: disks.reduce((s, x) => s + x.chunks, 0),
      });
      d.runs.countStart(c.vm.id, point?.takenAt ?? now, run.id);
    });
    for (const [name, change] of refused) d.runs.updateVm(run.id, name, { ...change, finishedAt: now });
    d.runs.update(run.id, { state: 'archiving', startedAt: now, backupTime: point?.takenAt ?? null, ownerPid: d.pid });
  });
  const taken = candidates.length ? `${candidates.map((c) => `${c.vm.name} (load ${c.ioLoad})`).join(', ')}` : 'none';
  d.log.info(`image backup: run ${run.id}${run.planName ? ` of plan ${run.planName}` : ''} started; consistency point for ${taken}${refused.size ? `; not backed up: ${[...refused.keys()].join(', ')}` : ''}`);
  endRunIfDone(d, run.id);
}
