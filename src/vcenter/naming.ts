/**
 * How the provider names VMs and their datacenters, in one module for everyone who
 * shows or resolves them (the relation file, the backup commands, the scheduler):
 *
 *  - without vCenter settings, as before the link: a VM is named by its config VVol's
 *    VMW_VVolName, in the one datacenter the provider names ("Datacenter");
 *  - with them, as vCenter's inventory says: the VM whose instance UUID (config.instanceUuid,
 *    what vSphere writes as VMW_VmID into every VVol of the VM) is the VVols' VMW_VmID
 *    gets its vCenter name and datacenter; VVols of a VM vCenter does not know belong to
 *    no VM (a VM deleted in vCenter "no longer exists"). The BIOS UUID (config.uuid) is
 *    the second key, for VVols written by a tool that used it.
 *
 * Everything here is plain data (VmNamingData) or built from it, so it crosses to the
 * relation worker thread as it is.
 */
import crypto from 'node:crypto';
import { VCenterUnavailableError } from './errors';

export type PowerState = 'poweredOn' | 'poweredOff' | 'suspended';

/** One VM as vCenter knows it. */
export interface InventoryVm {
  /** config.instanceUuid, lower case: vSphere's VMW_VmID. */
  instanceUuid: string;
  /** config.uuid (the BIOS UUID), lower case; null when unset. */
  biosUuid: string | null;
  name: string;
  datacenter: string;
  powerState: PowerState;
  /** The VM's folder on its datastore ("[vvolDS] rfc4122.1b2c..."), from config.files.vmPathName; null when unknown. */
  folder: string | null;
  /** The managed object id (vm-42). */
  moref: string;
  template: boolean;
}

/** What one refresh read. */
export interface InventorySnapshot {
  /** vCenter's address (the vCenterServer of the relation file). */
  server: string;
  /** When it was read (injected clock). */
  readAt: number;
  /** Every datacenter, by name. */
  datacenters: string[];
  /** Every VM that has an instance UUID, by name. */
  vms: InventoryVm[];
}

export type VmNamingData =
  | { source: 'metadata'; datacenter: string; vCenterServer: string }
  | {
    source: 'vcenter';
    vCenterServer: string;
    /** The last good inventory; null when none was ever read. */
    inventory: InventorySnapshot | null;
    /** Why the last refresh failed (or why there is no inventory); null when it worked. */
    problem: string | null;
  };

/** A VM's name and datacenter as the provider shows them. */
export interface NamedVm {
  name: string;
  datacenter: string;
  /** vCenter's view of it; absent with metadata naming. */
  vcenter?: InventoryVm;
}

const lower = (s: string) => s.trim().toLowerCase();

export class VmNaming {
  private byId?: Map<string, InventoryVm>;

  private constructor(readonly data: VmNamingData) {}

  static of(data: VmNamingData): VmNaming {
    return new VmNaming(data);
  }

  /** Metadata naming (no vCenter settings): the provider's datacenter name. */
  static metadata(datacenter: string, vCenterServer = ''): VmNaming {
    return new VmNaming({ source: 'metadata', datacenter, vCenterServer });
  }

  get source(): 'metadata' | 'vcenter' {
    return this.data.source;
  }

  get vCenterServer(): string {
    return this.data.vCenterServer;
  }

  /** The inventory the names come from; undefined with metadata naming. Throws when vCenter is set but never answered. */
  private inventory(): InventorySnapshot | undefined {
    const d = this.data;
    if (d.source === 'metadata') return undefined;
    if (!d.inventory) throw new VCenterUnavailableError(d.vCenterServer, d.problem ?? 'no inventory has been read yet');
    return d.inventory;
  }

  /** Whether names can be given (metadata naming, or an inventory was read). */
  get available(): boolean {
    return this.data.source === 'metadata' || this.data.inventory !== null;
  }

  /** Why not, when not available (or why the names may be old: the last refresh failed). */
  get problem(): string | null {
    return this.data.source === 'vcenter' ? this.data.problem : null;
  }

  /** The datacenters a relation file lists, in name order. */
  datacenters(): string[] {
    const inv = this.inventory();
    return inv ? [...inv.datacenters] : [this.data.source === 'metadata' ? this.data.datacenter : ''];
  }

  /**
   * The VM vSphere calls `vmId` (VMW_VmID): with metadata naming every id is a VM, named
   * `metadataName` (undefined: its config VVol is elsewhere; named by its id); with vCenter,
   * only the VMs vCenter knows.
   */
  vm(vmId: string, metadataName?: string): NamedVm | undefined {
    const inv = this.inventory();
    if (!inv) return { name: metadataName ?? vmId, datacenter: (this.data as { datacenter: string }).datacenter };
    const vm = this.index(inv).get(lower(vmId));
    return vm ? { name: vm.name, datacenter: vm.datacenter, vcenter: vm } : undefined;
  }

  /** Whether vmId names a VM (always with metadata naming). */
  knows(vmId: string): boolean {
    return this.vm(vmId) !== undefined;
  }

  private index(inv: InventorySnapshot): Map<string, InventoryVm> {
    if (!this.byId) {
      const m = new Map<string, InventoryVm>();
      // The BIOS UUIDs first, so an instance UUID equal to another VM's BIOS UUID wins.
      for (const vm of inv.vms) if (vm.biosUuid && !m.has(vm.biosUuid)) m.set(vm.biosUuid, vm);
      for (const vm of inv.vms) m.set(vm.instanceUuid, vm);
      this.byId = m;
    }
    return this.byId;
  }

  /**
   * What a relation file depends on beyond the array: the names and datacenters (not the
   * power states), so a VM renamed in vCenter makes a new file. Empty for metadata naming.
   */
  digest(): string {
    const inv = this.data.source === 'vcenter' ? this.data.inventory : null;
    if (!inv) return '';
    const h = crypto.createHash('sha256');
    h.update(JSON.stringify(inv.datacenters));
    for (const vm of [...inv.vms].sort((a, b) => (a.instanceUuid < b.instanceUuid ? -1 : 1))) h.update(`\u0000${vm.instanceUuid}\u0001${vm.biosUuid ?? ''}\u0001${vm.name}\u0001${vm.datacenter}`);
    return h.digest('hex').slice(0, 32);
  }
}

/** "[ds] folder/vm.vmx" -> "[ds] folder" (the VM's home on its datastore). */
export function folderOf(vmPathName: string | undefined): string | null {
  if (!vmPathName) return null;
  const i = vmPathName.lastIndexOf('/');
  return i < 0 ? vmPathName : vmPathName.slice(0, i);
}
