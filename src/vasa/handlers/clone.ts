/** Clones: linked (fast) clones complete at once; full clones and diff copies run as engine tasks. */
import type { Call } from '../face';
import type { Responses } from '../generated/operations';
import { VasaFault } from '../faults';
import { doneTask, engineTaskInfo, findContainer, fromNameValues, str } from '../convert';
import { vvolIdOf } from './vvol';
import { placementFor } from '../../policy/placement';
import { requestedProfile, withProfile } from '../storage-profile';

export function fastCloneVirtualVolume(call: Call<'fastCloneVirtualVolume'>): Responses['fastCloneVirtualVolume'] {
  const { engine } = call.face;
  const placement = placementFor(requestedProfile(call.req.newProfile));
  const fcv = withProfile(() => engine.fastClone(vvolIdOf(call.req.vvolId), { metadata: fromNameValues(call.req.metadata) }, placement));
  const a = engine.getArray(fcv.arrayId);
  call.arrays = [a.name];
  return doneTask(call.face, 'fastCloneVirtualVolume', a, fcv.vvolId);
}

export function cloneVirtualVolume(call: Call<'cloneVirtualVolume'>): Responses['cloneVirtualVolume'] {
  const { engine } = call.face;
  const src = engine.getVvol(vvolIdOf(call.req.vvolId));
  const target = call.req.newContainerId ? findContainer(engine, call.req.newContainerId) : undefined;
  if (target && target.array.id !== src.arrayId) {
    throw new VasaFault('NotSupported', 'A full clone into a container of another disk array is not supported.', {}, true);
  }
  const placement = placementFor(requestedProfile(call.req.newProfile));
  const r = withProfile(() => engine.fullClone(src.vvolId as string, { pool: target?.pool.poolNo, metadata: fromNameValues(call.req.metadata) }, placement));
  const a = engine.getArray(src.arrayId);
  call.arrays = [a.name];
  return engineTaskInfo(a, engine.getTask(r.taskId), 'cloneVirtualVolume', r.ld.vvolId);
}

export function copyDiffsToVirtualVolume(call: Call<'copyDiffsToVirtualVolume'>): Responses['copyDiffsToVirtualVolume'] {
  const { engine } = call.face;
  const src = vvolIdOf(call.req.srcVVolId, 'srcVVolId');
  const taskId = engine.copyDiffs(src, vvolIdOf(call.req.srcBaseVVolId, 'srcBaseVVolId'), vvolIdOf(call.req.dstVVolId, 'dstVVolId'));
  const a = engine.getArray(engine.getVvol(src).arrayId);
  call.arrays = [a.name];
  return engineTaskInfo(a, engine.getTask(taskId), 'copyDiffsToVirtualVolume');
}
