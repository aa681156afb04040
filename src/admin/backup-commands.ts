/**
 * `backup`: the backup operation commands of Appendix E and F.3 (K1-K6, L9):
 * `online` (onlineBackup), `relation` (VM-VVOLRelation), `status`, `cancel`, `restore`.
 * Messages go to the console as the manual prints them; exit 0 normal, 1 abnormal.
 * Like every CLI call, background copies are advanced (engine tick) first. With vCenter
 * settings the VMName and DataCenterName are vCenter's: the inventory is read once
 * before the command (the daemon's saved one while it is current), and `restore` powers
 * the VM off through vCenter first.
 */
import type { Command } from 'commander';
import type { DiskArrayEngine } from '../array/engine';
import { BackupOperations, BackupOptions, CommandResult } from '../backup/operations';
import { dataDir } from '../sys/runtime';
import type { VmNamingData } from '../vcenter/naming';
import { withManagedAssembly } from './run';

export interface BackupCliContext {
  engine: DiskArrayEngine;
  options: BackupOptions;
  /** Printed to stderr before the command's output (vCenter answered not, older names are used). */
  warnings?: string[];
  close(): void;
}

export type BackupOpener = (o: { data: string }) => BackupCliContext | Promise<BackupCliContext>;

/** The same assembly as the daemon's: the managed arrays, the vCenter link's names, restores that power VMs off. */
export async function openBackupFolder(o: { data: string }): Promise<BackupCliContext> {
  let refresh: () => Promise<VmNamingData> = () => Promise.resolve({ source: 'metadata', datacenter: '', vCenterServer: '' });
  const ctx = withManagedAssembly(o.data, (a) => {
    refresh = () => a.vcenter.freshNaming(a.cliInventoryAgeMs(), a.relation.options.datacenter);
    return { engine: a.managed, options: a.backupOptions() };
  });
  try {
    const naming = await refresh();
    const stale = naming.source === 'vcenter' && naming.inventory && naming.problem;
    return stale ? { ...ctx, warnings: [`vCenter Server ${naming.vCenterServer} did not answer (${naming.problem}); VM names are as read at ${new Date((naming.inventory as { readAt: number }).readAt).toISOString()}.`] } : ctx;
  } catch (e) {
    ctx.close();
    throw e;
  }
}

function print(r: CommandResult): void {
  if (r.out.length) process.stdout.write(`${r.out.join('\n')}\n`);
  if (r.err.length) process.stderr.write(`${r.err.join('\n')}\n`);
  process.exitCode = r.exit;
}

async function run(cmd: Command, open: BackupOpener, body: (ops: BackupOperations) => CommandResult | Promise<CommandResult>): Promise<void> {
  const { data } = cmd.optsWithGlobals<{ data: string }>();
  let ctx: BackupCliContext | undefined;
  try {
    ctx = await open({ data });
    for (const w of ctx.warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
    ctx.engine.tick();
    print(await body(new BackupOperations(ctx.engine, ctx.options)));
  } catch (e) {
    process.stderr.write(`Unexpected error occurred.\n${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  } finally {
    ctx?.close();
  }
}

export function registerBackupCommands(program: Command, open: BackupOpener = openBackupFolder): Command {
  const backup = program
    .command('backup')
    .description('back up and restore VMs to their backup volumes (manual Appendix E, F.3)')
    .option('--data <dir>', 'provider data folder (env VASA_PROVIDER_DATA)', dataDir());

  backup
    .command('online <VMName> <DataCenterName>')
    .description('start an online backup of a VM (onlineBackup.bat, E.1.1); progress: `backup status`')
    .action((vm: string, dc: string, _o: unknown, cmd: Command) => run(cmd, open, (ops) => ops.online(vm, dc)));

  backup
    .command('relation <VMName> <DataCenterName>')
    .description('show the VM, its VVols and their backup volumes (VM-VVOLRelation.bat, E.1.2)')
    .action((vm: string, dc: string, _o: unknown, cmd: Command) => run(cmd, open, (ops) => ops.relation(vm, dc)));

  backup
    .command('status [VMName] [DataCenterName]')
    .description('backup state of each VM and virtual disk: state, last and previous backup, time remaining (F.3)')
    .action((vm: string | undefined, dc: string | undefined, _o: unknown, cmd: Command) => run(cmd, open, (ops) => ops.status(vm, dc)));

  backup
    .command('cancel <VMName> <DataCenterName>')
    .description('cancel the running backup of a VM; its backup volumes become invalid (F.3.2)')
    .action((vm: string, dc: string, _o: unknown, cmd: Command) => run(cmd, open, (ops) => ops.cancel(vm, dc)));

  backup
    .command('restore <VMName> <DataCenterName>')
    .description('restore virtual disks of a VM from a backup (F.3.3); refused while the VM has snapshots')
    .option('--disk <name...>', 'data VVols to restore, by LD name or disk file (default: all)')
    .option('--previous', 'from the previous backup (default: the last one)')
    .option('--config', 'also restore the config VVol (not needed normally)')
    .action((vm: string, dc: string, o: { disk?: string[]; previous?: boolean; config?: boolean }, cmd: Command) =>
      run(cmd, open, (ops) => ops.restore(vm, dc, { disks: o.disk ?? [], from: o.previous ? 'previous' : 'last', config: !!o.config })));
  return backup;
}
