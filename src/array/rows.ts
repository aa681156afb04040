/** Row -> domain value conversions, in one place. */
import type { Row } from '../store/db';
import { LICENCES, Licence, Model, MonitoringState, PdType, VvolType, CHUNK_BYTES } from './models';
import type {
  AccessMode, ArrayAlarm, ArrayEvent, CloneAttr, DiskArray, LdKind, LdState, LogicalDisk, Pool, RplAttr, SnapAttr, Task,
  TaskKind, TaskState,
} from './types';

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toArray(r: Row, licenceRows: Row[]): DiskArray {
  const licences = Object.fromEntries(LICENCES.map((l) => [l, false])) as Record<Licence, boolean>;
  for (const l of licenceRows) licences[l.name as Licence] = !!l.unlocked;
  return {
    id: num(r.id),
    name: String(r.name),
    serial: String(r.serial),
    wwn: String(r.wwn),
    model: r.model as Model,
    ip: String(r.ip),
    monitoring: r.monitoring as MonitoringState,
    configLock: strOrNull(r.config_lock),
    licences,
    createdAt: num(r.created_at),
  };
}

export function toPool(r: Row): Pool {
  return {
    id: num(r.id),
    arrayId: num(r.array_id),
    poolNo: num(r.pool_no),
    name: String(r.name),
    virtual: !!r.virtual,
    container: !!r.container,
    raid: String(r.raid),
    pdType: r.pd_type as PdType,
    encrypted: !!r.encrypted,
    capacity: num(r.capacity),
    virtualCapacity: num(r.virtual_capacity),
    threshold: numOrNull(r.threshold),
    ioUpperMode: !!r.io_upper_mode,
    ioLowerMode: !!r.io_lower_mode,
    ioUpperDefault: numOrNull(r.io_upper_default),
    ioLowerDefault: numOrNull(r.io_lower_default),
    usedBytes: num(r.reserved_bytes) + num(r.counted_blocks) * CHUNK_BYTES,
    provisionedBytes: num(r.provisioned_bytes),
    thresholdAlarm: !!r.threshold_alarm,
    createdAt: num(r.created_at),
  };
}

export function toLd(r: Row): LogicalDisk {
  return {
    id: num(r.id),
    arrayId: num(r.array_id),
    ldn: num(r.ldn),
    name: String(r.name),
    poolId: num(r.pool_id),
    poolNo: num(r.pool_no),
    capacity: num(r.capacity),
    kind: r.kind as LdKind,
    vvolType: (r.vvol_type as VvolType | null) ?? null,
    vvolId: strOrNull(r.vvol_id),
    allocation: r.allocation as 'virtual' | 'real',
    rpl: r.rpl as RplAttr,
    snap: r.snap as SnapAttr,
    clone: r.clone as CloneAttr,
    state: r.state as LdState,
    faultReason: strOrNull(r.fault_reason),
    access: r.access as AccessMode,
    parentId: numOrNull(r.parent_id),
    layer: num(r.layer),
    generation: numOrNull(r.generation),
    temporary: !!r.temporary,
    vmId: strOrNull(r.vm_id),
    ioUpper: numOrNull(r.io_upper),
    ioLower: numOrNull(r.io_lower),
    deletingSince: numOrNull(r.deleting_since),
    cloningSince: numOrNull(r.cloning_since),
    createdAt: num(r.created_at),
  };
}

/** The SELECT every LD read uses (joins the pool number in). */
export const LD_SELECT = 'SELECT l.*, p.pool_no AS pool_no FROM lds l JOIN pools p ON p.id = l.pool_id';

export function toTask(r: Row): Task {
  const state = r.state as TaskState;
  const startedAt = numOrNull(r.started_at);
  const rate = num(r.bytes_per_sec);
  const remaining = Math.max(0, num(r.total_chunks) - num(r.done_chunks));
  const estimatedCompletion =
    state === 'running' && startedAt !== null && rate > 0
      ? num(r.last_tick ?? startedAt) + Math.ceil((remaining * CHUNK_BYTES * 1000) / rate)
      : null;
  return {
    id: String(r.id),
    arrayId: num(r.array_id),
    kind: r.kind as TaskKind,
    state,
    progress: num(r.progress),
    totalChunks: num(r.total_chunks),
    doneChunks: num(r.done_chunks),
    queuedAt: num(r.queued_at),
    startedAt,
    finishedAt: numOrNull(r.finished_at),
    estimatedCompletion,
    cancelable: !!r.cancelable && (state === 'queued' || state === 'running'),
    cancelled: !!r.cancelled,
    srcLd: numOrNull(r.src_ld),
    dstLd: numOrNull(r.dst_ld),
    baseLd: numOrNull(r.base_ld),
    pairId: numOrNull(r.pair_id),
    result: strOrNull(r.result),
    errorCode: strOrNull(r.error_code),
    errorMessage: strOrNull(r.error_message),
  };
}

export function toEvent(r: Row): ArrayEvent {
  return {
    arrayId: num(r.array_id),
    seq: num(r.seq),
    gseq: num(r.gseq),
    time: num(r.time),
    type: String(r.type) as ArrayEvent['type'],
    configType: strOrNull(r.config_type) as ArrayEvent['configType'],
    objectType: strOrNull(r.object_type),
    objectId: strOrNull(r.object_id),
    messageId: String(r.message_id),
    message: String(r.message),
    params: JSON.parse(String(r.params)) as Record<string, string>,
  };
}

export function toAlarm(r: Row): ArrayAlarm {
  return {
    arrayId: num(r.array_id),
    seq: num(r.seq),
    gseq: num(r.gseq),
    time: num(r.time),
    type: String(r.type) as ArrayAlarm['type'],
    status: r.status as ArrayAlarm['status'],
    objectType: strOrNull(r.object_type),
    objectId: strOrNull(r.object_id),
    containerId: strOrNull(r.container_id),
    messageId: String(r.message_id),
    message: String(r.message),
    params: JSON.parse(String(r.params)) as Record<string, string>,
  };
}
