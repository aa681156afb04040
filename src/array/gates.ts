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

/*
 * Which licence gates what (B2), in the manual's words:
 * - 2.1.1: DynamicSnapVolume for a VM snapshot, VolumeClone for a linked clone,
 *   DynamicDataReplication for a VM clone made by the array (a full clone); 3.6 adds
 *   migration between datastores (a full copy into another container) to DDR.
 * - 3.7.2: the extended snapshot needs DynamicSnapVolume *and* ThinProvisioning. A revert
 *   takes a temporary extended snapshot first, so it needs the same two.
 * - 2.1.2/2.1.3: a Storage Container is a virtual capacity pool, which the ThinProvisioning
 *   function provides (checked where pools are created, pools.ts).
 * - 3.8.2 lists DDR and VolumeClone together for "creating a clone" because the section
 *   covers both kinds; 2.1.1 says which kind needs which, and that is what is gated here.
 * The SSV that snapshots and both kinds of clone need (L3) is checked by the operation
 * itself (requireSsv), after the gate: "No SSV is created."
 */

export const GATES = {
  createVvol: { licences: [vv], stopped: MSG.notMonitored, configLock: true },
  deleteVvol: { licences: [vv], stopped: MSG.notMonitored, configLock: true },
  resizeVvol: { licences: [vv], stopped: MSG.notMonitored, configLock: true },
  updateMetadata: { licences: [vv], stopped: MSG.metadataFailed, configLock: true },
  bind: { licences: [vv], stopped: MSG.bindFailed, configLock: false },
  unbind: { licences: [], stopped: MSG.unbindFailed, configLock: false },
  snapshot: { licences: [vv, 'DynamicSnapVolume', 'ThinProvisioning'], stopped: MSG.notMonitored, configLock: true },
  revert: { licences: [vv, 'DynamicSnapVolume', 'ThinProvisioning'], stopped: MSG.notMonitored, configLock: true },
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
  ThinProvisioning: MSG.licenceThin,
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
