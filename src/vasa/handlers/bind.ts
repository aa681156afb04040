/**
 * Binding: the host is the calling ESXi session; a batch binds VVols of one container
 * through PEs the host can use (and reported with setPEContext, when it did). Items
 * fail one by one inside the result, not as a SOAP fault.
 */
import type { ArrayError } from '../../array/errors';
import { faultFromArrayError, VasaFault } from '../faults';
import type { Call } from '../face';
import type { Session } from '../sessions';
import { asList, checkBatch, faultObject, str, vvolInfo } from '../convert';
import { vvolIdOf } from './vvol';

function hostOf(call: Call): string {
  const s = call.session as Session;
  if (s.kind !== 'host' || !s.engineHost) {
    throw new VasaFault('InvalidArgument', 'Binding needs an ESXi host session (setContext with UsageContext.hostGuid and host initiators).', {}, true);
  }
  return s.engineHost;
}

const itemFault = (e: ArrayError) => {
  const f = faultFromArrayError(e);
  return faultObject(f.fault, f.message);
};

export function bindVirtualVolume(call: Call) {
  const host = hostOf(call);
  const ids = asList<string>(call.req.vvolId).map((v) => vvolIdOf(v));
  checkBatch(call.face, ids.length, 'VVols');
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
  const results = engine.bindVvols(host, ids, allowedPes);
  return engine.batchRead(() => results.map((r) => {
    if (!r.ok) return { fault: itemFault(r.error), vvolId: r.vvolId };
    return {
      // peId is the PE's eui (peInBandId's lunId); the array need not be read again.
      vvolHandle: { uniqueIdentifier: r.vvolId, peInBandId: { lunId: r.handle.peId, protocolEndpointType: 'SCSI' }, vvolSecondaryId: `0x${r.handle.secondaryId.toString(16)}` },
      vvolId: r.vvolId,
      vvolInfo: vvolInfo({ vvolId: r.vvolId, metadata: engine.vvolMetadata(r.vvolId) }),
      vvolLogicalSize: r.handle.sizeMB,
    };
  }));
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
  if (context === 'RebindStart') {
    // The host keeps its binding until RebindEnd: nothing to do yet.
    return handles.map((h) => ({ uniqueId: str(h.uniqueIdentifier) }));
  }
  const items = handles.map((h) => {
    const vvolId = vvolIdOf(h.uniqueIdentifier, 'vvolHandle/uniqueIdentifier');
    const lun = str(h.peInBandId?.lunId).toLowerCase();
    const m = /^eui\.[0-9a-f]{12}([0-9a-f]{4})$/.exec(lun);
    return { vvolId, peLdn: m ? parseInt(m[1], 16) : undefined };
  });
  return engine.unbindVvols(host, items).map((r) => (r.ok ? { uniqueId: r.vvolId } : { errorResult: { error: [itemFault(r.error)] }, uniqueId: r.vvolId }));
}

export function unbindAllVirtualVolumesFromHost(call: Call) {
  const s = call.session as Session;
  const host = s.kind === 'host' ? s.engineHost : str(call.req.hostUuid) || undefined;
  if (!host) throw new VasaFault('InvalidArgument', 'No host: call from an ESXi host session or give hostUuid.', {}, true);
  call.face.engine.unbindAllFromHost(host);
  return undefined;
}

export function unbindVirtualVolumeFromAllHost(call: Call) {
  const ids = asList<string>(call.req.vvolId).map((v) => vvolIdOf(v));
  checkBatch(call.face, ids.length, 'VVols');
  return call.face.engine.unbindFromAllHosts(ids).map((r) => (r.ok ? { uniqueId: r.vvolId } : { errorResult: { error: [itemFault(r.error)] }, uniqueId: r.vvolId }));
}
