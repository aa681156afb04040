/**
 * Domain values the engine hands out. They are plain copies, never live rows; a wire
 * type never appears here (the VASA face converts).
 */
import type { Licence, Model, MonitoringState, PdType, VvolType } from './models';

export interface DiskArray {
  id: number;
  name: string;
  serial: string;
  wwn: string;
  model: Model;
  ip: string;
  monitoring: MonitoringState;
  configLock: string | null;
  licences: Record<Licence, boolean>;
  createdAt: number;
}

export interface Pool {
  id: number;
  arrayId: number;
  poolNo: number;
  name: string;
  /** A virtual capacity (thin provisioning) pool. */
  virtual: boolean;
  /** Created as a Storage Container (N1). */
  container: boolean;
  raid: string;
  pdType: PdType;
  encrypted: boolean;
  /** Real (physical) capacity in bytes. */
  capacity: number;
  /** Logical limit for virtual capacity LDs, in bytes (equals capacity for normal pools). */
  virtualCapacity: number;
  /** Real-capacity threshold in percent, or null when not set. */
  threshold: number | null;
  ioUpperMode: boolean;
  ioLowerMode: boolean;
  ioUpperDefault: number | null;
  ioLowerDefault: number | null;
  /** Real capacity in use: thick reservations plus written chunks. */
  usedBytes: number;
  /** Sum of the capacities of the LDs in the pool. */
  provisionedBytes: number;
  thresholdAlarm: boolean;
  createdAt: number;
}

export type LdKind = 'ld' | 'ssv' | 'pe' | 'vvol';
export type RplAttr = 'IV' | 'MV' | 'RV';
export type SnapAttr = '---' | 'EBV' | 'ESV';
export type CloneAttr = '---' | 'FEV' | 'FCV';
export type LdState = 'ready' | 'fault' | 'deleting' | 'prepared';
export type AccessMode = 'ReadWrite' | 'ReadOnly' | 'NotReady';

export interface LogicalDisk {
  id: number;
  arrayId: number;
  ldn: number;
  name: string;
  poolId: number;
  poolNo: number;
  capacity: number;
  kind: LdKind;
  vvolType: VvolType | null;
  vvolId: string | null;
  /** 'virtual' (thin) or 'real' (thick, reserved at creation). */
  allocation: 'virtual' | 'real';
  rpl: RplAttr;
  snap: SnapAttr;
  clone: CloneAttr;
  state: LdState;
  faultReason: string | null;
  access: AccessMode;
  /** ESV: its base volume; FCV: its FEV; full clone in progress: its source. */
  parentId: number | null;
  layer: number;
  generation: number | null;
  temporary: boolean;
  vmId: string | null;
  ioUpper: number | null;
  ioLower: number | null;
  deletingSince: number | null;
  cloningSince: number | null;
  createdAt: number;
}

export interface LdDetail extends LogicalDisk {
  metadata: Record<string, string>;
  /** N2: the Purpose iSM shows (VVOL, Solution Reserved Volume, Snapshot/Clone, Clone, Snapshot, ---). */
  purpose: string;
  /** N2: the VMware Type iSM shows (config-VVOL, vmdk-VVOL, swap-VVOL, memory-VVOL, PE, ---). */
  vmwareType: string;
  /** VVOL: LD numbers of the PEs it is bound to (N3). */
  boundPes: number[];
  /** PE: LD numbers of the VVOLs bound to it (N3). */
  boundVvols: number[];
  /** PE: host names that can see it. */
  hosts: string[];
  allocatedChunks: number;
}

export type TaskState = 'queued' | 'running' | 'success' | 'error' | 'cancelled';
export type TaskKind = 'clone' | 'replicate' | 'restore' | 'snapshot-delete' | 'copy-diffs';

export interface Task {
  id: string;
  arrayId: number;
  kind: TaskKind;
  state: TaskState;
  progress: number;
  totalChunks: number;
  doneChunks: number;
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Estimated completion time (ms since epoch), when running. */
  estimatedCompletion: number | null;
  cancelable: boolean;
  cancelled: boolean;
  srcLd: number | null;
  dstLd: number | null;
  baseLd: number | null;
  pairId: number | null;
  result: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export type PairActivity = 'replicate' | 'separate' | 'restore';
export interface ReplicationPair {
  id: number;
  arrayId: number;
  mvId: number;
  rvId: number;
  mvName: string;
  rvName: string;
  purpose: 'backup' | 'clone';
  activity: PairActivity;
  syncState: string;
  copyControl: string;
  separateStart: number | null;
  separateEnd: number | null;
  separateDiffBytes: number;
  copyDiffBytes: number;
  rvAccess: string;
  previousActive: string;
  taskId: string | null;
}

export interface SnapshotGeneration {
  ldn: number;
  name: string;
  vvolId: string | null;
  generation: number;
  /** -1 is the newest, -2 the one before, as iSMsc_query shows. */
  relative: number;
  createdAt: number;
  state: 'active' | 'deleting';
  temporary: boolean;
}

export interface ArrayEvent {
  arrayId: number;
  seq: number;
  /** Provider-wide number: events of all arrays in one order. */
  gseq: number;
  time: number;
  /** As appendEvent wrote it: the column holds nothing else. */
  type: EventType;
  configType: ConfigType | null;
  objectType: string | null;
  objectId: string | null;
  messageId: string;
  message: string;
  params: Record<string, string>;
}

export interface ArrayAlarm {
  arrayId: number;
  seq: number;
  gseq: number;
  time: number;
  type: AlarmInput['type'];
  status: AlarmInput['status'];
  objectType: string | null;
  objectId: string | null;
  containerId: string | null;
  messageId: string;
  message: string;
  params: Record<string, string>;
}

/** The kinds of events vCenter knows (VASA EventTypeEnum). */
export type EventType = 'System' | 'Config' | 'Policy' | 'ConfigProtocolEndpoint' | 'Rebind';

export type ConfigType = 'New' | 'Update' | 'Delete';

/** An alarm to raise on an array (VASA AlarmTypeEnum and its status). */
export interface AlarmInput {
  type: 'SpaceCapacity' | 'Capability' | 'StorageObject' | 'Object' | 'Compliance' | 'Manageability';
  status: 'Red' | 'Yellow' | 'Green';
  objectType?: string;
  objectId?: string;
  containerId?: string;
  messageId: string;
  message: string;
  params?: Record<string, string>;
}
