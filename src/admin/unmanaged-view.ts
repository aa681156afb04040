/**
 * Appendix F.4's "Information of VVOLs Not Used by VMs" as data: the unmanaged VVols of
 * every array as the relation file sorts them (src/relation/model.ts decides, read
 * here, not repeated), each with its LD name, attribute, disk array and what the
 * operator can do about it (manual A.2, "Deletion of Unnecessary VVOLs").
 */
import type { DiskArrayEngine } from '../array/engine';
import { hex4 } from '../array/ids';
import { namingOf, type ResolveOptions } from '../backup/vm-resolver';
import { buildRelationModel } from '../relation/model';

export type UnmanagedEngine = Pick<DiskArrayEngine, 'listArrays' | 'scanLds' | 'ldsById' | 'lastSequences' | 'ldDetail'>;

export type UnmanagedKind = 'invalid' | 'deleting' | 'cloning' | 'rv';

/** F.4 (2)'s words for each kind, with the relation file's list name in brackets. */
export const UNMANAGED_STATUS: Record<UnmanagedKind, string> = {
  invalid: 'Unknown VVOL (invalidVVOLList)',
  deleting: 'Deleting (deletingVVOL)',
  cloning: 'Cloning (cloningVVOL)',
  rv: 'Backup remained by policy (rvVVOLList)',
};

/** A.2: what each kind means and what to do. */
export const UNMANAGED_ACTION: Record<UnmanagedKind, string> = {
  invalid: 'Not associated with a virtual machine: unnecessary. Check it with "array ld show", then delete it ("array vvol delete").',
  deleting: 'Being deleted. If the deletion is complete on vCenter Server it may be unnecessary: judge by the deletion start time.',
  cloning: 'Being cloned. If the cloning is complete on vCenter Server it may be unnecessary.',
  rv: 'A backup volume left by the backup policy after its VM was deleted. If it will not be used again, delete it ("array ldunbind").',
};

export interface UnmanagedVvol {
  kind: UnmanagedKind;
  /** F.4 (1): the logical disk name. */
  volume: string;
  ldn: string;
  status: string;
  /** F.4 (3): the VMware type and the RPL/snapshot/clone attributes as iSM shows them. */
  attribute: string;
  arrayName: string;
  /** deletingTime or cloningTime. */
  since: number | null;
  /** rvVVOLList: the VM id of the MV, "" when unknown. */
  mvVmId: string | null;
  action: string;
}

/** Every unmanaged VVol of the arrays the engine sees, by array then LD number. */
export function listUnmanaged(engine: UnmanagedEngine, o: ResolveOptions): UnmanagedVvol[] {
  const out: UnmanagedVvol[] = [];
  // The relation file's own sorting, with the same VM names (vCenter's when it is set): one judgement of what is unmanaged.
  const naming = namingOf(o);
  for (const array of engine.listArrays()) {
    const { unmanaged } = buildRelationModel(engine, array, { datacenter: o.datacenter, naming });
    const entries: { kind: UnmanagedKind; ldn: number; since: number | null; mvVmId: string | null }[] = [
      ...unmanaged.invalid.map((ldn) => ({ kind: 'invalid' as const, ldn, since: null, mvVmId: null })),
      ...unmanaged.deleting.map((d) => ({ kind: 'deleting' as const, ldn: d.ldn, since: d.since, mvVmId: null })),
      ...unmanaged.cloning.map((d) => ({ kind: 'cloning' as const, ldn: d.ldn, since: d.since, mvVmId: null })),
      ...unmanaged.rvs.map((r) => ({ kind: 'rv' as const, ldn: r.ldn, since: null, mvVmId: r.mvVmId })),
    ];
    entries.sort((a, b) => a.ldn - b.ldn);
    for (const e of entries) {
      const ld = engine.ldDetail(array.name, e.ldn);
      out.push({
        kind: e.kind, volume: ld.name, ldn: hex4(e.ldn), status: UNMANAGED_STATUS[e.kind],
        attribute: [ld.vmwareType, ld.rpl, ld.snap, ld.clone].join(' / '),
        arrayName: array.name, since: e.since, mvVmId: e.mvVmId, action: UNMANAGED_ACTION[e.kind],
      });
    }
  }
  return out;
}
