/**
 * Restore (issue 11, section 4; seed 001: "backup images are directly overwritten on the
 * Virtual Server ... restored at the state of Power Off"): from an image, at once, onto
 * the VM it was taken of. With vCenter (issue 13) the VM is first powered off through
 * it and left off; a VM that cannot be powered off is not overwritten at all. Refused while a backup of the VM runs, while another restore
 * of it runs (a row in the store is the VM's lock, so another process is refused too),
 * and when the VM no longer exists. The VM is left powered off (every VVol unbound);
 * each disk is grown to its backed-up size if smaller (made again if it was removed) and
 * overwritten chunk for chunk, a chunk the image does not hold trimmed, so afterwards
 * every VVol reads exactly as the image.
 *
 * The local copy is used; the second copy only when the local image is missing or
 * damaged (seed 002: ダブル保管データ is for when the local side has a problem). The
 * local copy is verified before the first write, so a damaged one never half-writes a
 * VM; if damage still shows during the writes, the restore starts over from the second
 * copy.
 */
import { CHUNK_BYTES, LIMITS } from '../array/models';
import type { LogicalDisk } from '../array/types';
import type { ImageRow } from '../store/image-backup/images';
import { ImageReader, ImageStoreApi, RestoreResult, SchedulerError } from './contract';
import { restoreJobId, RunnerDeps } from './run-state';
import { VCenterUnavailableError } from '../vcenter/errors';
import { VCENTER_INFO_FAILED } from '../vcenter/messages';
import type { VmPowerControl } from '../vcenter/power';
import { BackupVm, vmById, VmDisk } from './vms';

type Source = 'local' | 'secondary';

/** Picks the copy to restore from: the local one when present and sound, else the second. */
function chooseSource(d: RunnerDeps, row: ImageRow): { source: Source; store: ImageStoreApi; reader: ImageReader; note?: string } {
  const local = d.local();
  let note: string | undefined;
  if (!local.has(row.id)) note = `the local image ${row.id} is missing`;
  else {
    const v = local.verify(row.id);
    if (v.ok) return { source: 'local', store: local, reader: local.open(row.id) };
    note = `the local image ${row.id} is damaged (${v.problems[0] ?? 'verification failed'})`;
    d.store.tx(() => d.images.setLocal(row.id, 'damaged'));
  }
  const secondary = d.secondary();
  if (secondary?.has(row.id)) {
    d.log.warn(`image backup: restore of ${row.vmName}: ${note}; using the second copy in ${secondary.dir}`);
    return { source: 'secondary', store: secondary, reader: secondary.open(row.id), note };
  }
  throw new SchedulerError('FAILED', `The image ${row.id} cannot be restored: ${note}, and ${secondary ? 'the second store has no copy of it' : 'no second store is configured'}.`, 'imageId', { imageId: row.id });
}

/** The VM's VVol for each disk of the image, made again when a data disk was removed. */
function targets(d: RunnerDeps, vm: BackupVm, reader: ImageReader): LogicalDisk[] {
  const config = vm.disks.find((x) => x.role === 'config');
  return reader.manifest.disks.map((disk) => {
    const found: VmDisk | undefined = disk.role === 'config' ? config : vm.disks.find((x) => x.role === 'data' && x.name === disk.name);
    if (found) return found.ld;
    if (disk.role === 'config' || !config) throw new SchedulerError('FAILED', `VM ${vm.name} has no config VVol on the managed disk arrays; it cannot be restored.`);
    // Recreated beside the config VVol, with the metadata vSphere gives a data VVol of the VM.
    const pool = d.engine.listPools(config.array).find((p) => p.id === config.ld.poolId);
    const meta = d.engine.vvolMetadata(config.vvolId);
    const ld = d.engine.createVvol(config.array, {
      pool: pool?.poolNo ?? config.ld.poolId, type: 'data', sizeBytes: disk.capacityBytes,
      metadata: { VMW_VmID: vm.id, VMW_VVolType: 'Data', VMW_VVolName: disk.name, ...(meta.VMW_ContainerId ? { VMW_ContainerId: meta.VMW_ContainerId } : {}) },
    }).ld;
    d.log.info(`image backup: restore of ${vm.name}: the disk ${disk.name} was gone and was made again (${disk.capacityBytes} bytes)`);
    return ld;
  });
}

/** Makes one VVol equal to one disk of the image: grown if needed, every chunk written or trimmed. */
function overwrite(d: RunnerDeps, target: LogicalDisk, reader: ImageReader, diskIndex: number): number {
  const disk = reader.manifest.disks[diskIndex];
  let ld = target;
  if (ld.capacity < disk.capacityBytes) ld = d.engine.resizeVvol(ld.vvolId as string, disk.capacityBytes);
  const total = Math.ceil(ld.capacity / CHUNK_BYTES);
  for (let from = 0; from < total; from += LIMITS.chunksPerIo) {
    const to = Math.min(total, from + LIMITS.chunksPerIo);
    const allocated = d.engine.allocatedBitmap(ld.vvolId as string, { startBytes: from * CHUNK_BYTES, lengthBytes: Math.min((to - from) * CHUNK_BYTES, ld.capacity - from * CHUNK_BYTES), chunkSizeBytes: CHUNK_BYTES }).bits;
    let run: { start: number; tokens: string[] } | undefined;
    const flush = () => {
      if (run) d.engine.write(ld, run.start, run.tokens);
      run = undefined;
    };
    let trimFrom = -1;
    const flushTrim = (end: number) => {
      if (trimFrom >= 0) d.engine.trim(ld, trimFrom, end - trimFrom);
      trimFrom = -1;
    };
    for (let i = from; i < to; i++) {
      const c = i < disk.chunks ? reader.chunk(diskIndex, i) : null;
      if (c === null) {
        flush();
        if (allocated[i - from]) {
          if (trimFrom < 0) trimFrom = i;
        } else flushTrim(i);
        continue;
      }
      flushTrim(i);
      if (!run) run = { start: i, tokens: [] };
      run.tokens.push(c);
    }
    flush();
    flushTrim(to);
  }
  return disk.chunks;
}

function writeAll(d: RunnerDeps, vm: BackupVm, reader: ImageReader): { name: string; chunks: number }[] {
  const lds = targets(d, vm, reader);
  return lds.map((ld, i) => ({ name: reader.manifest.disks[i].name, chunks: overwrite(d, ld, reader, i) }));
}

function checkNoBackup(d: RunnerDeps, vm: BackupVm): void {
  const run = d.runs.activeRunOfVm(vm.id);
  if (run !== undefined) throw new SchedulerError('CONFLICT', `VM ${vm.name} is being backed up by run ${run}; restore it when the backup has ended (or cancel run ${run}).`, 'imageId', { vmName: vm.name, runId: run });
}

/** The VM an image was taken of, as the provider names it now; a VM gone (deleted in vCenter too) is NOT_FOUND. */
function vmOf(d: RunnerDeps, row: ImageRow): BackupVm {
  let vm: BackupVm | undefined;
  try {
    vm = vmById(d.engine, d, row.vmId);
  } catch (e) {
    if (e instanceof VCenterUnavailableError) throw new SchedulerError('FAILED', `VM ${row.vmName} cannot be looked up: ${VCENTER_INFO_FAILED} (${e.message})`, 'imageId', { imageId: row.id });
    throw e;
  }
  if (!vm) throw new SchedulerError('NOT_FOUND', `VM ${row.vmName} no longer exists; an image can only be restored onto the VM it was taken of.`, 'imageId', { imageId: row.id, vmName: row.vmName });
  return vm;
}

type Chosen = ReturnType<typeof chooseSource>;

/** The overwrite: every VVol unbound (the VM stays off), every disk written; falls back to the second copy on damage. */
function overwriteVm(d: RunnerDeps, vm: BackupVm, row: ImageRow, first: Chosen, job: { id: number }, at: { source?: Source }): { disks: { name: string; chunks: number }[]; chosen: Chosen } {
  let chosen = first;
  d.engine.unbindFromAllHosts(vm.disks.map((x) => x.vvolId));
  let disks: { name: string; chunks: number }[];
  try {
    disks = writeAll(d, vm, chosen.reader);
  } catch (e) {
    const secondary = d.secondary();
    const damaged = e instanceof SchedulerError && e.code === 'FAILED' && chosen.source === 'local';
    if (!damaged || !secondary?.has(row.id)) throw e;
    d.store.tx(() => d.images.setLocal(row.id, 'damaged'));
    d.log.warn(`image backup: restore of ${vm.name}: ${(e as Error).message}; starting over from the second copy`);
    chosen = { source: 'secondary', store: secondary, reader: secondary.open(row.id) };
    at.source = 'secondary';
    disks = writeAll(d, vm, chosen.reader);
  }
  const note = chosen.note ? ` from the second copy (${chosen.note})` : '';
  d.store.tx(() => d.images.endRestore(job.id, 'completed', d.clock.now(), chosen.source, `VM ${vm.name} restored from image ${row.id}${note}; it is powered off (its VVols are unbound).`));
  d.log.info(`image backup: VM ${vm.name} restored from image ${row.id} (${chosen.source} copy)`);
  return { disks, chosen };
}

function failedRestore(d: RunnerDeps, vm: BackupVm, imageId: string, job: { id: number }, source: Source | undefined, e: unknown): string {
  const message = `The restore of VM ${vm.name} from image ${imageId} failed: ${(e as Error).message}`;
  d.store.tx(() => d.images.endRestore(job.id, 'failed', d.clock.now(), source ?? null, message));
  d.log.error(`image backup: ${message}`);
  return message;
}

/**
 * With vCenter: the VM is powered off through it, then overwritten. The call has
 * answered already (the job is in the history, Running); when the VM cannot be powered
 * off, the job ends Failed and nothing is overwritten.
 */
async function powerOffThenOverwrite(d: RunnerDeps, power: VmPowerControl, vm: BackupVm, row: ImageRow, chosen: Chosen, job: { id: number }): Promise<void> {
  try {
    const outcome = await power.powerOff(vm.id, vm.name);
    if (outcome === 'powered-off') d.log.info(`image backup: restore of ${vm.name}: powered off through vCenter Server ${power.server}`);
  } catch (e) {
    const message = `The restore of VM ${vm.name} from image ${row.id} was refused: the VM could not be powered off through vCenter Server ${power.server} (${(e as Error).message}); nothing was overwritten.`;
    d.store.tx(() => d.images.endRestore(job.id, 'failed', d.clock.now(), null, message));
    d.log.error(`image backup: ${message}`);
    return;
  }
  const at: { source?: Source } = { source: chosen.source };
  try {
    overwriteVm(d, vm, row, chosen, job, at);
  } catch (e) {
    failedRestore(d, vm, row.id, job, at.source, e);
  }
}

/**
 * The restore; the returned job id names its history entry. Without vCenter it is done
 * when this returns. With vCenter the VM is powered off first, which takes a vCenter
 * task: the checks and the job's start happen here, the rest in `done` (the job's
 * history entry says how it ended).
 */
export function restoreImage(d: RunnerDeps, imageId: string): RestoreResult & { restoreId: number; done?: Promise<void> } {
  if (typeof imageId !== 'string' || imageId === '') throw new SchedulerError('INVALID', 'imageId is required: the image to restore.', 'imageId');
  const row = d.images.get(imageId);
  if (!row) throw new SchedulerError('NOT_FOUND', `The image ${imageId} does not exist.`, 'imageId', { imageId });
  const vm = vmOf(d, row);
  const now = d.clock.now();
  const job = d.store.tx(() => {
    checkNoBackup(d, vm);
    const begun = d.images.beginRestore({ imageId, vmId: vm.id, vmName: vm.name, startedAt: now, ownerPid: d.pid });
    if (!begun) {
      const other = d.images.runningRestoreOf(vm.id);
      throw new SchedulerError('CONFLICT', `VM ${vm.name} is being restored already${other ? ` (job restore-${other.id}, from image ${other.imageId})` : ''}; one restore per VM at a time.`, 'imageId', { vmName: vm.name });
    }
    return begun;
  });
  const at: { source?: Source } = {};
  try {
    const chosen = chooseSource(d, row);
    at.source = chosen.source;
    if (d.power) {
      const done = powerOffThenOverwrite(d, d.power, vm, row, chosen, job);
      const disks = chosen.reader.manifest.disks.map((x) => ({ name: x.name, chunks: x.chunks }));
      return { jobId: restoreJobId(job.id), restoreId: job.id, vmName: vm.name, disks, source: chosen.source, done };
    }
    const { disks, chosen: used } = overwriteVm(d, vm, row, chosen, job, at);
    return { jobId: restoreJobId(job.id), restoreId: job.id, vmName: vm.name, disks, source: used.source };
  } catch (e) {
    const message = failedRestore(d, vm, imageId, job, at.source, e);
    if (e instanceof SchedulerError) throw new SchedulerError(e.code, message, e.field, { ...e.details, jobId: restoreJobId(job.id) });
    throw new SchedulerError('FAILED', message, undefined, { jobId: restoreJobId(job.id) });
  }
}

/**
 * After a restart: a restore its (dead) process left running ends Failed, with what
 * that means. `inFlight`: this process's restores still powering off or writing.
 */
export function failInterruptedRestores(d: RunnerDeps, inFlight: ReadonlySet<number> = new Set()): number {
  let n = 0;
  for (const r of d.images.runningRestores()) {
    if (inFlight.has(r.id)) continue;
    if (r.ownerPid !== null && r.ownerPid !== d.pid && d.isAlive(r.ownerPid)) continue;
    const message = `The restore of VM ${r.vmName} from image ${r.imageId} was interrupted (the provider stopped); the VM's disks may hold partly restored content: restore it again.`;
    d.store.tx(() => d.images.endRestore(r.id, 'failed', d.clock.now(), r.source, message));
    d.log.warn(`image backup: ${message}`);
    n++;
  }
  return n;
}
