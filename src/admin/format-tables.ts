/**
 * The CLI's own lists (no iSM counterpart): registered arrays, licences, tasks,
 * events and alarms, bindings, and the B12 applicability of an LD.
 */
import type { Applicability } from '../array/applicability';
import type { BindingInfo } from '../array/binding';
import { hex4 } from '../array/ids';
import { LICENCES } from '../array/models';
import type { ArrayAlarm, ArrayEvent, DiskArray, LogicalDisk, Task } from '../array/types';
import { LICENCE_SHORT } from './parse';
import { autoTable, ismTime, kv, yesNo } from './text';

export function unlockedLicences(a: DiskArray): string {
  const on = LICENCES.filter((l) => a.licences[l]).map((l) => LICENCE_SHORT[l]);
  return on.length ? on.join(',') : '---';
}

export function arrayList(arrays: DiskArray[]): string[] {
  return [
    '--- Disk Array Information ---',
    ...autoTable(
      ['Name', 'Serial No.', 'WWN', 'Model', 'IP Address', 'Monitoring', 'Config Lock', 'Licenses'],
      arrays.map((a) => [a.name, a.serial, a.wwn, a.model, a.ip, a.monitoring, a.configLock ?? '---', unlockedLicences(a)]),
    ),
  ];
}

export function licenceList(a: DiskArray): string[] {
  return [
    `--- License Information (${a.name}) ---`,
    ...autoTable(['License', 'Short Name', 'State'], LICENCES.map((l) => [l, LICENCE_SHORT[l], a.licences[l] ? 'unlocked' : 'locked'])),
  ];
}

/** LD numbers of task endpoints (tasks hold internal LD ids). */
export type LdnOf = (ldId: number | null) => string;

export function ldnLookup(lds: LogicalDisk[]): LdnOf {
  const m = new Map(lds.map((l) => [l.id, hex4(l.ldn)]));
  return (id) => (id === null ? '-' : m.get(id) ?? '(gone)');
}

export function taskList(tasks: Task[], ldn: LdnOf): string[] {
  if (tasks.length === 0) return ['No task.'];
  return autoTable(
    ['Task ID', 'Kind', 'State', 'Progress', 'Source(h)', 'Target(h)', 'Queued', 'Finished'],
    tasks.map((t) => [t.id, t.kind, t.state, `${t.progress}%`, ldn(t.srcLd), ldn(t.dstLd), ismTime(t.queuedAt), ismTime(t.finishedAt)]),
  );
}

export function taskDetail(t: Task, ldn: LdnOf): string[] {
  return [
    '--- Task Information ---',
    kv('Task ID', t.id),
    kv('Kind', t.kind),
    kv('State', t.state),
    kv('Progress', `${t.progress}% (${t.doneChunks}/${t.totalChunks} chunks)`),
    kv('Source LDN(h)', ldn(t.srcLd)),
    kv('Target LDN(h)', ldn(t.dstLd)),
    kv('Base LDN(h)', ldn(t.baseLd)),
    kv('Queued', ismTime(t.queuedAt)),
    kv('Started', ismTime(t.startedAt)),
    kv('Estimated Completion', ismTime(t.estimatedCompletion)),
    kv('Finished', ismTime(t.finishedAt)),
    kv('Cancelable', yesNo(t.cancelable)),
    kv('Result', t.result ?? '-'),
    kv('Error', t.errorCode ? `${t.errorCode}: ${t.errorMessage ?? ''}` : '-'),
  ];
}

export function eventList(events: ArrayEvent[]): string[] {
  if (events.length === 0) return ['No event.'];
  return events.map((e) => `${String(e.seq).padStart(6)}  ${ismTime(e.time)}  ${e.type.padEnd(22)} ${e.message}`);
}

export function alarmList(alarms: ArrayAlarm[]): string[] {
  if (alarms.length === 0) return ['No alarm.'];
  return alarms.map((a) => `${String(a.seq).padStart(6)}  ${ismTime(a.time)}  ${a.status.padEnd(6)} ${a.type.padEnd(16)} ${a.message}`);
}

export function bindingList(bindings: BindingInfo[]): string[] {
  if (bindings.length === 0) return ['No binding.'];
  return autoTable(
    ['PE(h)', 'VVOL LDN(h)', 'Secondary ID', 'Hosts', 'VVOL ID'],
    bindings.map((b) => [hex4(b.peLdn), hex4(b.vvolLdn), String(b.secondaryId), b.hosts.join(','), b.vvolId]),
  );
}

export function applicabilityList(ld: LogicalDisk, a: Applicability, attrs: string[]): string[] {
  const w = 40;
  return [
    `--- Applicability (LD ${hex4(ld.ldn)}h, ${attrs.join('/')}) ---`,
    kv('Backup (Table 4-1)', yesNo(a.backup), w),
    kv('I/O control (Table 4-2)', yesNo(a.ioControl), w),
    kv('L2 cache (Table 4-3)', `${yesNo(a.l2Cache)}${a.l2Cache ? (a.l2CacheChangeable ? ' (changeable)' : ' (fixed)') : ''}`, w),
    kv('Data movement between LDs (Table 4-4)', yesNo(a.dataMovementBetweenLds), w),
    kv('Data relocation inside LD (Table 4-4)', yesNo(a.dataRelocationInsideLd), w),
    kv('Performance monitoring (Table 4-5)', yesNo(a.performanceMonitoring), w),
    kv('Performance analysis (Table 4-5)', yesNo(a.performanceAnalysis), w),
  ];
}
