/**
 * Reads the datacenters and their VMs with the PropertyCollector: one ContainerView of
 * Datacenters over the root folder, then per datacenter one ContainerView of VMs over
 * its vmFolder (recursive: subfolders and vApps), so each VM's datacenter is the one
 * whose folder holds it, without walking parent chains. Each view is destroyed after
 * its read; pages of up to `pageSize` objects follow vCenter's tokens.
 */
import type { Clock } from '../array/clock';
import { oneObject, propSet, VimClient, viewObjects } from './client';
import { VCenterError } from './errors';
import { folderOf, InventorySnapshot, InventoryVm, PowerState } from './naming';
import type { MoRef, VimNode } from './xml';
import { moRefOf } from './xml';

export const VM_PATHS = ['name', 'config.instanceUuid', 'config.uuid', 'runtime.powerState', 'config.files.vmPathName', 'config.template'];

const POWER: readonly PowerState[] = ['poweredOn', 'poweredOff', 'suspended'];

const text = (n: VimNode | undefined): string | undefined => (n === undefined ? undefined : n.text.trim());

async function inView<T>(client: VimClient, container: MoRef, type: string, read: (view: MoRef) => Promise<T>): Promise<T> {
  const view = await client.createContainerView(container, [type], true);
  try {
    return await read(view);
  } finally {
    await client.destroyView(view);
  }
}

function toVm(o: { obj: MoRef; props: Map<string, VimNode> }, datacenter: string): InventoryVm | undefined {
  const instanceUuid = text(o.props.get('config.instanceUuid'))?.toLowerCase();
  // A VM without a readable configuration (inaccessible, orphaned) has no id to match VVols by.
  if (!instanceUuid) return undefined;
  const state = text(o.props.get('runtime.powerState')) as PowerState | undefined;
  return {
    instanceUuid,
    biosUuid: text(o.props.get('config.uuid'))?.toLowerCase() || null,
    name: text(o.props.get('name')) ?? o.obj.value,
    datacenter,
    powerState: state && POWER.includes(state) ? state : 'poweredOff',
    folder: folderOf(text(o.props.get('config.files.vmPathName'))),
    moref: o.obj.value,
    template: text(o.props.get('config.template')) === 'true',
  };
}

/** The inventory now; call it inside client.withSession. */
export async function readInventory(client: VimClient, server: string, clock: Clock, pageSize = 1000): Promise<InventorySnapshot> {
  const sc = await client.serviceContent();
  const dcs = await inView(client, sc.rootFolder, 'Datacenter', (view) => client.retrieve(propSet('Datacenter', ['name', 'vmFolder']) + viewObjects(view), pageSize));
  const datacenters: string[] = [];
  const vms: InventoryVm[] = [];
  for (const dc of dcs) {
    const name = text(dc.props.get('name')) ?? dc.obj.value;
    datacenters.push(name);
    const vmFolder = moRefOf(dc.props.get('vmFolder'));
    if (!vmFolder) throw new VCenterError('protocol', `vCenter Server ${server} gave the datacenter ${name} no vmFolder.`);
    const found = await inView(client, vmFolder, 'VirtualMachine', (view) => client.retrieve(propSet('VirtualMachine', VM_PATHS) + viewObjects(view), pageSize));
    for (const o of found) {
      const vm = toVm(o, name);
      if (vm) vms.push(vm);
    }
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  datacenters.sort(byName);
  vms.sort((a, b) => byName(a.name, b.name) || byName(a.instanceUuid, b.instanceUuid));
  return { server, readAt: clock.now(), datacenters, vms };
}

/** One VM's power state now (its object read directly). */
export async function readPowerState(client: VimClient, vm: MoRef): Promise<PowerState | undefined> {
  const [o] = await client.retrieve(propSet('VirtualMachine', ['runtime.powerState']) + oneObject(vm));
  const s = text(o?.props.get('runtime.powerState')) as PowerState | undefined;
  return s && POWER.includes(s) ? s : undefined;
}
