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

/** The columns of every LD read, in the order ldOf reads them (the pool's number joined in last). */
const LD_COLUMNS = [
  'id', 'array_id', 'ldn', 'name', 'pool_id', 'capacity', 'kind', 'vvol_type', 'vvol_id', 'allocation', 'rpl', 'snap', 'clone', 'state',
  'fault_reason', 'access', 'parent_id', 'layer', 'generation', 'temporary', 'vm_id', 'io_upper', 'io_lower', 'deleting_since',
  'cloning_since', 'created_at',
].map((c) => `l.${c}`).concat('p.pool_no');

/** The SELECT every LD read uses (joins the pool number in); read with readLds/readLd. */
const LD_SELECT = `SELECT ${LD_COLUMNS.join(', ')} FROM lds l JOIN pools p ON p.id = l.pool_id`;

/** One LD from its row's values in LD_COLUMNS' order. */
function ldOf(v: unknown[]): LogicalDisk {
  return {
    id: num(v[0]),
    arrayId: num(v[1]),
    ldn: num(v[2]),
    name: String(v[3]),
    poolId: num(v[4]),
    poolNo: num(v[26]),
    capacity: num(v[5]),
    kind: v[6] as LdKind,
    vvolType: (v[7] as VvolType | null) ?? null,
    vvolId: strOrNull(v[8]),
    allocation: v[9] as 'virtual' | 'real',
    rpl: v[10] as RplAttr,
    snap: v[11] as SnapAttr,
    clone: v[12] as CloneAttr,
    state: v[13] as LdState,
    faultReason: strOrNull(v[14]),
    access: v[15] as AccessMode,
    parentId: numOrNull(v[16]),
    layer: num(v[17]),
    generation: numOrNull(v[18]),
    temporary: !!v[19],
    vmId: strOrNull(v[20]),
    ioUpper: numOrNull(v[21]),
    ioLower: numOrNull(v[22]),
    deletingSince: numOrNull(v[23]),
    cloningSince: numOrNull(v[24]),
    createdAt: num(v[25]),
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
  const [v] = store.values(`${LD_SELECT} ${where}`, ...params);
  return v ? ldOf(v) : undefined;
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
