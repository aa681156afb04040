/**
 * Snapshots in VASA's two phases: prepareToSnapshotVirtualVolume per disk (a task
 * whose result names the new snapshot), then snapshotVirtualVolume once with the whole
 * batch, which the engine takes at one consistent point. revertVirtualVolume.
 */
import type { Call } from '../face';
import { asList, checkBatch, doneTask, fromNameValues, str, vvolInfo } from '../convert';
import { VasaFault } from '../faults';
import { batchStatus, inRequestOrder, readItem } from './batch-items';
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

/**
 * The batch of phase 2. timeoutMS runs from the call's start; the engine checks it
 * before each item and never undoes one: an item taken is reported taken however long
 * the batch took, an item the deadline left untouched is Timeout (still prepared), an
 * item that failed carries its own fault.
 */
export function snapshotVirtualVolume(call: Call) {
  const raw = asList<{ vvolId?: unknown; metadata?: unknown }>(call.req.snapshotInfo);
  checkBatch(call.face, raw.length, 'snapshots');
  const timeout = Number(call.req.timeoutMS ?? 0);
  if (!Number.isFinite(timeout) || timeout < 0) throw new VasaFault('InvalidArgument', 'timeoutMS must not be negative.', {}, true);
  const deadline = timeout > 0 ? call.face.clock.now() + timeout : undefined;
  const inputs = raw.map((i) => readItem(() => ({ snapshotVvolId: vvolIdOf(i.vvolId, 'snapshotInfo/vvolId'), metadata: fromNameValues(i.metadata) })));
  const results = inRequestOrder(inputs, (items) => call.face.engine.takeSnapshots(items, { deadline }));
  return results.map((r, n) => {
    if (r instanceof VasaFault) return batchStatus(str(raw[n].vvolId).trim(), r);
    switch (r.outcome) {
      case 'taken':
        return batchStatus(r.snapshotVvolId);
      case 'refused':
        return batchStatus(r.snapshotVvolId, r.error);
      case 'not-attempted':
        return batchStatus(r.snapshotVvolId, new VasaFault('Timeout', `The snapshot was not taken: the batch's ${timeout} ms had passed before its turn; it is still prepared.`));
    }
  });
}

export function revertVirtualVolume(call: Call) {
  const ld = call.face.engine.revert(vvolIdOf(call.req.vvolId), vvolIdOf(call.req.snapshotVvolId, 'snapshotVvolId'));
  return doneTask(call.face, 'revertVirtualVolume', call.face.engine.getArray(ld.arrayId));
}

export { str };
