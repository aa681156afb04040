/**
 * Which VVols a VM name in a datacenter stands for. The VM is what the relation file
 * says it is (src/relation/model.ts, read here, not copied): the VVols sharing a
 * VMW_VmID, named as src/vcenter/naming.ts names them: with vCenter settings by
 * vCenter's inventory (its name and datacenter for the VM whose instance UUID is the
 * VMW_VmID; a VM vCenter does not know does not exist), without them by the config
 * VVol's VMW_VVolName in the one datacenter the provider names ("Datacenter"). The
 * backup operations and the scheduler only use `ResolvedVm`.
 */
import type { DiskArray } from '../array/types';
import { buildRelationModel, RelationSource, VmEntry } from '../relation/model';
import type { InventoryVm, VmNaming } from '../vcenter/naming';

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
  /** LD numbers of its snapshots (a data VVol's ESVs as the relation file lists them). */
  snapshotLdns: number[];
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
  /** vCenter's view of the VM (power state, folder, managed object id); absent without vCenter. */
  vcenter?: InventoryVm;
}

export interface ResolveOptions {
  /** The datacenter the provider names without vCenter (the relation writer's option, "Datacenter"). */
  datacenter: string;
  /**
   * How VMs are named (the vCenter link's naming, src/vcenter/naming.ts); absent: by
   * metadata in `datacenter`. With vCenter set but never read, resolving throws
   * VCenterUnavailableError.
   */
  naming?: VmNaming | (() => VmNaming);
}

/** The naming in force: a long-lived caller (the daemon's API) hands a getter, so a settings change or a refresh is seen. */
export function namingOf(o: ResolveOptions): VmNaming | undefined {
  return typeof o.naming === 'function' ? o.naming() : o.naming;
}

/** Every disk (config first, then data) of a VM across its arrays. */
export function disksOf(vm: ResolvedVm): { part: VmPart; disk: VmDisk }[] {
  return vm.parts.flatMap((part) => [...(part.config ? [part.config] : []), ...part.data].map((disk) => ({ part, disk })));
}

function partOf(source: RelationSource, array: DiskArray, e: VmEntry, children: Map<number, { rvs?: number[]; snapshots?: number[] }>): VmPart {
  const ids = [...(e.config !== null ? [e.config] : []), ...e.data];
  const lds = source.ldsById(ids, ['VMW_VVolName']);
  const disk = (ldId: number, role: 'config' | 'data'): VmDisk => {
    const ld = lds.get(ldId) as { ldn: number; name: string; metadata: Record<string, string> };
    const c = children.get(ldId);
    return {
      ldId, ldn: ld.ldn, name: ld.name, role, diskFile: ld.metadata.VMW_VVolName ?? ld.name,
      rvLdns: [...(c?.rvs ?? [])].sort((a, b) => a - b), snapshotLdns: [...(c?.snapshots ?? [])],
    };
  };
  return { array, config: e.config !== null ? disk(e.config, 'config') : null, data: e.data.map((d) => disk(d, 'data')) };
}

/** Every VM of every array the source sees, by VM id, with its parts. */
export function listVms(source: RelationSource, o: ResolveOptions): ResolvedVm[] {
  const vms = new Map<string, ResolvedVm>();
  const naming = namingOf(o);
  for (const array of source.listArrays()) {
    const model = buildRelationModel(source, array, { datacenter: o.datacenter, ...(naming ? { naming } : {}) });
    for (const e of model.vms) {
      let vm = vms.get(e.id);
      if (!vm) {
        const vcenter = naming?.source === 'vcenter' ? naming.vm(e.id)?.vcenter : undefined;
        vms.set(e.id, (vm = { id: e.id, name: e.name, datacenter: e.datacenter, parts: [], ...(vcenter ? { vcenter } : {}) }));
      }
      // Without vCenter the name comes from the config VVol; on an array without it the model names the VM by its id.
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
  const naming = namingOf(o);
  if ((!naming || naming.source === 'metadata') && datacenter !== (naming?.datacenters()[0] ?? o.datacenter)) return undefined;
  return listVms(source, { ...o, naming }).find((vm) => vm.name === vmName && vm.datacenter === datacenter);
}
