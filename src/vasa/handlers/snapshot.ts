/**
 * Snapshots in VASA's two phases: prepareToSnapshotVirtualVolume per disk (a task
 * whose result names the new snapshot), then snapshotVirtualVolume once with the whole
 * batch, which the engine takes at one consistent point. revertVirtualVolume.
 */
import type { Call } from '../face';
import type { Responses } from '../generated/operations';
import { checkBatch, doneTask, fromNameValues, str, vvolInfo } from '../convert';
import { VasaFault } from '../faults';
import { batchStatus, inRequestOrder, readItem } from './batch-items';
import { vvolIdOf } from './vvol';
import { qn, NS, typed } from '../soap/codec';
import { vvolStats } from './space';
import { placementFor } from '../../policy/placement';
import { requestedProfile, withProfile } from '../storage-profile';

export function prepareToSnapshotVirtualVolume(call: Call<'prepareToSnapshotVirtualVolume'>): Responses['prepareToSnapshotVirtualVolume'] {
  // One engine call: the snapshot made, and its parent's metadata and space read, in one transaction.
  const placement = placementFor(requestedProfile(call.req.storageProfile));
  const p = withProfile(() => call.face.engine.prepareWithParent(vvolIdOf(call.req.vvolId), placement));
  call.arrays = [p.array.name];
  const result = typed(qn(NS.vvol, 'PrepareSnapshotResult'), {
    parentInfo: vvolInfo(p.parent),
    parentStats: vvolStats(p.parent.space),
    snapshotId: p.snapshot.vvolId,
  });
  return doneTask(call.face, 'prepareToSnapshotVirtualVolume', p.array, result);
}

/**
 * The batch of phase 2. timeoutMS runs from the call's start; the engine checks it
 * before each item and never undoes one: an item taken is reported taken however long
 * the batch took, an item the deadline left untouched is Timeout (still prepared), an
 * item that failed carries its own fault.
 */
export function snapshotVirtualVolume(call: Call<'snapshotVirtualVolume'>): Responses['snapshotVirtualVolume'] {
  const raw = call.req.snapshotInfo;
  checkBatch(call.face, raw.length, 'snapshots');
  const timeout = call.req.timeoutMS;
  if (!Number.isFinite(timeout) || timeout < 0) throw new VasaFault('InvalidArgument', 'timeoutMS must not be negative.', {}, true);
  const deadline = timeout > 0 ? call.face.clock.now() + timeout : undefined;
  const inputs = raw.map((i) => readItem(() => ({ snapshotVvolId: vvolIdOf(i.vvolId, 'snapshotInfo/vvolId'), metadata: fromNameValues(i.metadata) })));
  const results = inRequestOrder(inputs, (items) => {
    const b = call.face.engine.takeSnapshotBatch(items, { deadline });
    call.arrays = b.arrays;
    return b.results;
  });
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

export function revertVirtualVolume(call: Call<'revertVirtualVolume'>): Responses['revertVirtualVolume'] {
  const ld = call.face.engine.revert(vvolIdOf(call.req.vvolId), vvolIdOf(call.req.snapshotVvolId, 'snapshotVvolId'));
  const a = call.face.engine.getArray(ld.arrayId);
  call.arrays = [a.name];
  return doneTask(call.face, 'revertVirtualVolume', a);
}

export { str };
