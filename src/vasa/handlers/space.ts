/** Space statistics of containers and VVols, in MB as VASA reports them. */
import type { VvolSpace } from '../../array/space';
import type { Call } from '../face';
import type { ContainerSpaceStatsOut, Responses, SpaceStatsOut } from '../generated/operations';
import { checkBatch, findContainer, mb } from '../convert';
import { vvolIdOf } from './vvol';
import { containerOfCapabilityProfile } from '../../policy/container-profile';
import { satisfies } from '../../policy/match';
import { profileFromRecord } from '../../policy/placement';

export function spaceStats(call: Call, vvolId: string): SpaceStatsOut {
  return vvolStats(call.face.engine.vvolSpace(vvolId));
}

/** A VVol's space as VASA's VirtualVolumeSpaceStats (MB). */
export function vvolStats(s: VvolSpace) {
  return { committed: mb(s.committed), logical: mb(s.logical), objectId: s.vvolId, unshared: mb(s.unshared), unsharedValid: true };
}

export function spaceStatsForStorageContainer(call: Call<'spaceStatsForStorageContainer'>): Responses['spaceStatsForStorageContainer'] {
  const c = findContainer(call.face.engine, call.req.containerId);
  call.arrays = [c.array.name];
  call.face.engine.checkAvailable(c.array.name, 'query');
  const s = call.face.engine.poolSpace(c.array.name, c.pool.poolNo);
  const stats: ContainerSpaceStatsOut = {
    logicalFree: mb(s.logicalFree), logicalLimit: mb(s.logicalLimit), logicalUsed: mb(s.logicalUsed), objectId: call.req.containerId.toLowerCase(),
    physicalFree: mb(s.physicalFree), physicalTotal: mb(s.physicalTotal), physicalUsed: mb(s.physicalUsed),
  };
  // B11: asked with profiles, the container answers only when it satisfies one of them (vCenter
  // then offers it for the policy); no entry otherwise. A profile is one of our containers'
  // capability profiles (it satisfies its own container only) or one vCenter applied before.
  const ids = call.req.capabilityProfileId ?? [];
  if (ids.length === 0) return [stats];
  const facts = call.face.engine.containerFacts(call.req.containerId);
  const held = new Map(call.face.engine.storedProfiles(ids).map((r) => [r.profileId, r]));
  const fits = ids.some((id) => {
    const own = containerOfCapabilityProfile(id);
    if (own !== undefined) return own === facts.containerId;
    const r = held.get(id);
    return r !== undefined && satisfies(profileFromRecord(r), facts);
  });
  return fits ? [stats] : [];
}

export function spaceStatsForVirtualVolume(call: Call<'spaceStatsForVirtualVolume'>): Responses['spaceStatsForVirtualVolume'] {
  const ids = call.req.vvolId.map((v) => vvolIdOf(v));
  checkBatch(call.face, ids.length, 'VVols');
  return ids.map((id) => spaceStats(call, id));
}
