/**
 * The message catalogs queryCatalog points at (/catalog/en/<name>.vmsg): one line per
 * message id, `Key = "text with {parameterName}"`. Our events, alarms and faults carry
 * their full text in the `message` parameter, so each entry shows it.
 */
import type { FaultName } from './faults';
import { FAULT_BY_CODE } from './faults';

const EVENTS = [
  'nec.array.monitoring', 'nec.array.registered', 'nec.clone.completed', 'nec.clone.started', 'nec.fastclone.created',
  'nec.host.unboundAll', 'nec.ld.fault', 'nec.licence.locked', 'nec.licence.unlocked', 'nec.pair.created', 'nec.pair.deleted',
  'nec.pair.replicate', 'nec.pair.restore', 'nec.pair.separate', 'nec.pe.hostAdded', 'nec.pe.hostRemoved', 'nec.pe.created',
  'nec.pe.deleted', 'nec.ssv.created', 'nec.ssv.deleted', 'nec.ld.created', 'nec.ld.deleted', 'nec.pool.created',
  'nec.pool.deleted', 'nec.pool.expanded', 'nec.pool.modified', 'nec.snapshot.created', 'nec.snapshot.deleted',
  'nec.snapshot.deleting', 'nec.snapshot.reverted', 'nec.vvol.bound', 'nec.vvol.created', 'nec.vvol.deleted',
  'nec.vvol.metadata', 'nec.vvol.resized', 'nec.vvol.sizeRaised', 'nec.vvol.unbound',
];
const ALARMS = ['nec.pool.thresholdExceeded', 'nec.policy.nonCompliant', 'nec.policy.compliant', 'nec.pool.thresholdCleared', 'nec.ld.fault', 'nec.task.failed', 'nec.certificate.expiring', 'nec.certificate.renewed', 'nec.relation.writeFailed'];

function faultIds(): string[] {
  const ids = new Set<string>();
  for (const [code, fault] of Object.entries(FAULT_BY_CODE) as [string, FaultName][]) {
    ids.add(`Fault.${fault}`);
    ids.add(`Fault.${fault}.${code}`);
    ids.add(`Fault.StorageFault.${code}`);
  }
  ids.add('Fault.StorageFault');
  return [...ids].sort();
}

export function catalog(name: string): string | undefined {
  const ids = name === 'event' ? EVENTS : name === 'alarm' ? ALARMS : name === 'fault' ? faultIds() : undefined;
  if (!ids) return undefined;
  return `${ids.map((id) => `${id} = "{message}"`).join('\n')}\n`;
}
