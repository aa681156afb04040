/**
 * The RV backup state of VMs as data (the management screens of Appendix F.2 and F.3,
 * and the admin API under them): per VM its backup policy, generations, state, last
 * and previous backup time and time remaining; per virtual disk its LD, backup
 * volumes and their states. Read from the same sources the `backup status` command
 * prints (vm-resolver.ts, the engine's K2 states, format.ts's words), never parsed
 * from its text.
 */
import { BACKUP_STATE_LABEL, type BackupStateCode, type DiskBackup, type RvState } from '../array/backups';
import type { DiskArrayEngine } from '../array/engine';
import { hex4 } from '../array/ids';
import { timeRemaining } from '../backup/format';
import type { BackupOptions } from '../backup/operations';
import { disksOf, listVms, resolveVm, type ResolvedVm } from '../backup/vm-resolver';

export type BackupViewEngine = Pick<DiskArrayEngine, 'listArrays' | 'scanLds' | 'ldsById' | 'lastSequences' | 'diskBackup'>;

export interface BackupGeneration {
  generation: number;
  rvName: string;
  /** LDN(h), four hex digits. */
  rvLdn: string;
  poolName: string;
  state: BackupStateCode;
  /** F.3 (8)'s words, with "Time remaining" while a copy runs. */
  stateText: string;
  backedUpAt: number | null;
  remainingMs: number | null;
}

export interface BackupPoint {
  poolName: string;
  rvName: string;
  backedUpAt: number | null;
}

export interface DiskView {
  role: 'config' | 'data';
  ldName: string;
  ldn: string;
  diskFile: string;
  arrayName: string;
  generations: BackupGeneration[];
  last: BackupPoint | null;
  previous: BackupPoint | null;
}

export interface VmBackupSummary {
  name: string;
  id: string;
  datacenter: string;
  /** Whether the VM's VVols have backup volumes (3.9.1's backup policy). */
  policySet: boolean;
  /** Backup generations (F.2 (5)): the most any of its disks has. */
  generations: number;
  /** F.2 (6): the VM's state over all its disks. */
  state: BackupStateCode;
  stateText: string;
  /** The last backup of every disk (the oldest of their times), null until every disk has one. */
  lastBackupAt: number | null;
  previousBackupAt: number | null;
  /** The longest running copy's time remaining, null when none runs. */
  remainingMs: number | null;
  /** Whether a backup or restore copy of the VM is running now (cancel applies to a backup only). */
  busy: boolean;
}

export interface VmBackupDetail extends VmBackupSummary {
  disks: DiskView[];
}

/**
 * Which state the VM shows (F.2 (6): one word for the VM) when its disks' generations
 * differ: running work first; then a restore's outcome (a restore is asked for after
 * the backups it reads, and its volume keeps that state until it is overwritten); then
 * a failed backup (a cancel leaves one, the other generation still completed); then
 * completed. F.3 shows every generation's own state.
 */
const PRECEDENCE: BackupStateCode[] = ['checking', 'backing-up', 'restore-copying', 'restore-failed', 'restored', 'failed', 'completed', 'none'];
const RUNNING = new Set<BackupStateCode>(['checking', 'backing-up', 'restore-copying']);

export function stateText(state: BackupStateCode, remainingMs: number | null): string {
  const label = BACKUP_STATE_LABEL[state];
  return remainingMs !== null ? `${label} (${timeRemaining(remainingMs)})` : label;
}

function generation(r: RvState): BackupGeneration {
  return {
    generation: r.generation, rvName: r.rvName, rvLdn: hex4(r.rvLdn), poolName: r.poolName,
    state: r.state, stateText: stateText(r.state, r.remainingMs), backedUpAt: r.backedUpAt, remainingMs: r.remainingMs,
  };
}

const point = (r: RvState | undefined): BackupPoint | null => (r ? { poolName: r.poolName, rvName: r.rvName, backedUpAt: r.backedUpAt } : null);

/** The oldest of the disks' times, or null when a disk has none. */
function commonTime(times: (number | null | undefined)[]): number | null {
  if (times.length === 0 || times.some((t) => t === null || t === undefined)) return null;
  return Math.min(...(times as number[]));
}

function summarize(vm: ResolvedVm, backups: DiskBackup[]): VmBackupSummary {
  const rvs = backups.flatMap((b) => b.rvs);
  const state = PRECEDENCE.find((s) => rvs.some((r) => r.state === s)) ?? 'none';
  const remaining = rvs.map((r) => r.remainingMs).filter((ms): ms is number => ms !== null);
  const remainingMs = remaining.length ? Math.max(...remaining) : null;
  const withRvs = backups.filter((b) => b.rvs.length > 0);
  return {
    name: vm.name, id: vm.id, datacenter: vm.datacenter,
    policySet: withRvs.length > 0,
    generations: Math.max(0, ...backups.map((b) => b.rvs.length)),
    state, stateText: stateText(state, RUNNING.has(state) ? remainingMs : null),
    lastBackupAt: commonTime(withRvs.map((b) => b.last?.backedUpAt)),
    previousBackupAt: commonTime(withRvs.map((b) => b.previous?.backedUpAt)),
    remainingMs, busy: rvs.some((r) => RUNNING.has(r.state)),
  };
}

/** F.2: every VM the provider sees, by name. */
export function listVmBackups(engine: BackupViewEngine, o: BackupOptions): VmBackupSummary[] {
  return listVms(engine, o).map((vm) => summarize(vm, disksOf(vm).map(({ disk }) => engine.diskBackup(disk.ldId))));
}

/** F.3: one VM with its virtual disks; undefined when there is no such VM in the datacenter. */
export function vmBackupDetail(engine: BackupViewEngine, o: BackupOptions, vmName: string, datacenter: string): VmBackupDetail | undefined {
  const vm = resolveVm(engine, vmName, datacenter, o);
  if (!vm) return undefined;
  const disks = disksOf(vm).map(({ part, disk }) => ({ part, disk, backup: engine.diskBackup(disk.ldId) }));
  return {
    ...summarize(vm, disks.map((d) => d.backup)),
    disks: disks.map(({ part, disk, backup }) => ({
      role: disk.role, ldName: disk.name, ldn: hex4(disk.ldn), diskFile: disk.diskFile, arrayName: part.array.name,
      generations: backup.rvs.map(generation), last: point(backup.last), previous: point(backup.previous),
    })),
  };
}
