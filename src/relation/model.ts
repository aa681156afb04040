/**
 * The relation model: one array read through the engine and sorted into the Table D-1
 * structure (manual Appendix C.1; rules X4, B13). It holds LD ids and numbers and the
 * VM ids and names; LD numbers, VVol names and namespaces of the VM members are fetched
 * page by page while writing (document.ts), so 100,000 VVols never make a document in
 * memory (the model of 50,000 VVols in 12,500 VMs is about 6 MB).
 *
 * How Table D-1 is read (the manual names tags and attributes but shows no sample):
 * - Nesting: Information > diskArray > datacenterList > datacenter > (validVVOLList,
 *   unManageVVOLList). The table lists datacenterList under diskArray and both
 *   validVVOLList and unManageVVOLList under datacenter, so unmanaged VVols sit in a
 *   datacenter too. Without vCenter settings there is one datacenter, named by the
 *   `datacenter` option ("Datacenter"). With vCenter (src/vcenter/naming.ts) every
 *   datacenter of vCenter is listed in name order, each with its VMs on this array; the
 *   VVols no VM uses belong to no datacenter, so unManageVVOLList is filled once, in the
 *   first datacenter, and empty in the others (vCenter without any datacenter: one
 *   datacenter named "" holds it).
 * - Every "id" of a VVOL element (configVVOL, dataVVOL, snapshot, rv, swapVVOL,
 *   memoryVVOL, invalidVVOL, deletingVVOL, cloningVVOL, rvVVOLList) is the "Logical disk
 *   number", written as iSM shows LDN(h): four upper-case hex digits ("0010"), so it can
 *   be passed to `iSMview -ln 0010h` as A.2 does. VM "id" is the VM UUID (VMW_VmID).
 * - The table spells the configVVOL attribute "Id" and the disk array's "Ip"; both are
 *   written exactly so. Every other id is "id".
 * - VVOL "name" is the VVol's VMW_VVolName (config: the VM name, data: the disk file),
 *   or the LD name when vSphere gave none. "namespace" is VMW_VVolNamespace ("" if none).
 *   VM "name" is the config VVol's VMW_VVolName, or the VM UUID when the VM has no
 *   config VVol on this array (its home is elsewhere); with vCenter, the name vCenter
 *   gives the VM whose instance UUID is the VMW_VmID.
 * - Times (startTimestamp, finishTimestamp, deletingTime, cloningTime) are xs:dateTime
 *   in UTC without fractions, "2026-01-02T03:04:05Z"; file names use YYYYMMDDHHMMSS.
 * - rvVVOLList carries id/type/mvVMid itself (the table gives it those attributes and
 *   no child), so there is one rvVVOLList element per left-over backup volume. "type"
 *   is the MV's VMware Type as iSM shows it (config-VVOL, vmdk-VVOL, ...).
 * - Lists (dataList, memoryList, fastcloneTargetList, validVVOLList, invalidVVOLList,
 *   actionVVOLList) are always written, possibly empty; single items (configVVOL,
 *   swapVVOL, fastcloneSourceVM) only when there is one.
 *
 * Which LD goes where (first rule that matches):
 * 1. A VVol being deleted (deletingSince; a snapshot deleted in the background) ->
 *    deletingVVOL with deletingTime.
 * 2. A VVol being full-cloned (cloningSince) -> cloningVVOL with cloningTime.
 * 3. A backup volume: the RV of a backup pair, or any LD in a pool named vvolbackup*.
 *    Paired with a listed config or data VVol -> an `rv` child of it; otherwise (its
 *    VM was deleted, B10/B13) -> rvVVOLList, mvVMid and type from the MV if it still
 *    exists, else from what an earlier pass saw of its pair (kept in the state file),
 *    else from the RV's own VM id and type; unknown: mvVMid "" and type "---". (The
 *    rare RV of a swap or memory VVol has no place under its VM and is listed here too.)
 * 4. A snapshot (ESV) of a listed data VVol -> a `snapshot` child. A snapshot of
 *    another VVol type of a VM is not listed (Table D-1 has no place for it, vSphere
 *    does not make one); a snapshot of an unmanaged VVol is an invalidVVOL.
 * 5. A VVol with a VM id (with vCenter: of a VM vCenter knows; the VVols of a VM deleted
 *    in vCenter go on by rule 6) -> a member of that VM by type: config -> configVVOL, data and
 *    other (digest disks are vmdk files too) -> dataList, swap -> swapVVOL, memory ->
 *    memoryList. A second config or swap VVol of one VM goes to dataList, so no LD of
 *    a VM is left out.
 * 6. A VVol without a VM id: invalidVVOL, except when it carries VMW_VVolNamespace -
 *    A.2: "VVOLs that are displayed as a file in the datastore file browser are not
 *    displayed in invalidVVOLList even if they are not used by a virtual machine."
 * Ordinary LDs outside backup pools, PEs and the SSV are not VVols and are not listed.
 * Fast clones: a VM with a VVol that is an FCV of another VM's VVol (or of its
 * snapshot) names that VM in fastcloneSourceVM; the source lists it in
 * fastcloneTargetList.
 */
import { hex4 } from '../array/ids';
import { VMWARE_TYPE_LABEL } from '../array/models';
import type { DiskArrayEngine, LdScanRow } from '../array/engine';
import type { DiskArray } from '../array/types';
import { VmNaming } from '../vcenter/naming';

/** What the relation file reads from the array (the engine, or anything shaped like it). */
export type RelationSource = Pick<DiskArrayEngine, 'listArrays' | 'scanLds' | 'ldsById' | 'lastSequences'>;

export const FILE_VERSION = '1.0';
export const INFO_TYPE = 'RelationBetweenVMandVVOL';
export const BACKUP_POOL_PREFIX = 'vvolbackup';
const NAMESPACE_KEY = 'VMW_VVolNamespace';
/** VVols whose metadata one query reads. */
const STRAY_PAGE = 2000;

/**
 * A VM by the LD ids of its VVols (numbers only: names, LD numbers and namespaces are
 * read page by page when written).
 */
export interface VmEntry {
  id: string;
  name: string;
  /** Its datacenter (vCenter's, or the `datacenter` option without vCenter). */
  datacenter: string;
  config: number | null;
  data: number[];
  swap: number | null;
  memory: number[];
  /** VM id of the fast-clone source. */
  source: string | null;
  /** VM ids of the fast clones made from this VM (null: none). */
  targets: string[] | null;
}

/** The `snapshot` and `rv` children of a listed VVol, by LD number; only VVols that have some. */
export interface Children {
  snapshots?: number[];
  rvs?: number[];
}

export interface TimedLd {
  ldn: number;
  since: number;
}
export interface LeftoverRv {
  ldn: number;
  type: string;
  mvVmId: string;
}
export interface Unmanaged {
  invalid: number[];
  deleting: TimedLd[];
  cloning: TimedLd[];
  rvs: LeftoverRv[];
}

/** What a pass remembers of a backup volume's pair, to name its VM after the VM is gone. */
export interface RvOwner {
  createdAt: number;
  vmId: string;
  type: string;
}

export interface RelationModel {
  array: DiskArray;
  /** The first datacenter listed (the only one without vCenter). */
  datacenter: string;
  /** The datacenters the file lists, in order; the VMs name theirs. */
  datacenters: string[];
  vms: VmEntry[];
  vmNames: Map<string, string>;
  /** Keyed by LD id of a listed config or data VVol. */
  children: Map<number, Children>;
  unmanaged: Unmanaged;
  /** Keyed by LD number (hex4); what the next pass should remember. */
  rvOwners: Record<string, RvOwner>;
}

export interface ModelOptions {
  /** The datacenter of metadata naming (no vCenter settings). */
  datacenter: string;
  /** How VMs are named; absent: by metadata, in `datacenter`. */
  naming?: VmNaming;
  /** What earlier passes remembered (state file). */
  rvOwners?: Record<string, RvOwner>;
}

type Row = Omit<LdScanRow, 'vvolId' | 'poolName' | 'rpl' | 'state'> & { backupPool: boolean };
type Role = 'config' | 'data' | 'other';

interface Membership {
  vm: VmEntry;
  role: Role;
}

export function typeLabel(t: LdScanRow['vvolType']): string {
  return t ? VMWARE_TYPE_LABEL[t] : '---';
}

function compact(r: LdScanRow): Row {
  return {
    id: r.id, ldn: r.ldn, kind: r.kind, vvolType: r.vvolType, vmId: r.vmId, parentId: r.parentId, snap: r.snap, clone: r.clone,
    deletingSince: r.deletingSince, cloningSince: r.cloningSince, createdAt: r.createdAt, backupOf: r.backupOf,
    configName: r.configName, hasNamespace: r.hasNamespace, backupPool: r.poolName.startsWith(BACKUP_POOL_PREFIX),
  };
}

const isBackup = (r: Row): boolean => r.backupOf !== null || r.backupPool;

function vmOf(vms: Map<string, VmEntry>, id: string): VmEntry {
  let vm = vms.get(id);
  if (!vm) {
    vm = { id, name: id, datacenter: '', config: null, data: [], swap: null, memory: [], source: null, targets: null };
    vms.set(id, vm);
  }
  return vm;
}

function addMember(vms: Map<string, VmEntry>, members: Map<number, Membership>, r: Row, vmId: string): void {
  const vm = vmOf(vms, vmId);
  let role: Role = 'other';
  if (r.vvolType === 'config' && vm.config === null) {
    vm.config = r.id;
    role = 'config';
    if (r.configName) vm.name = r.configName;
  } else if (r.vvolType === 'swap' && vm.swap === null) vm.swap = r.id;
  else if (r.vvolType === 'memory') vm.memory.push(r.id);
  else {
    vm.data.push(r.id);
    role = 'data';
  }
  members.set(r.id, { vm, role });
}

function child(children: Map<number, Children>, ldId: number): Children {
  let c = children.get(ldId);
  if (!c) children.set(ldId, (c = {}));
  return c;
}

/** Sorts the array's LDs into the Table D-1 structure (see the rules above). */
export function buildRelationModel(source: RelationSource, array: DiskArray, o: ModelOptions): RelationModel {
  const naming = o.naming ?? VmNaming.metadata(o.datacenter);
  // Throws (VCenterUnavailableError) when vCenter is set but no inventory was ever read: no file can name the VMs.
  const datacenters = naming.datacenters();
  const known = (vmId: string): boolean => naming.source === 'metadata' || naming.knows(vmId);
  const rows = new Map<number, Row>();
  const vms = new Map<string, VmEntry>();
  const members = new Map<number, Membership>(); // dropped when the model is built
  const unmanaged: Unmanaged = { invalid: [], deleting: [], cloning: [], rvs: [] };
  const snapshots: Row[] = [];
  const backups: Row[] = [];
  const strays: Row[] = [];
  const clones: Row[] = [];

  source.scanLds(array.name, (scanned) => {
    const r = compact(scanned);
    rows.set(r.id, r);
    if (r.kind === 'vvol' && r.deletingSince !== null) unmanaged.deleting.push({ ldn: r.ldn, since: r.deletingSince });
    else if (r.kind === 'vvol' && r.cloningSince !== null) unmanaged.cloning.push({ ldn: r.ldn, since: r.cloningSince });
    else if (isBackup(r)) backups.push(r);
    else if (r.kind !== 'vvol') rows.delete(r.id);
    else if (r.snap === 'ESV' && r.parentId !== null) snapshots.push(r);
    else if (r.vmId !== null && known(r.vmId)) {
      addMember(vms, members, r, r.vmId);
      if (r.clone === 'FCV' && r.parentId !== null) clones.push(r);
    } else if (r.vmId !== null) strays.push(r);
    else if (!r.hasNamespace) unmanaged.invalid.push(r.ldn);
  });
  // VVols of a VM vCenter does not know are used by no VM: rule 6 (the scan reads the namespace only of VVols without a VM id).
  for (let i = 0; i < strays.length; i += STRAY_PAGE) {
    const page = strays.slice(i, i + STRAY_PAGE);
    const meta = source.ldsById(page.map((r) => r.id), [NAMESPACE_KEY]);
    for (const r of page) if (meta.get(r.id)?.metadata[NAMESPACE_KEY] === undefined) unmanaged.invalid.push(r.ldn);
  }

  const children = new Map<number, Children>();
  for (const s of snapshots) {
    const base = members.get(s.parentId as number);
    if (base?.role === 'data') (child(children, s.parentId as number).snapshots ??= []).push(s.ldn);
    else if (!base && !(s.vmId !== null && vms.has(s.vmId))) unmanaged.invalid.push(s.ldn);
  }

  const remembered = o.rvOwners ?? {};
  const rvOwners: Record<string, RvOwner> = {};
  for (const rv of backups) {
    const key = hex4(rv.ldn);
    const mv = rv.backupOf === null ? undefined : rows.get(rv.backupOf);
    const m = rv.backupOf === null ? undefined : members.get(rv.backupOf);
    if (m && mv) rvOwners[key] = { createdAt: rv.createdAt, vmId: m.vm.id, type: typeLabel(mv.vvolType) };
    if (m && m.role !== 'other') (child(children, rv.backupOf as number).rvs ??= []).push(rv.ldn);
    else {
      const known = remembered[key]?.createdAt === rv.createdAt ? remembered[key] : undefined;
      const owner: RvOwner | undefined =
        mv?.vmId ? { createdAt: rv.createdAt, vmId: mv.vmId, type: typeLabel(mv.vvolType) }
        : known ?? (rv.vmId ? { createdAt: rv.createdAt, vmId: rv.vmId, type: typeLabel(rv.vvolType) } : undefined);
      if (owner) rvOwners[key] = owner;
      unmanaged.rvs.push({ ldn: rv.ldn, type: owner?.type ?? (mv ? typeLabel(mv.vvolType) : '---'), mvVmId: owner?.vmId ?? '' });
    }
  }
  unmanaged.invalid.sort((a, b) => a - b);
  unmanaged.rvs.sort((a, b) => a.ldn - b.ldn);

  for (const c of clones) {
    const target = members.get(c.id)?.vm;
    const srcId = rows.get(c.parentId as number)?.vmId ?? null;
    if (!target || srcId === null || srcId === target.id) continue;
    const src = vms.get(srcId);
    if (!src) continue;
    target.source ??= srcId;
    if (!(src.targets ??= []).includes(target.id)) src.targets.push(target.id);
  }

  const vmNames = new Map<string, string>();
  for (const vm of vms.values()) {
    const named = naming.vm(vm.id, vm.name);
    vm.name = named?.name ?? vm.name;
    vm.datacenter = named?.datacenter ?? datacenters[0] ?? '';
    vmNames.set(vm.id, vm.name);
  }
  const byName = (a: string, b: string): number => {
    const na = vmNames.get(a) as string;
    const nb = vmNames.get(b) as string;
    return na < nb ? -1 : na > nb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  };
  for (const vm of vms.values()) vm.targets?.sort(byName);
  const list = [...vms.values()].sort((a, b) => byName(a.id, b.id));
  return { array, datacenter: datacenters[0] ?? '', datacenters, vms: list, vmNames, children, unmanaged, rvOwners };
}
