/**
 * The backup operation commands (Appendix E.1, F.3; K1-K6, L9) over the engine: each
 * resolves the VM (vm-resolver.ts), asks the engine for one state change per
 * transaction and returns what the console shows, with the manual's messages and the
 * exit status (0 normal, 1 abnormal). Background copies progress with the engine's tick.
 *
 * With vCenter (the `naming` and `power` options, src/vcenter/): VMs and datacenters are
 * vCenter's, and a restore first powers the VM off through vCenter (F.3.3: "shut down
 * the VM ... before starting restore") and leaves it off; when it cannot be powered off
 * nothing is restored. That is why `restore` is asynchronous.
 */
import type { DiskArrayEngine } from '../array/engine';
import { isArrayError } from '../array/errors';
import { hex4 } from '../array/ids';
import type { BackupVm } from '../array/backups';
import { messageOf, VCenterUnavailableError } from '../vcenter/errors';
import { VCENTER_INFO_FAILED } from '../vcenter/messages';
import type { VmPowerControl } from '../vcenter/power';
import { onlineBackupBlock, relationBlock, statusLines } from './format';
import { disksOf, listVms, namingOf, resolveVm, ResolveOptions, ResolvedVm } from './vm-resolver';

export interface CommandResult {
  /** Console lines (INFO). */
  out: string[];
  /** Error lines. */
  err: string[];
  exit: 0 | 1;
}

export interface BackupOptions extends ResolveOptions {
  /** The vCenter server's address (E.1.2 "vCenterServer"), empty while none is registered (with `naming`, its own address counts). */
  vCenterServer: string;
  /** Powers a VM off through vCenter before a restore (the vCenter link); absent: restores as without vCenter. */
  power?: VmPowerControl;
}

export const E2 = {
  notExist: (dc: string, vm: string) => `Specified VM(${dc}/${vm}) does not exist.`,
  checking: 'Start to check information of specified VM.',
  backingUp: 'Start to back up the specified VM.',
  commandFailed: (command: string, message: string) => [`Failed to execute command(${command}).`, message],
  unexpected: 'Unexpected error occurred.',
  vCenterInfo: VCENTER_INFO_FAILED,
};

/** Why a restore was refused because the VM could not be powered off (nothing was overwritten). */
export const powerOffRefused = (dc: string, vm: string, server: string): string =>
  `Failed to power off VM(${dc}/${vm}) through vCenter Server ${server}, so nothing was restored; the VM's disks are as they were.`;

export interface RestoreRequest {
  /** LD names or disk files of the data VVols to restore; empty: every data VVol. */
  disks: string[];
  from: 'last' | 'previous';
  /** F.3.3: the config VVol only when asked for. */
  config: boolean;
}

type Engine = Pick<DiskArrayEngine, 'listArrays' | 'scanLds' | 'ldsById' | 'lastSequences' | 'diskBackup' | 'beginBackup' | 'startBackupCopies' | 'cancelBackup' | 'beginRestore'>;

const ok = (out: string[]): CommandResult => ({ out, err: [], exit: 0 });
const failed = (err: string[], out: string[] = []): CommandResult => ({ out, err, exit: 1 });

function errorLines(e: unknown, command?: string): string[] {
  // vCenter is set but never answered: E.2's line, then what went wrong.
  if (e instanceof VCenterUnavailableError) return [E2.vCenterInfo, e.message];
  if (!isArrayError(e)) return [E2.unexpected];
  return command ? E2.commandFailed(command, e.message) : [e.message];
}

export class BackupOperations {
  constructor(private readonly engine: Engine, private readonly o: BackupOptions) {}

  private vm(name: string, dc: string): ResolvedVm | undefined {
    return resolveVm(this.engine, name, dc, this.o);
  }

  private ref(vm: ResolvedVm): BackupVm {
    return { vmId: vm.id, vmName: vm.name, datacenter: vm.datacenter };
  }

  /** The vCenterServer the console shows: the link's when there is one. */
  private get vCenterServer(): string {
    return namingOf(this.o)?.vCenterServer || this.o.vCenterServer;
  }

  /** K5, E.1.2: VM-VVOLRelation. */
  relation(vmName: string, dc: string): CommandResult {
    try {
      const vm = this.vm(vmName, dc);
      if (!vm) return failed([E2.notExist(dc, vmName)]);
      return ok(relationBlock(vm, this.vCenterServer));
    } catch (e) {
      return failed(errorLines(e));
    }
  }

  /** K1, E.1.1: onlineBackup. Starts the copies; their progress is in `status`. */
  online(vmName: string, dc: string): CommandResult {
    const out = [E2.checking];
    let vm: ResolvedVm | undefined;
    let begun: ReturnType<Engine['beginBackup']>;
    try {
      vm = this.vm(vmName, dc);
      if (!vm) return failed([E2.notExist(dc, vmName)], out);
      begun = this.engine.beginBackup(this.ref(vm), disksOf(vm).map((d) => d.disk.ldId));
    } catch (e) {
      return failed(errorLines(e), out);
    }
    out.push(E2.backingUp);
    try {
      this.engine.startBackupCopies(begun.jobId);
    } catch (e) {
      return failed(errorLines(e, 'iSMrc_replicate'), out);
    }
    out.push(...onlineBackupBlock(vm, begun.targets));
    return ok(out);
  }

  /** K3, F.3.2: cancels the running backup of a VM. */
  cancel(vmName: string, dc: string): CommandResult {
    try {
      const vm = this.vm(vmName, dc);
      if (!vm) return failed([E2.notExist(dc, vmName)]);
      return ok([this.engine.cancelBackup(this.ref(vm))]);
    } catch (e) {
      return failed(errorLines(e));
    }
  }

  /**
   * K4, F.3.3: restores virtual disks from their last or previous backup. With vCenter
   * the VM is powered off through it first and stays off; when that fails, nothing is
   * restored. A restore the engine will refuse anyway (no such backup, snapshots) is
   * refused without touching the VM.
   */
  async restore(vmName: string, dc: string, r: RestoreRequest): Promise<CommandResult> {
    try {
      const vm = this.vm(vmName, dc);
      if (!vm) return failed([E2.notExist(dc, vmName)]);
      const all = disksOf(vm);
      const unknown = r.disks.filter((n) => !all.some(({ disk }) => disk.role === 'data' && (disk.name === n || disk.diskFile === n)));
      if (unknown.length) return failed([`The virtual disk ${unknown.join(', ')} is not a disk of VM(${vm.datacenter}/${vm.name}).`]);
      const chosen = all.filter(({ disk }) => (disk.role === 'config' ? r.config : r.disks.length === 0 || r.disks.includes(disk.name) || r.disks.includes(disk.diskFile)));
      const out: string[] = [];
      if (this.o.power && !this.refusedAnyway(chosen.map((c) => c.disk), r.from)) {
        const powered = await this.powerOff(vm);
        if ('refused' in powered) return failed(powered.refused);
        if (powered.line) out.push(powered.line);
      }
      const started = this.engine.beginRestore(this.ref(vm), chosen.map((c) => c.disk.ldId), r.from);
      out.push(`Start to restore VM(${vm.datacenter}/${vm.name}) from the ${r.from === 'last' ? 'last' : 'previous'} backup.`);
      for (const s of started.sources) {
        const d = chosen.find((c) => c.disk.ldId === s.mvId);
        if (d) out.push(`  LD Name: ${d.disk.name}  Restore LD Name: ${s.rv.rvName} (${hex4(s.rv.rvLdn)}h)  Diskarray Name: ${d.part.array.name}`);
      }
      return ok(out);
    } catch (e) {
      return failed(errorLines(e));
    }
  }

  /** Whether the engine will refuse this restore whatever the VM's power state (K4: no such backup, snapshots). */
  private refusedAnyway(disks: { ldId: number; snapshotLdns: number[] }[], from: 'last' | 'previous'): boolean {
    if (disks.length === 0) return true;
    return disks.some((d) => {
      const b = this.engine.diskBackup(d.ldId);
      return d.snapshotLdns.length > 0 || !(from === 'last' ? b.last : b.previous);
    });
  }

  private async powerOff(vm: ResolvedVm): Promise<{ line?: string } | { refused: string[] }> {
    const power = this.o.power as VmPowerControl;
    try {
      const outcome = await power.powerOff(vm.id, vm.name);
      if (outcome === 'no-vcenter') return {};
      const what = outcome === 'was-off' ? 'is powered off' : `was powered off through vCenter Server ${power.server}`;
      return { line: `VM(${vm.datacenter}/${vm.name}) ${what}; it stays off.` };
    } catch (e) {
      return { refused: [powerOffRefused(vm.datacenter, vm.name, power.server), messageOf(e)] };
    }
  }

  /** F.3 (8)-(14): per VM and disk, the state, last and previous backup, time remaining. */
  status(vmName?: string, dc?: string): CommandResult {
    try {
      let vms: ResolvedVm[];
      if (vmName !== undefined) {
        const where = dc ?? namingOf(this.o)?.datacenters()[0] ?? this.o.datacenter;
        const vm = this.vm(vmName, where);
        if (!vm) return failed([E2.notExist(where, vmName)]);
        vms = [vm];
      } else {
        vms = listVms(this.engine, this.o).filter((vm) => disksOf(vm).some(({ disk }) => disk.rvLdns.length > 0));
      }
      if (vms.length === 0) return ok(['No virtual machine has backup volumes.']);
      const out: string[] = [];
      for (const vm of vms) {
        if (out.length) out.push('');
        out.push(`VM(${vm.datacenter}/${vm.name})`);
        for (const { part, disk } of disksOf(vm)) {
          out.push(`${disk.role === 'config' ? 'config-vvol' : 'data-vvol'}:`, ...statusLines(disk, part, this.engine.diskBackup(disk.ldId)));
        }
      }
      return ok(out);
    } catch (e) {
      return failed(errorLines(e));
    }
  }
}
