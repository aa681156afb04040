/**
 * B2/B3: what an operation needs from the array before it may run: the monitoring
 * state Running, no configuration lock held by another user, and its licences. One
 * table, consulted by the engine and readable by the face and the CLI.
 */
import { ArrayError } from './errors';
import { MSG } from './messages';
import type { Licence } from './models';
import type { DiskArray } from './types';

export interface Gate {
  /** Licences that must be unlocked. */
  licences: Licence[];
  /** Message when monitoring is Stopped (the manual words it per operation). */
  stopped: string;
  /** Whether another user's configuration lock blocks the operation. */
  configLock: boolean;
}

const vv: Licence = 'Virtual Volume';

export const GATES = {
  createVvol: { licences: [vv], stopped: MSG.notMonitored, configLock: true },
  deleteVvol: { licences: [vv], stopped: MSG.notMonitored, configLock: true },
  resizeVvol: { licences: [vv], stopped: MSG.notMonitored, configLock: true },
  updateMetadata: { licences: [vv], stopped: MSG.metadataFailed, configLock: true },
  bind: { licences: [vv], stopped: MSG.bindFailed, configLock: false },
  unbind: { licences: [], stopped: MSG.unbindFailed, configLock: false },
  snapshot: { licences: [vv, 'DynamicSnapVolume'], stopped: MSG.notMonitored, configLock: true },
  revert: { licences: [vv, 'DynamicSnapVolume'], stopped: MSG.notMonitored, configLock: true },
  fastClone: { licences: [vv, 'VolumeClone'], stopped: MSG.notMonitored, configLock: true },
  fullClone: { licences: [vv, 'DynamicDataReplication'], stopped: MSG.notMonitored, configLock: true },
  replication: { licences: ['DynamicDataReplication'], stopped: MSG.commandFailed, configLock: true },
  query: { licences: [], stopped: MSG.infoFailed, configLock: false },
  bitmap: { licences: [], stopped: MSG.bitmapFailed, configLock: false },
} satisfies Record<string, Gate>;

export type GatedOperation = keyof typeof GATES;

export const LICENCE_MESSAGES: Record<Licence, string> = {
  'Virtual Volume': MSG.licenceVvol,
  DynamicSnapVolume: MSG.licenceSnapshot,
  VolumeClone: MSG.licenceClone,
  DynamicDataReplication: MSG.licenceDdr,
  ThinProvisioning: 'The license for ThinProvisioning is locked.',
  'I/O Load Manager': MSG.licenceIoLoad,
};

export function requireLicence(array: DiskArray, licence: Licence): void {
  if (!array.licences[licence]) {
    throw new ArrayError('LICENCE_LOCKED', LICENCE_MESSAGES[licence], { array: array.name, licence });
  }
}

/** Checks monitoring, then the configuration lock, then the licences (the order the array checks them). */
export function checkGate(array: DiskArray, op: GatedOperation): void {
  const g: Gate = GATES[op];
  if (array.monitoring === 'Stopped (maintenance)') {
    throw new ArrayError('NOT_MONITORED', MSG.maintenance, { array: array.name, monitoring: array.monitoring });
  }
  if (array.monitoring !== 'Running') {
    throw new ArrayError('NOT_MONITORED', g.stopped, { array: array.name, monitoring: array.monitoring });
  }
  if (g.configLock && array.configLock) {
    throw new ArrayError('CONFIG_LOCKED', MSG.configuring, { array: array.name, holder: array.configLock });
  }
  for (const l of g.licences) requireLicence(array, l);
}
