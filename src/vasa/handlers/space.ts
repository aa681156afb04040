/** Space statistics of containers and VVols, in MB as VASA reports them. */
import type { Call } from '../face';
import { asList, checkBatch, findContainer, mb, str } from '../convert';
import { vvolIdOf } from './vvol';

export function spaceStats(call: Call, vvolId: string) {
  const s = call.face.engine.vvolSpace(vvolId);
  return { committed: mb(s.committed), logical: mb(s.logical), objectId: vvolId, unshared: mb(s.unshared), unsharedValid: true };
}

export function spaceStatsForStorageContainer(call: Call) {
  const c = findContainer(call.face.engine, str(call.req.containerId));
  call.face.engine.checkAvailable(c.array.name, 'query');
  const s = call.face.engine.poolSpace(c.array.name, c.pool.poolNo);
  const stats = {
    logicalFree: mb(s.logicalFree), logicalLimit: mb(s.logicalLimit), logicalUsed: mb(s.logicalUsed), objectId: str(call.req.containerId).toLowerCase(),
    physicalFree: mb(s.physicalFree), physicalTotal: mb(s.physicalTotal), physicalUsed: mb(s.physicalUsed),
  };
  // One entry for the container; per-profile entries (capabilityProfileId) come with storage policies.
  return [stats];
}

export function spaceStatsForVirtualVolume(call: Call) {
  const ids = asList<string>(call.req.vvolId).map((v) => vvolIdOf(v));
  checkBatch(call.face, ids.length, 'VVols');
  return ids.map((id) => spaceStats(call, id));
}
