/** Row -> domain value conversions, in one place. */
import type { Param, Row, Store } from '../store/db';
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

/** The columns of every LD read (the pool's number joined in last); ldOf finds each by its position here. */
const LD_COLUMNS = [
  'id', 'array_id', 'ldn', 'name', 'pool_id', 'capacity', 'kind', 'vvol_type', 'vvol_id', 'allocation', 'rpl', 'snap', 'clone', 'state',
  'fault_reason', 'access', 'parent_id', 'layer', 'generation', 'temporary', 'vm_id', 'io_upper', 'io_lower', 'deleting_since',
  'cloning_since', 'created_at', 'pool_no',
] as const;

/** Each column's position in an LD row's values. */
const C = Object.fromEntries(LD_COLUMNS.map((c, i) => [c, i])) as Record<(typeof LD_COLUMNS)[number], number>;

/** The SELECT every LD read uses (joins the pool number in); read with readLds/readLd. */
const LD_SELECT = `SELECT ${LD_COLUMNS.map((c) => (c === 'pool_no' ? 'p.pool_no' : `l.${c}`)).join(', ')} FROM lds l JOIN pools p ON p.id = l.pool_id`;

/** One LD from its row's values (Store.values). */
function ldOf(v: unknown[]): LogicalDisk {
  return {
    id: num(v[C.id]),
    arrayId: num(v[C.array_id]),
    ldn: num(v[C.ldn]),
    name: String(v[C.name]),
    poolId: num(v[C.pool_id]),
    poolNo: num(v[C.pool_no]),
    capacity: num(v[C.capacity]),
    kind: v[C.kind] as LdKind,
    vvolType: (v[C.vvol_type] as VvolType | null) ?? null,
    vvolId: strOrNull(v[C.vvol_id]),
    allocation: v[C.allocation] as 'virtual' | 'real',
    rpl: v[C.rpl] as RplAttr,
    snap: v[C.snap] as SnapAttr,
    clone: v[C.clone] as CloneAttr,
    state: v[C.state] as LdState,
    faultReason: strOrNull(v[C.fault_reason]),
    access: v[C.access] as AccessMode,
    parentId: numOrNull(v[C.parent_id]),
    layer: num(v[C.layer]),
    generation: numOrNull(v[C.generation]),
    temporary: !!v[C.temporary],
    vmId: strOrNull(v[C.vm_id]),
    ioUpper: numOrNull(v[C.io_upper]),
    ioLower: numOrNull(v[C.io_lower]),
    deletingSince: numOrNull(v[C.deleting_since]),
    cloningSince: numOrNull(v[C.cloning_since]),
    createdAt: num(v[C.created_at]),
  };
}

/**
 * The LDs a condition on `l` (lds) selects, e.g. `WHERE l.array_id = ? ORDER BY l.ldn`. Their
 * rows are read as values, not objects (Store.values): the hot paths read up to 64 at a time.
 */
export function readLds(store: Store, where: string, ...params: Param[]): LogicalDisk[] {
  return store.values(`${LD_SELECT} ${where}`, ...params).map(ldOf);
}

/** The first LD a condition selects, or undefined. */
export function readLd(store: Store, where: string, ...params: Param[]): LogicalDisk | undefined {
  return readLds(store, where, ...params)[0];
}

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
