/**
 * Per-model limits and the fixed constants of the array. Everything that the engine
 * enforces and that the face or CLI advertises comes from here (one table).
 */
export const MODELS = ['M110', 'M310', 'M310F', 'M510', 'M710', 'M710F'] as const;
export type Model = (typeof MODELS)[number];

export interface ModelLimits {
  /** L8: concurrent snapshot / clone / linked clone / migration operations. */
  concurrentOperations: number;
  /** Logical disks per array (LD numbers are 4 hex digits). */
  maxLds: number;
  /** Logical disks per pool. */
  maxLdsPerPool: number;
  /** Pools per array. */
  maxPools: number;
}

const SMALL: ModelLimits = { concurrentOperations: 16, maxLds: 4096, maxLdsPerPool: 4096, maxPools: 64 };
const LARGE: ModelLimits = { concurrentOperations: 32, maxLds: 65535, maxLdsPerPool: 32768, maxPools: 256 };

export const MODEL_LIMITS: Record<Model, ModelLimits> = {
  M110: SMALL,
  M310: SMALL,
  M310F: SMALL,
  M510: LARGE,
  M710: LARGE,
  M710F: LARGE,
};

export const LICENCES = [
  'Virtual Volume',
  'DynamicSnapVolume',
  'VolumeClone',
  'DynamicDataReplication',
  'ThinProvisioning',
  'I/O Load Manager',
] as const;
export type Licence = (typeof LICENCES)[number];

export const MONITORING_STATES = ['Running', 'Stopped', 'Stopped (maintenance)'] as const;
export type MonitoringState = (typeof MONITORING_STATES)[number];

export const RAID_TYPES = ['RAID1', 'RAID1/10', 'RAID5', 'RAID6', 'RAID6(8+PQ)', 'RAID10', 'RAID50', 'RAID60', 'RAID-TM'] as const;
export const PD_TYPES = ['SAS', 'NLSAS', 'SSD'] as const;
export type PdType = (typeof PD_TYPES)[number];

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** The unit of the allocation map: one chunk, one content token. */
export const CHUNK_BYTES = MiB;

export const LIMITS = {
  /** L1 */
  arraysPerProvider: 4,
  /** L2 */
  pesPerArray: 8,
  /** L3 */
  ssvBytes: 4 * GiB,
  /** L4 */
  minVolumeBytes: GiB,
  maxVolumeBytes: 10 * TiB,
  /** L5: per base volume (counting the temporary one a revert takes) */
  generationsPerBase: 256,
  /** L5: per virtual machine */
  snapshotsPerVm: 255,
  /** L6 */
  fcvsPerFev: 256,
  /** L7 */
  layers: 64,
  /** RVs paired to one MV (backup generations plus full-clone copies in flight). */
  pairsPerMv: 8,
  /** I/O control (L10) */
  iopsMin: 10,
  iopsMax: 1_000_000,
  /** Secondary LUN ids behind one PE. */
  secondaryIdsPerPe: 65535,
  /** A write request covers at most this many chunks. */
  chunksPerIo: 4096,
  /** Default logical limit of a virtual capacity pool, as a multiple of its real capacity. */
  virtualOvercommit: 4,
} as const;

export const VVOL_TYPES = ['config', 'data', 'swap', 'memory', 'other'] as const;
export type VvolType = (typeof VVOL_TYPES)[number];

/** NEC "VMware Type" display of each VVol type (N2). */
export const VMWARE_TYPE_LABEL: Record<VvolType, string> = {
  config: 'config-VVOL',
  data: 'vmdk-VVOL',
  swap: 'swap-VVOL',
  memory: 'memory-VVOL',
  other: '---',
};
