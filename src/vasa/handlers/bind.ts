/**
 * Binding: the host is the calling ESXi session; a batch binds VVols of one container
 * through PEs the host can use (and reported with setPEContext, when it did). Items
 * fail one by one inside the result, not as a SOAP fault.
 */
import { VasaFault } from '../faults';
import type { Call } from '../face';
import type { BatchVirtualVolumeHandleResultOut, Responses } from '../generated/operations';
import type { Session } from '../sessions';
import { checkBatch, str, vvolInfo } from '../convert';
import { batchStatus, inRequestOrder, inRequestOrderAsync, itemFault, readItem } from './batch-items';
import { vvolIdOf } from './vvol';

function hostOf(call: Call): string {
  const s = call.session as Session;
  if (s.kind !== 'host' || !s.engineHost) {
    throw new VasaFault('InvalidArgument', 'Binding needs an ESXi host session (setContext with UsageContext.hostGuid and host initiators).', {}, true);
  }
  return s.engineHost;
}

export async function bindVirtualVolume(call: Call<'bindVirtualVolume'>): Promise<Responses['bindVirtualVolume']> {
  const host = hostOf(call);
  const raw = call.req.vvolId;
  checkBatch(call.face, raw.length, 'VVols');
  const inputs = raw.map((v) => readItem(() => vvolIdOf(v)));
  const { engine } = call.face;
  // One engine call, one transaction: the one-container rule (as vSphere sends a batch),
  // each item bound or failed alone, and the bound VVols' metadata for vvolInfo. The
  // transaction is a part of a group commit: answered once it is durable, sharing its
  // fsync with the binds and unbinds of other hosts that arrived meanwhile (boot storms).
  let metadata = new Map<string, Record<string, string>>();
  const results = await inRequestOrderAsync(inputs, async (vvolIds) => {
    const b = await engine.grouped(() => engine.bindBatch(host, vvolIds, { peContext: (call.session as Session).peContext }));
    call.arrays = b.arrays;
    metadata = b.metadata;
    if (b.metadataFailure) call.face.log.warn(`bindVirtualVolume: the bindings are made but their metadata could not be read (${b.metadataFailure}); vvolInfo is left out.`);
    return b.results;
  });
  return results.map((r, n): BatchVirtualVolumeHandleResultOut => {
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

export async function unbindVirtualVolume(call: Call<'unbindVirtualVolume'>): Promise<Responses['unbindVirtualVolume']> {
  const host = hostOf(call);
  const handles = call.req.vvolHandle;
  checkBatch(call.face, handles.length, 'VVol handles');
  const context = call.req.unbindContext;
  const { engine } = call.face;
  const inputs = handles.map((h) => readItem(() => {
    const vvolId = vvolIdOf(h.uniqueIdentifier, 'vvolHandle/uniqueIdentifier');
    const lun = str(h.peInBandId?.lunId).toLowerCase();
    const m = /^eui\.[0-9a-f]{12}([0-9a-f]{4})$/.exec(lun);
    return { vvolId, peLdn: m ? parseInt(m[1], 16) : undefined };
  }));
  // RebindStart: the host keeps its bindings until RebindEnd; the engine only says which there are to keep.
  const keep = context === 'RebindStart';
  // RebindStart changes nothing (a read): no group to join then.
  const unbind = async (items: { vvolId: string; peLdn?: number }[]) => {
    const u = keep ? engine.unbindBatch(host, items, true) : await engine.grouped(() => engine.unbindBatch(host, items, false));
    call.arrays = u.arrays;
    return u.results;
  };
  return (await inRequestOrderAsync(inputs, unbind)).map((r, n) => {
    if (r instanceof VasaFault) return batchStatus(str(handles[n].uniqueIdentifier).trim(), r);
    return r.ok ? batchStatus(r.vvolId) : batchStatus(r.vvolId, r.error);
  });
}

export function unbindAllVirtualVolumesFromHost(call: Call<'unbindAllVirtualVolumesFromHost'>): Responses['unbindAllVirtualVolumesFromHost'] {
  const s = call.session as Session;
  const host = s.kind === 'host' ? s.engineHost : call.req.hostUuid || undefined;
  if (!host) throw new VasaFault('InvalidArgument', 'No host: call from an ESXi host session or give hostUuid.', {}, true);
  call.face.engine.unbindAllFromHost(host);
  return undefined;
}

export function unbindVirtualVolumeFromAllHost(call: Call<'unbindVirtualVolumeFromAllHost'>): Responses['unbindVirtualVolumeFromAllHost'] {
  const raw = call.req.vvolId;
  checkBatch(call.face, raw.length, 'VVols');
  const inputs = raw.map((v) => readItem(() => vvolIdOf(v)));
  return inRequestOrder(inputs, (ids) => call.face.engine.unbindFromAllHosts(ids)).map((r, n) => {
    if (r instanceof VasaFault) return batchStatus(str(raw[n]).trim(), r);
    return r.ok ? batchStatus(r.vvolId) : batchStatus(r.vvolId, r.error);
  });
}
