/** VVol life cycle: create, delete, resize, metadata, queries. */
import { vvolIdForm } from '../../array/ids';
import { MiB, VvolType } from '../../array/models';
import { VasaFault } from '../faults';
import type { Call } from '../face';
import { asList, checkBatch, doneTask, findContainer, fromNameValues, str, vvolInfo } from '../convert';

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

/** Thick or thin, from VMware's standard spaceEfficiency rule in the profile (thin when absent). */
export function wantsThick(profile: unknown): boolean {
  const p = profile as { constraints?: { subProfiles?: unknown } } | undefined;
  for (const sub of asList<{ capability?: unknown }>(p?.constraints?.subProfiles)) {
    for (const cap of asList<{ capabilityId?: { id?: string }; constraint?: unknown }>(sub.capability)) {
      for (const con of asList<{ propertyInstance?: unknown }>(cap.constraint)) {
        for (const pi of asList<{ id?: string; value?: unknown }>(con.propertyInstance)) {
          if ((pi.id === 'spaceEfficiency' || cap.capabilityId?.id === 'spaceEfficiency') && /^thick$/i.test(str(pi.value))) return true;
        }
      }
    }
  }
  return false;
}

export function createVirtualVolume(call: Call) {
  const { engine } = call.face;
  const c = findContainer(engine, str(call.req.containerId));
  const type = TYPES[str(call.req.vvolType)];
  if (!type) throw new VasaFault('InvalidArgument', `vvolType "${str(call.req.vvolType)}" is not Config, Data, Swap, Memory or Other.`, {}, true);
  const metadata = fromNameValues(call.req.metadata);
  const r = engine.createVvol(c.array.name, { pool: c.pool.poolNo, type, sizeBytes: sizeBytes(call.req.sizeInMB), metadata, thick: wantsThick(call.req.storageProfile) });
  for (const w of r.warnings) call.face.log.warn(w);
  return doneTask(call.face, 'createVirtualVolume', c.array, r.ld.vvolId);
}

export function deleteVirtualVolume(call: Call) {
  call.face.engine.deleteVvol(vvolIdOf(call.req.vvolId));
  return undefined;
}

export function resizeVirtualVolume(call: Call) {
  const ld = call.face.engine.resizeVvol(vvolIdOf(call.req.vvolId), sizeBytes(call.req.sizeInMB));
  return doneTask(call.face, 'resizeVirtualVolume', call.face.engine.getArray(ld.arrayId));
}

export function updateVirtualVolumeMetaData(call: Call) {
  call.face.engine.updateVvolMetadata(vvolIdOf(call.req.vvolId), fromNameValues(call.req.keyValuePair));
  return undefined;
}

export function queryVirtualVolume(call: Call) {
  const constraints = asList<{ key?: string; value?: string }>(call.req.searchConstraint).map((c) => {
    if (!c.key) throw new VasaFault('InvalidArgument', 'A search constraint has no key.', {}, true);
    return { key: c.key, value: c.value === undefined || c.value === '' ? undefined : str(c.value) };
  });
  return call.face.engine.queryVvols(constraints);
}

export function queryVirtualVolumeInfo(call: Call) {
  const ids = asList<string>(call.req.vvolId).map((v) => vvolIdOf(v));
  checkBatch(call.face, ids.length, 'VVols');
  return call.face.engine.batchRead(() => ids.map((id) => {
    const d = call.face.engine.vvolDetail(id);
    call.face.engine.checkAvailable(d.arrayId, 'query');
    return vvolInfo(d);
  }));
}
