/**
 * Storage policies (B11): the capability schema, the profiles the provider offers
 * (each container's capabilities and defaults) and holds (what vCenter applied),
 * compliance, and a VVol's profile change. Judging is src/policy's; this file converts.
 */
import { ArrayError } from '../../array/errors';
import { MSG } from '../../array/messages';
import type { VvolType } from '../../array/models';
import { complianceVerdict } from '../../policy/compliance';
import { capabilityProfile, containerOfCapabilityProfile, capabilityProfileId, defaultProfile } from '../../policy/container-profile';
import { judge, offeredValue } from '../../policy/match';
import { placementFor, profileFromRecord } from '../../policy/placement';
import type { StorageProfile } from '../../policy/profile';
import { capabilitySchema, SCHEMA_ID } from '../capability-schema';
import { doneTask, findContainer } from '../convert';
import type { Call } from '../face';
import { VasaFault } from '../faults';
import type { ComplianceResultOut, DefaultProfileOut, Responses, StorageProfileOut, VirtualVolumeTypeEnum } from '../generated/operations';
import { capabilityInstance, profileToWire, requestedProfile, wireValue, withProfile } from '../storage-profile';
import { vvolIdOf } from './vvol';

const TYPES: Record<VirtualVolumeTypeEnum, VvolType> = { Config: 'config', Data: 'data', Swap: 'swap', Memory: 'memory', Other: 'other' };

export function queryCapabilityMetadata(call: Call<'queryCapabilityMetadata'>): Responses['queryCapabilityMetadata'] {
  const ids = call.req.schemaId ?? [];
  const unknown = ids.find((id) => id !== SCHEMA_ID);
  if (unknown !== undefined) throw new VasaFault('NotFound', `The capability schema ${unknown} does not exist.`, {}, true);
  return [capabilitySchema(call.face.opts.uid)];
}

/** A capability profile of a container, or a profile vCenter applied, by id. */
export function queryCapabilityProfile(call: Call<'queryCapabilityProfile'>): Responses['queryCapabilityProfile'] {
  const { engine } = call.face;
  const ids = call.req.profileId ?? [];
  const now = call.face.clock.now();
  if (ids.length === 0) {
    return [
      ...engine.allContainerFacts().map((f) => profileToWire(capabilityProfile(f), f.pool.createdAt)),
      ...engine.storedProfiles().map((r) => profileToWire(profileFromRecord(r), now)),
    ];
  }
  const held = new Map(engine.storedProfiles(ids).map((r) => [r.profileId, r]));
  return ids.map((id): StorageProfileOut => {
    const container = containerOfCapabilityProfile(id);
    if (container !== undefined) {
      const f = engine.containerFacts(container);
      return profileToWire(capabilityProfile(f), f.pool.createdAt);
    }
    const r = held.get(id);
    if (!r) throw new VasaFault('NotFound', `The storage profile ${id} does not exist.`, {}, true);
    return profileToWire(profileFromRecord(r), now);
  });
}

/** A container's capability profile; a VVol's applied profile. */
export function queryCapabilityProfileForResource(call: Call<'queryCapabilityProfileForResource'>): Responses['queryCapabilityProfileForResource'] {
  const { engine } = call.face;
  const ids = call.req.resourceId ?? [];
  if (ids.length === 0) return engine.allContainerFacts().map((f) => ({ profileId: capabilityProfileId(f.containerId), resourceId: f.containerId }));
  return ids.flatMap((id) => {
    if (id.startsWith('naa.')) {
      const p = engine.vvolPolicy(vvolIdOf(id, 'resourceId')).profile;
      return p ? [{ profileId: p.profileId, resourceId: id }] : [];
    }
    findContainer(engine, id); // NotFound names the id
    return [{ profileId: capabilityProfileId(engine.containerFacts(id).containerId), resourceId: id }];
  });
}

export function queryDefaultProfileForStorageContainer(call: Call<'queryDefaultProfileForStorageContainer'>): Responses['queryDefaultProfileForStorageContainer'] {
  const { engine } = call.face;
  const c = findContainer(engine, call.req.containerId);
  call.arrays = [c.array.name];
  const f = engine.containerFacts(call.req.containerId);
  const types = call.req.entityType?.length ? call.req.entityType : (Object.keys(TYPES) as VirtualVolumeTypeEnum[]);
  return types.map((t): DefaultProfileOut => ({ ...profileToWire(defaultProfile(f, TYPES[t]), f.pool.createdAt), entityType: [t] }));
}

/** What the container offers for a property, typed as the schema declares it (Yes/No as booleans). */
function offeredWire(property: string, facts: Parameters<typeof offeredValue>[1]): unknown {
  const v = offeredValue(property, facts);
  return wireValue({ property, value: v === 'Yes' ? 'true' : v === 'No' ? 'false' : v });
}

/**
 * Per VVol: its profile judged against its container as the array is now. A VVol
 * newly found out of compliance raises a Compliance alarm (in the engine call).
 */
export function queryComplianceResult(call: Call<'queryComplianceResult'>): Responses['queryComplianceResult'] {
  const { engine } = call.face;
  const now = call.face.clock.now();
  const subjects = call.req.compliance ?? [];
  return subjects.flatMap((s) => {
    const ids = s.objectId.map((id) => vvolIdOf(id, 'objectId'));
    return engine.checkCompliance(ids, ({ ld, facts, profile }) => {
      const p = profile ? profileFromRecord(profile) : undefined;
      const j = judge(p, facts);
      const mismatch = s.profileId !== undefined && s.profileId !== '' && (s.profileId !== profile?.profileId || (s.generationId !== undefined && Number(s.generationId) !== profile?.generation));
      const verdict: ComplianceResultOut = {
        checkTime: now,
        complianceStatus: j.satisfied ? 'compliant' : 'nonCompliant',
        objectId: ld.vvolId as string,
        profileId: profile?.profileId,
        profileMismatch: mismatch,
        violatedPolicy: j.violations.map((v) => ({
          currentValue: capabilityInstance(v.rule, offeredWire(v.rule.property, facts)),
          expectedValue: capabilityInstance(v.rule),
        })),
      };
      // The recorded verdict is the one modifyPool records too (src/policy/compliance.ts).
      const v = profile ? complianceVerdict({ vvolId: ld.vvolId as string, facts, profile }) : { compliant: true, message: '' };
      return { verdict, ...v };
    });
  });
}

export function updateStorageProfileForVirtualVolume(call: Call<'updateStorageProfileForVirtualVolume'>): Responses['updateStorageProfileForVirtualVolume'] {
  const profile = requestedProfile(call.req.newStorageProfile);
  const placement = placementFor(profile);
  if (!placement) throw new VasaFault('InvalidArgument', 'newStorageProfile is required.', {}, true);
  const a = withProfile(() => asPolicyRefusal(() => call.face.engine.updateVvolProfile(vvolIdOf(call.req.vvolId), placement)));
  call.arrays = [a.name];
  return doneTask(call.face, 'updateStorageProfileForVirtualVolume', a);
}

/**
 * The array's refusals of what a new policy asks of the VVol itself reach vCenter as
 * InvalidProfile (in updateStorageProfileForVirtualVolume's fault list; StorageFault
 * would read as a failure of the storage): B8 (fewer backup generations, or none, over
 * more) and B.1's "Failed to apply the storage policy ..." texts (I/O control, backup
 * pools). The message is the manual's, unchanged.
 */
function asPolicyRefusal<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ArrayError && (e.message === MSG.backupDecrease || e.message.startsWith('Failed to apply the storage policy'))) {
      throw new VasaFault('InvalidProfile', e.message, {}, true, e.code);
    }
    throw e;
  }
}
