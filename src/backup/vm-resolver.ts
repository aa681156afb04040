/**
 * Which VVols a VM name in a datacenter stands for. Until a vCenter link exists the VM
 * is what the relation file says it is (src/relation/model.ts, read here, not copied):
 * a VM is the VVols sharing a VMW_VmID, named by its config VVol's VMW_VVolName, in the
 * one datacenter the provider names ("Datacenter"). A vCenter link can replace this
 * module alone: the backup operations only use `ResolvedVm`.
 */
import type { DiskArray } from '../array/types';
import { buildRelationModel, RelationSource, VmEntry } from '../relation/model';

export interface VmDisk {
  ldId: number;
  ldn: number;
  /** The LD name (E.1.1 "LD Name"). */
  name: string;
  role: 'config' | 'data';
  /** VMW_VVolName of a data VVol (E.1.2 "Disk File"); the VM name for the config VVol. */
  diskFile: string;
  /** LD numbers of its backup volumes (E.1.2 "RV List Information"). */
  rvLdns: number[];
}

/** The VM's VVols on one disk array. */
export interface VmPart {
  array: DiskArray;
  config: VmDisk | null;
  data: VmDisk[];
}

export interface ResolvedVm {
  id: string;
  name: string;
  datacenter: string;
  parts: VmPart[];
}

export interface ResolveOptions {
  /** The datacenter the provider names (the relation writer's option, "Datacenter"). */
  datacenter: string;
}

/** Every disk (config first, then data) of a VM across its arrays. */
export function disksOf(vm: ResolvedVm): { part: VmPart; disk: VmDisk }[] {
  return vm.parts.flatMap((part) => [...(part.config ? [part.config] : []), ...part.data].map((disk) => ({ part, disk })));
}

function partOf(source: RelationSource, array: DiskArray, e: VmEntry, children: Map<number, { rvs?: number[] }>): VmPart {
  const ids = [...(e.config !== null ? [e.config] : []), ...e.data];
  const lds = source.ldsById(ids, ['VMW_VVolName']);
  const disk = (ldId: number, role: 'config' | 'data'): VmDisk => {
    const ld = lds.get(ldId) as { ldn: number; name: string; metadata: Record<string, string> };
    return { ldId, ldn: ld.ldn, name: ld.name, role, diskFile: ld.metadata.VMW_VVolName ?? ld.name, rvLdns: [...(children.get(ldId)?.rvs ?? [])].sort((a, b) => a - b) };
  };
  return { array, config: e.config !== null ? disk(e.config, 'config') : null, data: e.data.map((d) => disk(d, 'data')) };
}

/** Every VM of every array the source sees, by VM id, with its parts. */
export function listVms(source: RelationSource, o: ResolveOptions): ResolvedVm[] {
  const vms = new Map<string, ResolvedVm>();
  for (const array of source.listArrays()) {
    const model = buildRelationModel(source, array, { datacenter: o.datacenter });
    for (const e of model.vms) {
      let vm = vms.get(e.id);
      if (!vm) vms.set(e.id, (vm = { id: e.id, name: e.name, datacenter: model.datacenter, parts: [] }));
      // The name comes from the config VVol; on an array without it the model names the VM by its id.
      if (e.config !== null) vm.name = e.name;
      vm.parts.push(partOf(source, array, e, model.children));
    }
  }
  return [...vms.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The VM named so in the datacenter; undefined when there is none ("Specified
 * VM(dc/vm) does not exist."). Names are compared exactly (3.10: VM names are
 * alphanumeric and unique in a datacenter).
 */
export function resolveVm(source: RelationSource, vmName: string, datacenter: string, o: ResolveOptions): ResolvedVm | undefined {
  if (datacenter !== o.datacenter) return undefined;
  return listVms(source, o).find((vm) => vm.name === vmName);
}
