/**
 * Domain values -> VASA wire values (plain objects named as the schema names them),
 * and the lookups from VASA ids back to arrays, containers and PEs. Shared by the
 * handler files; no storage logic here.
 */
import type { DiskArrayEngine } from '../array/engine';
import { containerUuid, hex4, peEui } from '../array/ids';
import { LIMITS, MiB } from '../array/models';
import type { DiskArray, LdDetail, LogicalDisk, Pool, Task } from '../array/types';
import type { Face } from './face';
import type { NameValuePairOut, ProtocolEndpointInbandIdOut, ProtocolEndpointOut, StorageArrayOut, StorageContainerOut, TaskInfoOut, TaskStateEnum, VirtualVolumeInfoOut } from './generated/operations';
import { VasaFault } from './faults';
import { NS, qn, typed, Typed } from './soap/codec';

export const arrayId = (a: DiskArray): string => `StorageArray:${a.serial}`;

export function findArrayByWireId(engine: DiskArrayEngine, id: string): DiskArray {
  const serial = id.startsWith('StorageArray:') ? id.slice('StorageArray:'.length) : id;
  const a = engine.listArrays().find((x) => x.serial === serial || x.name === serial);
  if (!a) throw new VasaFault('NotFound', `The storage array ${id} does not exist.`, {}, true);
  return a;
}

export function storageArray(a: DiskArray): StorageArrayOut {
  return {
    uniqueIdentifier: arrayId(a),
    alternateName: [a.name],
    arrayName: a.name,
    firmware: '0940',
    modelId: a.model,
    priority: 128,
    supportedBlock: ['FC', 'ISCSI'],
    supportedProfile: ['VirtualVolumeProfile'],
    vendorId: 'NEC',
  };
}

export function storageContainer(a: DiskArray, p: Pool): StorageContainerOut {
  return {
    uniqueIdentifier: containerUuid(a.wwn, p.poolNo),
    maxVvolSizeMB: LIMITS.maxVolumeBytes / MiB,
    name: p.name,
    protocolEndPointType: 'SCSI',
  };
}

export interface ContainerRef {
  array: DiskArray;
  pool: Pool;
}

/** Every Storage Container of every array, by its VASA id. */
export function containers(engine: DiskArrayEngine): Map<string, ContainerRef> {
  const m = new Map<string, ContainerRef>();
  for (const a of engine.listArrays()) {
    for (const p of engine.listPools(a.name)) if (p.container) m.set(containerUuid(a.wwn, p.poolNo), { array: a, pool: p });
  }
  return m;
}

export function findContainer(engine: DiskArrayEngine, id: string): ContainerRef {
  const c = containers(engine).get(String(id).toLowerCase());
  if (!c) throw new VasaFault('NotFound', `The storage container ${id} does not exist.`, {}, true);
  return c;
}

export function peInBandId(a: DiskArray, ldn: number): ProtocolEndpointInbandIdOut {
  return { lunId: peEui(a.wwn, ldn), protocolEndpointType: 'SCSI' };
}

export function protocolEndpoint(a: DiskArray, pe: LogicalDisk): ProtocolEndpointOut & { uniqueIdentifier: string } {
  return { uniqueIdentifier: peEui(a.wwn, pe.ldn), inBandBindCapability: 'None', inBandId: peInBandId(a, pe.ldn) };
}

export const nameValues = (kv: Record<string, string>): NameValuePairOut[] => Object.entries(kv).map(([parameterName, parameterValue]): NameValuePairOut => ({ parameterName, parameterValue }));

export function fromNameValues(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const nv of (Array.isArray(list) ? list : []) as { parameterName?: string; parameterValue?: string }[]) {
    if (!nv.parameterName) throw new VasaFault('InvalidArgument', 'A metadata entry has no parameterName.', {}, true);
    out[nv.parameterName] = nv.parameterValue ?? '';
  }
  return out;
}

export function vvolInfo(d: Pick<LdDetail, 'vvolId' | 'metadata'>): VirtualVolumeInfoOut {
  // Only VVols come here (found by their id); vvolId is required on the wire.
  if (d.vvolId === null) throw new Error('vvolInfo of a logical disk that is not a VVol');
  return { uniqueIdentifier: d.vvolId, metadata: nameValues(d.metadata), vvolId: d.vvolId };
}

export const mb = (bytes: number) => Math.ceil(bytes / MiB);

/** TooMany, carrying the largest batch we accept. */
export function checkBatch(face: Face, n: number, what: string): void {
  if (n > face.opts.maxBatchSize) {
    throw new VasaFault('TooMany', `At most ${face.opts.maxBatchSize} ${what} per call (got ${n}).`, { maxBatchSize: face.opts.maxBatchSize }, true);
  }
  if (n === 0) throw new VasaFault('InvalidArgument', `No ${what} given.`, {}, true);
}

/** A fault object for a batch item (xsi:type fault:<Name>). */
export function faultObject(name: string, message: string): Typed {
  return typed(qn(NS.fault, name), name === 'StorageFault' ? { faultMessageId: `Fault.StorageFault`, parameterList: [{ parameterName: 'message', parameterValue: message }] } : {});
}

const TASK_STATE: Record<Task['state'], TaskStateEnum> = { queued: 'Queued', running: 'Running', success: 'Success', error: 'Error', cancelled: 'Error' };

/** TaskInfo of an engine task. `result` is the value to report once it succeeded. */
export function engineTaskInfo(a: DiskArray, t: Task, name: string, result?: unknown): TaskInfoOut {
  return {
    arrayId: arrayId(a),
    cancelable: t.cancelable,
    cancelled: t.cancelled,
    error: t.state === 'error' || t.state === 'cancelled' ? faultObject('StorageFault', t.errorMessage ?? (t.cancelled ? `The task ${t.id} was cancelled.` : 'The task failed.')) : undefined,
    estimatedTimeToComplete: t.estimatedCompletion ?? undefined,
    name,
    progress: t.progress,
    progressUpdateAvailable: true,
    result: t.state === 'success' ? result : undefined,
    startTime: t.startedAt ?? t.queuedAt,
    taskId: t.id,
    taskState: TASK_STATE[t.state],
  };
}

/** A TaskInfo for work the engine finished at once, kept for later getTaskUpdate calls. */
export function doneTask(face: Face, name: string, a: DiskArray | undefined, result?: unknown): TaskInfoOut {
  const t = face.tasks.add({ name, arrayId: a ? arrayId(a) : undefined, startTime: face.clock.now(), state: 'Success', result });
  return syntheticTaskInfo(t);
}

export function syntheticTaskInfo(t: { taskId: string; name: string; arrayId?: string; startTime: number; state: 'Success' | 'Error'; result?: unknown; error?: unknown }): TaskInfoOut {
  return {
    arrayId: t.arrayId, cancelable: false, cancelled: false, error: t.error, name: t.name, progress: 100,
    progressUpdateAvailable: true, result: t.result, startTime: t.startTime, taskId: t.taskId, taskState: t.state,
  };
}

export const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
export { hex4 };
