/**
 * /vms, /unmanaged-vvols and /pools: the RV backup screens' data and commands (Appendix
 * E, F). Every command is BackupOperations' (the CLI's `backup ...` runs the same), so
 * its messages are the manual's, word for word; this file only picks the HTTP status:
 *
 *   success                         200 (cancel), 202 (backup, restore: copies run on)
 *   "Specified VM(dc/vm) does not exist."   404, field vm
 *   a restore naming a disk the VM lacks   400, field disks
 *   "Unexpected error occurred."            422
 *   any other refusal (already running, no policy, snapshots, parallel limit ...) 409
 *
 * with `error` the command's error lines and `details.messages` what it printed before.
 */
import { backupScript } from '../backup-script';
import { listVmBackups, vmBackupDetail } from '../backup-view';
import { poolCapacities } from '../capacity-view';
import { listUnmanaged } from '../unmanaged-view';
import { BackupOperations, type CommandResult, E2, type RestoreRequest } from '../../backup/operations';
import { SchedulerError } from '../../scheduler/contract';
import type { ApiContext, ApiRoute, Reply } from './route';
import { json } from './route';
import type { ParamSpecs } from './validation';

const NAME = (what: string) => ({
  required: true, description: `The ${what} name.`,
  schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^/\\u0000-\\u001f]+$', description: 'a name without "/" or control characters' },
});
const VM_PATH: ParamSpecs = { datacenter: NAME('datacenter'), vm: NAME('VM') };

interface VmRef {
  vm: string;
  dc: string;
}
const ref = (c: ApiContext): VmRef => ({ vm: c.params.vm as string, dc: c.params.datacenter as string });

/** The command's answer as HTTP: its lines on success, the refusal mapped as the header says. */
function answer(r: CommandResult, at: VmRef, okStatus: number, badDisks = false): Reply {
  if (r.exit === 0) return json(okStatus, { messages: r.out });
  const message = r.err.join('\n');
  const details = { messages: r.out };
  if (r.err[0] === E2.notExist(at.dc, at.vm)) throw new SchedulerError('NOT_FOUND', message, 'vm', details);
  if (badDisks) throw new SchedulerError('INVALID', message, 'disks', details);
  if (r.err[0] === E2.unexpected) throw new SchedulerError('FAILED', message, undefined, details);
  throw new SchedulerError('CONFLICT', message, undefined, details);
}

function operations(c: ApiContext): BackupOperations {
  // As every CLI call does: background copies advanced to now first.
  c.backup.engine.tick();
  return new BackupOperations(c.backup.engine, c.backup.options);
}

/** Whether the restore names a data disk the VM does not have (its refusal is then about the `disks` field). */
function namesUnknownDisk(c: ApiContext, at: VmRef, disks: string[]): boolean {
  const vm = vmBackupDetail(c.backup.engine, c.backup.options, at.vm, at.dc);
  if (!vm) return false;
  return disks.some((n) => !vm.disks.some((d) => d.role === 'data' && (d.ldName === n || d.diskFile === n)));
}

export const RV_BACKUP_ROUTES: ApiRoute[] = [
  {
    method: 'get', path: '/vms', operationId: 'listVmBackups', tag: 'vms', summary: 'VMs and their backup state (F.2)',
    ok: { status: 200, description: 'Every VM: backup policy, generations, state, last and previous backup time, time remaining.', schema: 'VmBackup', list: true }, errors: [],
    handle: (c) => json(200, listVmBackups(c.backup.engine, c.backup.options)),
  },
  {
    method: 'get', path: '/vms/{datacenter}/{vm}', operationId: 'getVmBackup', tag: 'vms', summary: 'A VM\'s backup information (F.3)',
    params: VM_PATH, ok: { status: 200, description: 'The VM and, per virtual disk, its LD, backup volumes, states and dates.', schema: 'VmBackupDetail' }, errors: [404],
    handle: (c) => {
      const at = ref(c);
      const vm = vmBackupDetail(c.backup.engine, c.backup.options, at.vm, at.dc);
      if (!vm) throw new SchedulerError('NOT_FOUND', E2.notExist(at.dc, at.vm), 'vm');
      return json(200, vm);
    },
  },
  {
    method: 'post', path: '/vms/{datacenter}/{vm}/backup', operationId: 'onlineBackup', tag: 'vms', summary: 'Start an online backup (E.1.1, F.3.1)',
    description: 'The older backup volume of a VM with two generations is overwritten. Follow the state at /vms/{datacenter}/{vm}.',
    params: VM_PATH, ok: { status: 202, description: 'Started: onlineBackup\'s messages.', schema: 'CommandMessages' }, errors: [404, 409, 422],
    handle: (c) => answer(operations(c).online(ref(c).vm, ref(c).dc), ref(c), 202),
  },
  {
    method: 'post', path: '/vms/{datacenter}/{vm}/cancel', operationId: 'cancelBackup', tag: 'vms', summary: 'Cancel the running backup (F.3.2)',
    description: 'The backup volumes of a cancelled backup hold invalid data ("Backup failed") until the next backup. A mostly completed backup cannot be cancelled.',
    params: VM_PATH, ok: { status: 200, description: 'Cancelled: the event\'s text.', schema: 'CommandMessages' }, errors: [404, 409, 422],
    handle: (c) => answer(operations(c).cancel(ref(c).vm, ref(c).dc), ref(c), 200),
  },
  {
    method: 'post', path: '/vms/{datacenter}/{vm}/restore', operationId: 'restoreBackup', tag: 'vms', summary: 'Restore virtual disks from a backup (F.3.3)',
    description: 'Overwrites the disks in use: shut the VM down first. Refused while the VM has snapshots. The config VVol only with config: true.',
    params: VM_PATH, body: 'RvRestoreInput', ok: { status: 202, description: 'Started: the restore\'s messages.', schema: 'CommandMessages' }, errors: [404, 409, 422],
    handle: async (c) => {
      const at = ref(c);
      const b = c.body as { from?: 'last' | 'previous'; config?: boolean; disks?: string[] };
      const r: RestoreRequest = { from: b.from ?? 'last', config: b.config ?? false, disks: b.disks ?? [] };
      const result = await operations(c).restore(at.vm, at.dc, r);
      return answer(result, at, 202, result.exit !== 0 && namesUnknownDisk(c, at, r.disks));
    },
  },
  {
    method: 'post', path: '/vms/{datacenter}/{vm}/script', operationId: 'backupScript', tag: 'vms', summary: 'Generate a backup script (F.3.4)',
    description: 'A POSIX shell script running `vvolctl backup online` for the VM against this provider\'s data folder; use it on this management server.',
    params: VM_PATH, ok: { status: 200, description: 'The script.', schema: 'BackupScript' }, errors: [404],
    handle: (c) => {
      const at = ref(c);
      if (!vmBackupDetail(c.backup.engine, c.backup.options, at.vm, at.dc)) throw new SchedulerError('NOT_FOUND', E2.notExist(at.dc, at.vm), 'vm');
      return json(200, backupScript(at.vm, at.dc, c.backup.dataDir, c.backup.clock.now()));
    },
  },
  {
    method: 'get', path: '/unmanaged-vvols', operationId: 'listUnmanagedVvols', tag: 'arrays', summary: 'VVols not used by VMs (F.4)',
    ok: { status: 200, description: 'Unknown, deleting, cloning VVols and backup volumes left by the policy, with what to do about each (A.2).', schema: 'UnmanagedVvol', list: true }, errors: [],
    handle: (c) => json(200, listUnmanaged(c.backup.engine, c.backup.options)),
  },
  {
    method: 'get', path: '/pools', operationId: 'listPoolCapacity', tag: 'arrays', summary: 'Pool capacity',
    ok: { status: 200, description: 'Every pool: real capacity used, provisioned, threshold.', schema: 'PoolCapacity', list: true }, errors: [],
    handle: (c) => json(200, poolCapacities(c.backup.engine)),
  },
];
