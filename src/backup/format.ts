/**
 * The text blocks of Appendix E.1 (onlineBackup, VM-VVOLRelation) and the status lines
 * of F.3 (8)-(14), built from a resolved VM and the engine's backup states.
 */
import { hex4 } from '../array/ids';
import { BACKUP_STATE_LABEL, BackupTarget, DiskBackup, RvState } from '../array/backups';
import type { ResolvedVm, VmDisk, VmPart } from './vm-resolver';

/** E.1.2's VMware Type words. */
const TYPE_WORD = { config: 'config-vvol', data: 'vmdk-vvol' } as const;

/** E.1.2, VM-VVOLRelation: the VM, then per disk array its VVols with their RV lists. */
export function relationBlock(vm: ResolvedVm, vCenterServer: string): string[] {
  const out = [
    '[VM]', '--- VM Detail Information ---',
    `VM Name              : ${vm.name}`,
    `VM Id                : ${vm.id}`,
    `DataCenter Name      : ${vm.datacenter}`,
    `vCenterServer        : ${vCenterServer}`,
  ];
  for (const part of vm.parts) {
    const a = part.array;
    out.push('', '[DiskArray]', '--- Disk Array Detail Information ---',
      `Disk Array Name      : ${a.name}`,
      `Disk Array IP Address: ${a.ip}`,
      `Serial Number        : ${a.serial}`,
      `World Wide Name      : ${a.wwn}`,
      `Product ID           : ${a.model}`);
    for (const d of [...(part.config ? [part.config] : []), ...part.data]) {
      out.push('', '--- VVOL Detail Information ---', `LDN(h)               : ${hex4(d.ldn)}`, `VMware Type          : ${TYPE_WORD[d.role]}`);
      if (d.role === 'data') out.push(`Disk File            : ${d.diskFile}`);
      out.push('', '--- RV List Information ---', 'LDN(h)', ...d.rvLdns.map(hex4));
    }
  }
  return out;
}

function targetLines(disk: VmDisk, part: VmPart, t: BackupTarget | undefined): string[] {
  return [
    `  LD Name: ${disk.name}`,
    ...(disk.role === 'data' ? [`  Disk File: ${disk.diskFile}`] : []),
    `  Backup State: ${t?.rv ? 'backuped' : 'no backup'}`,
    `  Backup LD Name: ${t?.rv ? t.rv.rvName : '-'}`,
    `  Diskarray Name: ${part.array.name}`,
  ];
}

/**
 * E.2's success message of onlineBackup. The provider has no vCenter link to quiesce the
 * guest through VMware Tools, so it is always the "without keeping consistency" form.
 */
export function onlineBackupBlock(vm: ResolvedVm, targets: BackupTarget[]): string[] {
  const byLd = new Map(targets.map((t) => [t.mvId, t]));
  const out = [`Success to online backup VM(${vm.datacenter}/${vm.name}) without keeping consistency.`];
  const configs = vm.parts.filter((p) => p.config);
  for (const p of configs) out.push('config-vvol:', ...targetLines(p.config as VmDisk, p, byLd.get((p.config as VmDisk).ldId)));
  const data = vm.parts.flatMap((p) => p.data.map((d) => ({ p, d })));
  if (data.length) out.push('data-vvol:');
  for (const { p, d } of data) out.push(...targetLines(d, p, byLd.get(d.ldId)));
  return out;
}

/** F.3: "Time remaining: xx hours yy minutes" (minutes rounded up, so a running copy never shows 0). */
export function timeRemaining(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  return `Time remaining: ${Math.floor(minutes / 60)} hours ${minutes % 60} minutes`;
}

export function timeText(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

function stateText(r: RvState): string {
  const label = BACKUP_STATE_LABEL[r.state];
  return r.remainingMs !== null ? `${label} (${timeRemaining(r.remainingMs)})` : label;
}

/** F.3 (8)-(14) for one virtual disk: the state of each generation, the last and the previous backup. */
export function statusLines(disk: VmDisk, part: VmPart, b: DiskBackup): string[] {
  return [
    `  LD Name: ${disk.name}`,
    ...(disk.role === 'data' ? [`  Disk File: ${disk.diskFile}`] : []),
    `  Backup State: ${b.rvs.length ? b.rvs.map(stateText).join(' / ') : '-'}`,
    `  Last Backup: ${b.last?.poolName ?? '-'}`,
    `  Last Backup LD: ${b.last?.rvName ?? '-'}`,
    `  Last Backup Time: ${timeText(b.last?.backedUpAt)}`,
    `  Previous Backup: ${b.previous?.poolName ?? '-'}`,
    `  Previous Backup LD: ${b.previous?.rvName ?? '-'}`,
    `  Previous Backup Time: ${timeText(b.previous?.backedUpAt)}`,
    `  Diskarray Name: ${part.array.name}`,
  ];
}
