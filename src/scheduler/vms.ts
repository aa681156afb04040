/**
 * The VMs the scheduler backs up and restores, as it needs them: each VVol of the VM
 * (its config VVol and data VVols) with its VVol id, LD, capacity and disk name. The
 * VM itself comes from src/backup/vm-resolver.ts, named as the vCenter link names it
 * (src/vcenter/naming.ts: vCenter's inventory, or the VVols' metadata without vCenter):
 * a VM deleted in vCenter is not found, so a run reports it as no longer existing. This
 * file only adds the facts a backup needs. Also the engine's face the scheduler uses (a
 * Pick, so a real array could stand behind it).
 */
import type { DiskArrayEngine } from '../array/engine';
import { CHUNK_BYTES, GiB } from '../array/models';
import type { LogicalDisk } from '../array/types';
import { disksOf, listVms, type ResolveOptions, type ResolvedVm } from '../backup/vm-resolver';
import type { VmNaming } from '../vcenter/naming';

export type SchedulerEngine = Pick<DiskArrayEngine,
  | 'listArrays' | 'scanLds' | 'ldsById' | 'lastSequences' | 'getLd' | 'getVvol' | 'vvolPolicy' | 'vvolMetadata' | 'listPools' | 'createVvol'
  | 'takeConsistencyPoint' | 'releaseSnapshots' | 'writeLoad' | 'pruneWriteLoad' | 'allocatedBitmap' | 'readChunks'
  | 'write' | 'trim' | 'resizeVvol' | 'unbindFromAllHosts'>;

export interface VmDisk {
  /** The data VVol's file (VMW_VVolName), or "config". */
  name: string;
  role: 'config' | 'data';
  vvolId: string;
  ld: LogicalDisk;
  array: string;
  capacityBytes: number;
  chunks: number;
}

export interface BackupVm {
  id: string;
  name: string;
  disks: VmDisk[];
}

/** Where VM names are looked up: the datacenter of metadata naming, and the vCenter link's naming when there is one. */
export interface VmScope {
  datacenter: string;
  naming?: () => VmNaming;
}

const resolveOptions = (scope: VmScope): ResolveOptions => ({ datacenter: scope.datacenter, ...(scope.naming ? { naming: scope.naming() } : {}) });

/** The seed's limits: a disk over 2,032 GB, or a VM over 4,000 GB in total, is not backed up. */
export const MAX_DISK_BYTES = 2032 * GiB;
export const MAX_VM_BYTES = 4000 * GiB;

const chunksOf = (bytes: number) => Math.ceil(bytes / CHUNK_BYTES);

function toBackupVm(engine: SchedulerEngine, vm: ResolvedVm): BackupVm {
  const disks: VmDisk[] = [];
  for (const { part, disk } of disksOf(vm)) {
    const ld = engine.getLd(part.array.name, disk.ldn);
    if (!ld.vvolId) continue;
    disks.push({
      name: disk.role === 'config' ? 'config' : disk.diskFile, role: disk.role, vvolId: ld.vvolId, ld, array: part.array.name,
      capacityBytes: ld.capacity, chunks: chunksOf(ld.capacity),
    });
  }
  return { id: vm.id, name: vm.name, disks };
}

/** Every VM the provider sees, by name, without disk details (cheap: one relation model per array). */
export function vmNames(engine: SchedulerEngine, scope: VmScope): Map<string, string> {
  return new Map(listVms(engine, resolveOptions(scope)).map((vm) => [vm.name, vm.id]));
}

/** The VMs named (by name), each with its disks; names not found are left out. */
export function resolveVms(engine: SchedulerEngine, scope: VmScope, names: readonly string[]): Map<string, BackupVm> {
  const wanted = new Set(names);
  const out = new Map<string, BackupVm>();
  for (const vm of listVms(engine, resolveOptions(scope))) if (wanted.has(vm.name) && !out.has(vm.name)) out.set(vm.name, toBackupVm(engine, vm));
  return out;
}

/** The VM with this id (a VM keeps its id when renamed), with its disks. */
export function vmById(engine: SchedulerEngine, scope: VmScope, vmId: string): BackupVm | undefined {
  const vm = listVms(engine, resolveOptions(scope)).find((v) => v.id === vmId);
  return vm ? toBackupVm(engine, vm) : undefined;
}

/** The seed's size rule, as the message the job shows; undefined when the VM may be backed up. */
export function sizeProblem(vm: BackupVm): string | undefined {
  const gb = (b: number) => `${(b / GiB).toLocaleString('en-US', { maximumFractionDigits: 1 })} GB`;
  const big = vm.disks.find((d) => d.capacityBytes > MAX_DISK_BYTES);
  if (big) return `The disk ${big.name} of VM ${vm.name} is ${gb(big.capacityBytes)}; image backup supports disks up to 2,032 GB.`;
  const total = vm.disks.reduce((s, d) => s + d.capacityBytes, 0);
  if (total > MAX_VM_BYTES) return `VM ${vm.name} has ${gb(total)} of disks in total; image backup supports VMs up to 4,000 GB.`;
  return undefined;
}

/** The storage policy (profile id) a VVol has, or null. */
export function policyOf(engine: SchedulerEngine, vvolId: string): string | null {
  try {
    return engine.vvolPolicy(vvolId).profile?.profileId ?? null;
  } catch {
    return null;
  }
}
