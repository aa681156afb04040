/** Discovery: arrays, Storage Containers, Protocol Endpoints, entity counts. */
import { peEui } from '../../array/ids';
import type { DiskArray } from '../../array/types';
import { VasaFault } from '../faults';
import type { Call, Face } from '../face';
import type { EntityTypeEnum, Responses } from '../generated/operations';
import type { Session } from '../sessions';
import { arrayId, containers, findArrayByWireId, protocolEndpoint, storageArray, storageContainer, str } from '../convert';

export function queryArrays(call: Call<'queryArrays'>): Responses['queryArrays'] {
  const ids = call.req.arrayUniqueId ?? [];
  const all = call.face.engine.listArrays();
  if (ids.length === 0) return all.map(storageArray);
  return ids.map((id) => storageArray(findArrayByWireId(call.face.engine, id)));
}

export function queryStorageContainer(call: Call<'queryStorageContainer'>): Responses['queryStorageContainer'] {
  const ids = (call.req.containerId ?? []).map((x) => x.toLowerCase());
  const all = containers(call.face.engine);
  const wanted = ids.length ? ids : [...all.keys()];
  return wanted.map((id) => {
    const c = all.get(id);
    if (!c) throw new VasaFault('NotFound', `The storage container ${id} does not exist.`, {}, true);
    call.face.engine.checkAvailable(c.array.name, 'query');
    return storageContainer(c.array, c.pool);
  });
}

export function queryStorageContainerForArray(call: Call<'queryStorageContainerForArray'>): Responses['queryStorageContainerForArray'] {
  const a = findArrayByWireId(call.face.engine, call.req.arrayId);
  call.arrays = [a.name];
  call.face.engine.checkAvailable(a.name, 'query');
  return [...containers(call.face.engine).entries()].filter(([, c]) => c.array.id === a.id).map(([id]) => id);
}

/** The PEs this session may see: a host sees those it has access to; vCenter sees all. */
function visiblePes(face: Face, a: DiskArray, s?: Session) {
  const pes = face.engine.listProtocolEndpoints(a.name, s?.engineHost ? [s.engineHost] : []);
  if (!s || s.kind !== 'host') return pes;
  return pes.filter((pe) => s.engineHost !== undefined && pe.hosts.includes(s.engineHost));
}

export function queryProtocolEndpoint(call: Call<'queryProtocolEndpoint'>): Responses['queryProtocolEndpoint'] {
  const ids = (call.req.peId ?? []).map((x) => x.toLowerCase());
  const out: ReturnType<typeof protocolEndpoint>[] = [];
  for (const a of call.face.engine.listArrays()) {
    for (const pe of visiblePes(call.face, a, call.session)) {
      const p = protocolEndpoint(a, pe);
      if (ids.length === 0 || ids.includes(p.uniqueIdentifier)) out.push(p);
    }
  }
  for (const id of ids) if (!out.some((p) => p.uniqueIdentifier === id)) throw new VasaFault('NotFound', `The protocol endpoint ${id} does not exist or is not visible to this host.`, {}, true);
  return out;
}

export function queryProtocolEndpointForArray(call: Call<'queryProtocolEndpointForArray'>): Responses['queryProtocolEndpointForArray'] {
  const a = findArrayByWireId(call.face.engine, call.req.arrayId);
  call.arrays = [a.name];
  call.face.engine.checkAvailable(a.name, 'query');
  return visiblePes(call.face, a, call.session).map((pe) => peEui(a.wwn, pe.ldn));
}

/** ESXi reports the PEs it sees in-band; later binds go only through those. */
export function setPEContext(call: Call<'setPEContext'>): Responses['setPEContext'] {
  const s = call.session as Session;
  const reported = (call.req.listOfHostPE ?? []).map((p) => str(p.inBandId?.lunId ?? p.uniqueIdentifier).toLowerCase());
  const m = new Map<number, number[]>();
  for (const a of call.face.engine.listArrays()) {
    const ldns = call.face.engine.listProtocolEndpoints(a.name, []).filter((l) => reported.includes(peEui(a.wwn, l.ldn))).map((l) => l.ldn);
    m.set(a.id, ldns);
  }
  s.peContext = m;
  return undefined;
}

function entityIds(face: Face, type: EntityTypeEnum | undefined, s?: Session): string[] {
  const e = face.engine;
  switch (type) {
    case 'StorageArray':
      return e.listArrays().map(arrayId);
    case 'StorageContainer':
      return [...containers(e).keys()];
    case 'ProtocolEndpoint':
      return e.listArrays().flatMap((a) => visiblePes(face, a, s).map((pe) => peEui(a.wwn, pe.ldn)));
    case 'VirtualVolumeInfo':
      return e.queryVvols([]);
    default:
      return [];
  }
}

export function getNumberOfEntities(call: Call<'getNumberOfEntities'>): Responses['getNumberOfEntities'] {
  return entityIds(call.face, call.req.entityType, call.session).length;
}

export function queryUniqueIdentifiersForEntity(call: Call<'queryUniqueIdentifiersForEntity'>): Responses['queryUniqueIdentifiersForEntity'] {
  return entityIds(call.face, call.req.entityType, call.session);
}

export function queryDRSMigrationCapabilityForPerformance(): Responses['queryDRSMigrationCapabilityForPerformance'] {
  return false;
}
