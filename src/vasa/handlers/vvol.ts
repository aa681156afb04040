/** VVol life cycle: create, delete, resize, metadata, queries. */
import { vvolIdForm } from '../../array/ids';
import { MiB, VvolType } from '../../array/models';
import { VasaFault } from '../faults';
import type { Call } from '../face';
import type { Responses } from '../generated/operations';
import { wantsThick } from '../../policy/profile';
import { placementFor } from '../../policy/placement';
import { requestedProfile, withProfile } from '../storage-profile';
import { checkBatch, doneTask, fromNameValues, str, vvolInfo } from '../convert';

const TYPES: Record<string, VvolType> = { Config: 'config', Data: 'data', Swap: 'swap', Memory: 'memory', Other: 'other' };

/**
 * A VVol id from the wire. N4: our ids are naa.6… (3.1.3); an rfc4122.<uuid> id is a
 * well-formed VASA id we never issued (older versions of this provider did): the
 * engine answers NotFound for it, as for any id of a VVol that does not exist.
 * Anything else is the client's mistake (InvalidArgument).
 */
export function vvolIdOf(v: unknown, what = 'vvolId'): string {
  const id = str(v).trim();
  if (!vvolIdForm(id)) throw new VasaFault('InvalidArgument', `${what} "${id.slice(0, 80)}" is not a VVol id (naa.6 and 31 hexadecimal digits).`, {}, true);
  return id;
}

function sizeBytes(v: unknown): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new VasaFault('InvalidArgument', `sizeInMB must be a positive integer (got ${str(v)}).`, {}, true);
  return n * MiB;
}

export function createVirtualVolume(call: Call<'createVirtualVolume'>): Responses['createVirtualVolume'] {
  const type = TYPES[str(call.req.vvolType)];
  if (!type) throw new VasaFault('InvalidArgument', `vvolType "${str(call.req.vvolType)}" is not Config, Data, Swap, Memory or Other.`, {}, true);
  const metadata = fromNameValues(call.req.metadata);
  // One engine call: the container found by its id and the VVol made in one transaction.
  const profile = requestedProfile(call.req.storageProfile);
  // B11: the container is checked against the profile and the profile stored with the VVol, in the same transaction.
  const r = withProfile(() => call.face.engine.createVvolInContainer(str(call.req.containerId), { type, sizeBytes: sizeBytes(call.req.sizeInMB), metadata, thick: wantsThick(profile) }, placementFor(profile)));
  call.arrays = [r.array.name];
  for (const w of r.warnings) call.face.log.warn(w);
  return doneTask(call.face, 'createVirtualVolume', r.array, r.ld.vvolId);
}

export function deleteVirtualVolume(call: Call<'deleteVirtualVolume'>): Responses['deleteVirtualVolume'] {
  call.arrays = [call.face.engine.deleteVvol(vvolIdOf(call.req.vvolId)).array];
  return undefined;
}

export function resizeVirtualVolume(call: Call<'resizeVirtualVolume'>): Responses['resizeVirtualVolume'] {
  const ld = call.face.engine.resizeVvol(vvolIdOf(call.req.vvolId), sizeBytes(call.req.sizeInMB));
  const a = call.face.engine.getArray(ld.arrayId);
  call.arrays = [a.name];
  return doneTask(call.face, 'resizeVirtualVolume', a);
}

export function updateVirtualVolumeMetaData(call: Call<'updateVirtualVolumeMetaData'>): Responses['updateVirtualVolumeMetaData'] {
  call.arrays = [call.face.engine.updateVvolMetadata(vvolIdOf(call.req.vvolId), fromNameValues(call.req.keyValuePair))];
  return undefined;
}

export function queryVirtualVolume(call: Call<'queryVirtualVolume'>): Responses['queryVirtualVolume'] {
  const constraints = (call.req.searchConstraint ?? []).map((c) => {
    if (!c.key) throw new VasaFault('InvalidArgument', 'A search constraint has no key.', {}, true);
    return { key: c.key, value: c.value === undefined || c.value === '' ? undefined : str(c.value) };
  });
  return call.face.engine.queryVvols(constraints);
}

export function queryVirtualVolumeInfo(call: Call<'queryVirtualVolumeInfo'>): Responses['queryVirtualVolumeInfo'] {
  const ids = call.req.vvolId.map((v) => vvolIdOf(v));
  checkBatch(call.face, ids.length, 'VVols');
  // One read: each VVol's row once, its array's gate, the metadata of all of them.
  const r = call.face.engine.vvolInfos(ids);
  call.arrays = r.arrays;
  return r.infos.map(vvolInfo);
}
