/**
 * What a Storage Container offers, as VASA profiles: its capability profile (what
 * vCenter matches policies against: queryCapabilityProfileForResource and
 * queryCapabilityProfile on the container, spaceStatsForStorageContainer's
 * capabilityProfileId) and its default profile per VVol type. Both are read from the
 * array now, so a pool changed on the array shows after vCenter's next rescan.
 */
import type { ContainerFacts } from '../array/vvol-profiles';
import type { VvolType } from '../array/models';
import { NEC_NAMESPACE, PROP, VMWARE_STD_NAMESPACE } from './capabilities';
import { backupPossible } from './match';
import { ProfileRule, SPACE_EFFICIENCY, StorageProfile } from './profile';

const PREFIX = 'nec-capability-profile:';
const DEFAULT_PREFIX = 'nec-default-profile:';

export const capabilityProfileId = (containerId: string): string => `${PREFIX}${containerId}`;

/** The container a capability profile id names, or undefined when it is not one of ours. */
export function containerOfCapabilityProfile(profileId: string): string | undefined {
  return profileId.startsWith(PREFIX) ? profileId.slice(PREFIX.length).toLowerCase() : undefined;
}

const nec = (property: string, capability: string, value: string): ProfileRule => ({ namespace: NEC_NAMESPACE, capability, property, value });
const bool = (b: boolean) => (b ? 'true' : 'false');

/** The container's capabilities as one rule set: the values it has now. */
export function capabilityProfile(f: ContainerFacts): StorageProfile {
  const io = f.array.licences['I/O Load Manager'];
  return {
    profileId: capabilityProfileId(f.containerId), generationId: 0, name: `${f.pool.name} capabilities`,
    ruleSets: [{
      name: f.pool.name,
      rules: [
        nec(PROP.pdType, 'PhysicalDiskType', f.pool.pdType),
        nec(PROP.raid, 'RAID', f.pool.raid),
        nec(PROP.encrypt, 'EncryptPD', bool(f.pool.encrypted)),
        nec(PROP.backup, 'Backup', bool(backupPossible(f))),
        nec(PROP.ioUpper, 'IOControl', bool(f.pool.ioUpperMode && io)),
        nec(PROP.ioLower, 'IOControl', bool(f.pool.ioLowerMode && io)),
      ],
    }],
  };
}

/**
 * The profile a VVol of `type` gets in the container when vCenter names none: thin, on
 * the container's disks, no backup, the pool's I/O control (4.2: the pool's initial
 * values apply to every VVol created in it).
 */
export function defaultProfile(f: ContainerFacts, type: VvolType): StorageProfile {
  return {
    profileId: `${DEFAULT_PREFIX}${f.containerId}:${type}`, generationId: 0, name: `${f.pool.name} default (${type})`,
    ruleSets: [{
      name: 'Default',
      rules: [
        { namespace: VMWARE_STD_NAMESPACE, capability: SPACE_EFFICIENCY, property: SPACE_EFFICIENCY, value: 'Thin' },
        nec(PROP.pdType, 'PhysicalDiskType', f.pool.pdType),
        nec(PROP.raid, 'RAID', f.pool.raid),
        nec(PROP.encrypt, 'EncryptPD', bool(f.pool.encrypted)),
        nec(PROP.backup, 'Backup', 'false'),
      ],
    }],
  };
}
