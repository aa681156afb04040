/**
 * Binding: the host is the calling ESXi session; a batch binds VVols of one container
 * through PEs the host can use (and reported with setPEContext, when it did). Items
 * fail one by one inside the result, not as a SOAP fault.
 */
import { ArrayError } from '../../array/errors';
import type { UnbindResult } from '../../array/binding';
import { VasaFault } from '../faults';
import type { Call } from '../face';
import type { Session } from '../sessions';
import { asList, checkBatch, str, vvolInfo } from '../convert';
import { batchStatus, inRequestOrder, itemFault, readItem, wellFormed } from './batch-items';
import { vvolIdOf } from './vvol';

function hostOf(call: Call): string {
  const s = call.session as Session;
  if (s.kind !== 'host' || !s.engineHost) {
    throw new VasaFault('InvalidArgument', 'Binding needs an ESXi host session (setContext with UsageContext.hostGuid and host initiators).', {}, true);
  }
  return s.engineHost;
}

export function bindVirtualVolume(call: Call) {
  const host = hostOf(call);
  const raw = asList<unknown>(call.req.vvolId);
  checkBatch(call.face, raw.length, 'VVols');
  const inputs = raw.map((v) => readItem(() => vvolIdOf(v)));
  const ids = wellFormed(inputs);
  const { engine } = call.face;
  // All VVols of one call must be in one container (as vSphere sends them).
  const pools = new Set<string>();
  engine.batchRead(() => {
    for (const id of ids) {
      try {
        const ld = engine.getVvol(id);
        pools.add(`${ld.arrayId}:${ld.poolId}`);
      } catch {
        /* reported per item below */
      }
    }
  });
  if (pools.size > 1) throw new VasaFault('InvalidArgument', 'The VVols of one bindVirtualVolume call must be in one storage container.', {}, true);
  const s = call.session as Session;
  let allowedPes: number[] | undefined;
  if (s.peContext && pools.size === 1) {
    const arrayId = Number([...pools][0].split(':')[0]);
    allowedPes = s.peContext.get(arrayId);
  }
  const results = inRequestOrder(inputs, (vvolIds) => engine.bindVvols(host, vvolIds, allowedPes));
  const metadata = boundMetadata(call, results.flatMap((r) => (r instanceof VasaFault || !r.ok ? [] : [r.vvolId])));
  return results.map((r, n) => {
    if (r instanceof VasaFault) return { fault: itemFault(r), vvolId: str(raw[n]).trim() };
    if (!r.ok) return { fault: itemFault(r.error), vvolId: r.vvolId };
    const md = metadata.get(r.vvolId);
    return {
      // peId is the PE's eui (peInBandId's lunId); the array need not be read again.
      vvolHandle: { uniqueIdentifier: r.vvolId, peInBandId: { lunId: r.handle.peId, protocolEndpointType: 'SCSI' }, vvolSecondaryId: `0x${r.handle.secondaryId.toString(16)}` },
      vvolId: r.vvolId,
      vvolInfo: md ? vvolInfo({ vvolId: r.vvolId, metadata: md }) : undefined,
      vvolLogicalSize: r.handle.sizeMB,
    };
  });
}

/**
 * The metadata of the VVols just bound, for vvolInfo (optional in the result). The
 * bindings are committed by now: when this read fails they are still reported bound,
 * without vvolInfo, rather than as a failed call that leaves the host unaware of them.
 */
function boundMetadata(call: Call, vvolIds: string[]): Map<string, Record<string, string>> {
  const { engine } = call.face;
  try {
    return engine.batchRead(() => new Map(vvolIds.map((id) => [id, engine.vvolMetadata(id)])));
  } catch (e) {
    call.face.log.warn(`bindVirtualVolume: the bindings are made but their metadata could not be read (${(e as Error).message}); vvolInfo is left out.`);
    return new Map();
  }
}

interface HandleIn {
  uniqueIdentifier?: string;
  peInBandId?: { lunId?: string };
}

export function unbindVirtualVolume(call: Call) {
  const host = hostOf(call);
  const handles = asList<HandleIn>(call.req.vvolHandle);
  checkBatch(call.face, handles.length, 'VVol handles');
  const context = str(call.req.unbindContext) || 'Normal';
  const { engine } = call.face;
  const inputs = handles.map((h) => readItem(() => {
    const vvolId = vvolIdOf(h.uniqueIdentifier, 'vvolHandle/uniqueIdentifier');
    const lun = str(h.peInBandId?.lunId).toLowerCase();
    const m = /^eui\.[0-9a-f]{12}([0-9a-f]{4})$/.exec(lun);
    return { vvolId, peLdn: m ? parseInt(m[1], 16) : undefined };
  }));
  const unbind = context === 'RebindStart'
    ? (items: { vvolId: string }[]) => keptForRebind(call, host, items.map((i) => i.vvolId))
    : (items: { vvolId: string; peLdn?: number }[]) => engine.unbindVvols(host, items);
  return inRequestOrder(inputs, unbind).map((r, n) => {
    if (r instanceof VasaFault) return batchStatus(str(handles[n].uniqueIdentifier).trim(), r);
    return r.ok ? batchStatus(r.vvolId) : batchStatus(r.vvolId, r.error);
  });
}

/**
 * RebindStart: the host keeps its binding until RebindEnd, so nothing changes yet. An
 * item is reported done only when there is a binding of this host to keep; an unknown
 * VVol or one this host has not bound says so.
 */
function keptForRebind(call: Call, host: string, vvolIds: string[]): UnbindResult[] {
  const { engine } = call.face;
  return engine.batchRead(() => {
    const boundByArray = new Map<number, Set<string>>();
    return vvolIds.map((vvolId): UnbindResult => {
      try {
        const ld = engine.getVvol(vvolId);
        let bound = boundByArray.get(ld.arrayId);
        if (!bound) boundByArray.set(ld.arrayId, (bound = new Set(engine.listBindings(ld.arrayId, host).map((b) => b.vvolId))));
        if (!bound.has(vvolId)) return { vvolId, ok: false, error: new ArrayError('NOT_FOUND', `The VVOL ${vvolId} is not bound for the host ${host}.`, { vvolId, host }) };
        return { vvolId, ok: true };
      } catch (e) {
        if (e instanceof ArrayError) return { vvolId, ok: false, error: e };
        throw e;
      }
    });
  });
}

export function unbindAllVirtualVolumesFromHost(call: Call) {
  const s = call.session as Session;
  const host = s.kind === 'host' ? s.engineHost : str(call.req.hostUuid) || undefined;
  if (!host) throw new VasaFault('InvalidArgument', 'No host: call from an ESXi host session or give hostUuid.', {}, true);
  call.face.engine.unbindAllFromHost(host);
  return undefined;
}

export function unbindVirtualVolumeFromAllHost(call: Call) {
  const raw = asList<unknown>(call.req.vvolId);
  checkBatch(call.face, raw.length, 'VVols');
  const inputs = raw.map((v) => readItem(() => vvolIdOf(v)));
  return inRequestOrder(inputs, (ids) => call.face.engine.unbindFromAllHosts(ids)).map((r, n) => {
    if (r instanceof VasaFault) return batchStatus(str(raw[n]).trim(), r);
    return r.ok ? batchStatus(r.vvolId) : batchStatus(r.vvolId, r.error);
  });
}
