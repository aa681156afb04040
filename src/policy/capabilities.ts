/**
 * B11 (manual 3.9): the capability schema the provider publishes under
 * com.nec.jp.ism.vasaprovider, in the manual's categories and with its display names.
 * One table: queryCapabilityMetadata is built from it, and placement and compliance
 * read the same property ids (src/policy/match.ts). No wire types here; the face
 * turns this into a CapabilitySchema (src/vasa/capability-schema.ts).
 */
import { LIMITS, PD_TYPES, RAID_TYPES } from '../array/models';

export const NEC_NAMESPACE = 'com.nec.jp.ism.vasaprovider';
export const NEC_NAMESPACE_VERSION = '1.0';
/** VMware's standard namespace, whose spaceEfficiency rule (Thick/Thin) peers accept. */
export const VMWARE_STD_NAMESPACE = 'com.vmware.storageprofile.std';

/** The property ids (PropertyInstance.id); the capability ids are in CAPABILITIES. */
export const PROP = {
  pdType: 'PhysicalDiskType',
  raid: 'RAID',
  encrypt: 'EncryptPD',
  backup: 'EnableBackup',
  backupAutoDelete: 'BackupVolumeAutomaticDeleted',
  backupGenerations: 'BackupGenerations',
  ioUpper: 'EnableIOUpperControl',
  ioLower: 'EnableIOLowerControl',
  ioUpperLimit: 'IOUpperControlLimit',
  ioLowerLimit: 'IOLowerControlLimit',
} as const;
export type PropertyId = (typeof PROP)[keyof typeof PROP];

export type ValueType = 'string' | 'boolean' | 'int';

export interface PropertyDef {
  id: PropertyId;
  /** The manual's display name (what vCenter's policy editor shows, and the rule named in B.1's mismatch message). */
  label: string;
  summary: string;
  type: ValueType;
  /** A list of allowed values, or an inclusive range for whole numbers. */
  allowed?: readonly (string | number)[] | { min: number; max: number };
  default?: string | number | boolean;
}

export interface CapabilityDef {
  id: string;
  /** The manual's category (3.9): Performance, RAID, Security, Backup, I/O Control. */
  category: string;
  label: string;
  summary: string;
  properties: readonly PropertyDef[];
}

const iopsRange = { min: LIMITS.iopsMin, max: LIMITS.iopsMax };

/*
 * A capability per entry of the manual's "<Add rule>" list (3.9.1 step 3 selects
 * [Backup], 3.9.2 step 3 [I/O Control]); the rules of that entry are its properties.
 * Yes/No rules are VASA booleans (vCenter renders them as Yes/No).
 */
export const CAPABILITIES: readonly CapabilityDef[] = [
  {
    id: 'PhysicalDiskType', category: 'Performance', label: 'Physical Disk Type', summary: 'A physical disk type can be set.',
    properties: [{ id: PROP.pdType, label: 'Physical Disk Type', summary: 'A physical disk type can be set.', type: 'string', allowed: [...PD_TYPES] }],
  },
  {
    id: 'RAID', category: 'RAID', label: 'RAID', summary: 'A RAID type can be set.',
    properties: [{ id: PROP.raid, label: 'RAID', summary: 'A RAID type can be set.', type: 'string', allowed: [...RAID_TYPES] }],
  },
  {
    id: 'EncryptPD', category: 'Security', label: 'Encrypt PD', summary: 'A utilization option of an encrypt PD can be set.',
    properties: [{ id: PROP.encrypt, label: 'Encrypt PD', summary: 'A utilization option of an encrypt PD can be set.', type: 'boolean', default: false }],
  },
  {
    id: 'Backup', category: 'Backup', label: 'Backup', summary: 'Specify whether or not to back up a virtual machine.',
    properties: [
      { id: PROP.backup, label: 'Enable Backup', summary: 'Specify whether or not to back up a virtual machine.', type: 'boolean', default: false },
      { id: PROP.backupAutoDelete, label: 'Backup Volume Automatic Deleted', summary: 'Specify whether or not to delete a backup volume of a virtual machine when deleting the virtual machine.', type: 'boolean', default: false },
      { id: PROP.backupGenerations, label: 'The Number of Backup Generations', summary: 'Specify the number of backup volume generations.', type: 'int', allowed: [1, 2], default: 1 },
    ],
  },
  {
    id: 'IOControl', category: 'I/O Control', label: 'I/O Control', summary: 'I/O upper and lower control of a Storage Container.',
    properties: [
      { id: PROP.ioUpper, label: 'Enable I/O Upper Control', summary: 'An option of Storage Container I/O upper control can be set.', type: 'boolean', default: false },
      { id: PROP.ioLower, label: 'Enable I/O Lower Control', summary: 'An option of Storage Container I/O lower control can be set.', type: 'boolean', default: false },
      { id: PROP.ioUpperLimit, label: 'I/O Upper Control Limit (IOPS)', summary: 'This is enabled by selecting [Yes] for [Enable I/O Upper Control].', type: 'int', allowed: iopsRange },
      { id: PROP.ioLowerLimit, label: 'I/O Lower Control Limit (IOPS)', summary: 'This is enabled by selecting [Yes] for [Enable I/O Lower Control].', type: 'int', allowed: iopsRange },
    ],
  },
];

const BY_PROPERTY = new Map<string, { capability: CapabilityDef; property: PropertyDef }>(
  CAPABILITIES.flatMap((c) => c.properties.map((p) => [p.id, { capability: c, property: p }] as const)),
);

/** The definition of one of our properties, or undefined for a property we do not publish. */
export function propertyDef(id: string): { capability: CapabilityDef; property: PropertyDef } | undefined {
  return BY_PROPERTY.get(id);
}
