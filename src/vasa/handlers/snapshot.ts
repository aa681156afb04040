/**
 * Snapshots in VASA's two phases: prepareToSnapshotVirtualVolume per disk (a task
 * whose result names the new snapshot), then snapshotVirtualVolume once with the whole
 * batch, which the engine takes at one consistent point. revertVirtualVolume.
 */
import type { Call } from '../face';
import { asList, checkBatch, doneTask, faultObject, fromNameValues, str, vvolInfo } from '../convert';
import { faultFromArrayError, VasaFault } from '../faults';
import { vvolIdOf } from './vvol';
import { qn, NS, typed } from '../soap/codec';
import { spaceStats } from './space';

export function prepareToSnapshotVirtualVolume(call: Call) {
  const { engine } = call.face;
  const baseId = vvolIdOf(call.req.vvolId);
  const esv = engine.prepareSnapshot(baseId);
  const result = typed(qn(NS.vvol, 'PrepareSnapshotResult'), {
    parentInfo: vvolInfo(engine.vvolDetail(baseId)),
    parentStats: spaceStats(call, baseId),
    snapshotId: esv.vvolId,
  });
  return doneTask(call.face, 'prepareToSnapshotVirtualVolume', engine.getArray(esv.arrayId), result);
}

export function snapshotVirtualVolume(call: Call) {
  const items = asList<{ vvolId?: string; metadata?: unknown }>(call.req.snapshotInfo);
  checkBatch(call.face, items.length, 'snapshots');
  const timeout = Number(call.req.timeoutMS ?? 0);
  if (!Number.isFinite(timeout) || timeout < 0) throw new VasaFault('InvalidArgument', 'timeoutMS must not be negative.', {}, true);
  const started = call.face.clock.now();
  const results = call.face.engine.takeSnapshots(items.map((i) => ({ snapshotVvolId: vvolIdOf(i.vvolId, 'snapshotInfo/vvolId'), metadata: fromNameValues(i.metadata) })));
  const late = timeout > 0 && call.face.clock.now() - started > timeout;
  return results.map((r) => {
    if (!r.ok) {
      const f = faultFromArrayError(r.error);
      return { errorResult: { error: [faultObject(f.fault, f.message)] }, uniqueId: r.snapshotVvolId };
    }
    if (late) return { errorResult: { error: [faultObject('Timeout', `The snapshot batch took longer than ${timeout} ms.`)] }, uniqueId: r.snapshotVvolId };
    return { uniqueId: r.snapshotVvolId };
  });
}

export function revertVirtualVolume(call: Call) {
  const ld = call.face.engine.revert(vvolIdOf(call.req.vvolId), vvolIdOf(call.req.snapshotVvolId, 'snapshotVvolId'));
  return doneTask(call.face, 'revertVirtualVolume', call.face.engine.getArray(ld.arrayId));
}

export { str };
