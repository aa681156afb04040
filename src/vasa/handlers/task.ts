/** Task polling and cancelling: engine tasks and the finished TaskInfos of immediate operations. */
import type { Call } from '../face';
import type { Responses, TaskInfoOut } from '../generated/operations';
import { VasaFault } from '../faults';
import { engineTaskInfo, findArrayByWireId, syntheticTaskInfo } from '../convert';

const NAMES: Record<string, string> = { clone: 'cloneVirtualVolume', 'copy-diffs': 'copyDiffsToVirtualVolume', replicate: 'replicate', restore: 'restore', 'snapshot-delete': 'deleteVirtualVolume' };

function engineTask(call: Call, id: string): TaskInfoOut {
  const { engine } = call.face;
  const t = engine.getTask(id);
  const a = engine.getArray(t.arrayId);
  return engineTaskInfo(a, t, NAMES[t.kind] ?? t.kind, t.result ?? undefined);
}

export function getTaskUpdate(call: Call<'getTaskUpdate'>): Responses['getTaskUpdate'] {
  const id = call.req.taskId;
  if (!id) throw new VasaFault('InvalidArgument', 'No taskId given.', {}, true);
  const synthetic = call.face.tasks.get(id);
  if (synthetic) return syntheticTaskInfo(synthetic);
  return engineTask(call, id);
}

export function getCurrentTask(call: Call<'getCurrentTask'>): Responses['getCurrentTask'] {
  const { engine } = call.face;
  const ref = call.req.arrayId ? findArrayByWireId(engine, call.req.arrayId).name : undefined;
  return engine.listTasks(ref, true).map((t) => engineTask(call, t.id));
}

export function cancelTask(call: Call<'cancelTask'>): Responses['cancelTask'] {
  const id = call.req.taskId;
  if (call.face.tasks.get(id)) throw new VasaFault('NotCancellable', `The task ${id} has already completed.`);
  call.face.engine.cancelTask(id);
  return undefined;
}
