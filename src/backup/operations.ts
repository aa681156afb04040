/**
 * The backup operation commands (Appendix E.1, F.3; K1-K6, L9) over the engine: each
 * resolves the VM (vm-resolver.ts), asks the engine for one state change per
 * transaction and returns what the console shows, with the manual's messages and the
 * exit status (0 normal, 1 abnormal). Background copies progress with the engine's tick.
 */
import type { DiskArrayEngine } from '../array/engine';
import { isArrayError } from '../array/errors';
import { hex4 } from '../array/ids';
import type { BackupVm } from '../array/backups';
import { onlineBackupBlock, relationBlock, statusLines } from './format';
import { disksOf, listVms, resolveVm, ResolveOptions, ResolvedVm } from './vm-resolver';

export interface CommandResult {
  /** Console lines (INFO). */
  out: string[];
  /** Error lines. */
  err: string[];
  exit: 0 | 1;
}

export interface BackupOptions extends ResolveOptions {
  /** The vCenter server's address (E.1.2 "vCenterServer"), empty while none is registered. */
  vCenterServer: string;
}

export const E2 = {
  notExist: (dc: string, vm: string) => `Specified VM(${dc}/${vm}) does not exist.`,
  checking: 'Start to check information of specified VM.',
  backingUp: 'Start to back up the specified VM.',
  commandFailed: (command: string, message: string) => [`Failed to execute command(${command}).`, message],
  unexpected: 'Unexpected error occurred.',
};

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

  /** K5, E.1.2: VM-VVOLRelation. */
  relation(vmName: string, dc: string): CommandResult {
    try {
      const vm = this.vm(vmName, dc);
      if (!vm) return failed([E2.notExist(dc, vmName)]);
      return ok(relationBlock(vm, this.o.vCenterServer));
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

  /** K4, F.3.3: restores virtual disks from their last or previous backup. */
  restore(vmName: string, dc: string, r: RestoreRequest): CommandResult {
    try {
      const vm = this.vm(vmName, dc);
      if (!vm) return failed([E2.notExist(dc, vmName)]);
      const all = disksOf(vm);
      const unknown = r.disks.filter((n) => !all.some(({ disk }) => disk.role === 'data' && (disk.name === n || disk.diskFile === n)));
      if (unknown.length) return failed([`The virtual disk ${unknown.join(', ')} is not a disk of VM(${vm.datacenter}/${vm.name}).`]);
      const chosen = all.filter(({ disk }) => (disk.role === 'config' ? r.config : r.disks.length === 0 || r.disks.includes(disk.name) || r.disks.includes(disk.diskFile)));
      const started = this.engine.beginRestore(this.ref(vm), chosen.map((c) => c.disk.ldId), r.from);
      const out = [`Start to restore VM(${vm.datacenter}/${vm.name}) from the ${r.from === 'last' ? 'last' : 'previous'} backup.`];
      for (const s of started.sources) {
        const d = chosen.find((c) => c.disk.ldId === s.mvId);
        if (d) out.push(`  LD Name: ${d.disk.name}  Restore LD Name: ${s.rv.rvName} (${hex4(s.rv.rvLdn)}h)  Diskarray Name: ${d.part.array.name}`);
      }
      return ok(out);
    } catch (e) {
      return failed(errorLines(e));
    }
  }

  /** F.3 (8)-(14): per VM and disk, the state, last and previous backup, time remaining. */
  status(vmName?: string, dc?: string): CommandResult {
    try {
      let vms: ResolvedVm[];
      if (vmName !== undefined) {
        const vm = this.vm(vmName, dc ?? this.o.datacenter);
        if (!vm) return failed([E2.notExist(dc ?? this.o.datacenter, vmName)]);
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
