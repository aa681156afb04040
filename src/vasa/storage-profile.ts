/**
 * vSphere's StorageProfile (as decoded) -> the policy room's profile form. The wire
 * nests rules four levels deep (sub-profile, capability instance, constraint instance,
 * property instance); policy reads a flat list of rules per rule set. And back: the
 * profiles the provider holds or offers, as vSphere reads them.
 */
import { NEC_NAMESPACE, propertyDef } from '../policy/capabilities';
import { ProfileMismatch } from '../policy/errors';
import { VasaFault } from './faults';
import type { ProfileRule, StorageProfile } from '../policy/profile';
import type { CapabilityInstanceOut, StorageProfile as WireProfile, StorageProfileOut } from './generated/operations';
import { NS, qn, typed } from './soap/codec';

/**
 * A property value from its xs:anyType slot: text for a simple value, the parts by name
 * for a structured one (the codec gives child elements' texts, or a typed value's fields).
 */
function ruleValue(v: unknown): ProfileRule['value'] {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object' || Buffer.isBuffer(v)) return String(v);
  const parts: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    const scalar = (y: unknown) => typeof y === 'string' || typeof y === 'number' || typeof y === 'boolean';
    if (k === '$type') continue;
    if (scalar(x)) parts[k] = String(x);
    // A DiscreteSet's repeated values: each kept (values.0, values.1, ...), as alternatives.
    else if (Array.isArray(x)) x.forEach((y, n) => { if (scalar(y)) parts[`${k}.${n}`] = String(y); });
  }
  return parts;
}

export function profileFromWire(p: WireProfile | undefined): StorageProfile | undefined {
  if (!p) return undefined;
  return {
    profileId: p.profileId,
    generationId: Number(p.generationId) || 0,
    name: p.name,
    ruleSets: (p.constraints?.subProfiles ?? []).map((sub) => ({
      name: sub.name,
      rules: sub.capability.flatMap((cap) => cap.constraint.flatMap((con) => con.propertyInstance.map((pi) => ({
        namespace: cap.capabilityId.namespace,
        capability: cap.capabilityId.id,
        property: pi.id,
        value: ruleValue(pi.value),
      })))),
    })),
  };
}

/** A rule's value in a PropertyInstance.value slot, typed as the schema declares the property. */
export function wireValue(r: Pick<ProfileRule, 'property' | 'value'>): unknown {
  if (typeof r.value !== 'string') return typed(qn(NS.capt, 'DiscreteSet'), { values: Object.values(r.value) });
  const def = propertyDef(r.property)?.property;
  if (def?.type === 'boolean') return /^(true|yes|1)$/i.test(r.value.trim());
  if (def?.type === 'int' && /^-?\d+$/.test(r.value.trim())) return { $type: qn(NS.xsd, 'int'), $value: Number(r.value) };
  return r.value;
}

/** One rule as a CapabilityInstance (what compliance results and profiles carry). */
export function capabilityInstance(r: ProfileRule, value: unknown = wireValue(r)): CapabilityInstanceOut {
  return {
    capabilityId: { id: r.capability, namespace: r.namespace ?? NEC_NAMESPACE },
    constraint: [{ propertyInstance: [{ id: r.property, value }] }],
  };
}

/** The policy form -> vSphere's StorageProfile (rules of one capability grouped into one instance). */
export function profileToWire(p: StorageProfile, createdAt: number): StorageProfileOut {
  return {
    constraints: {
      subProfiles: p.ruleSets.map((set) => {
        const byCap = new Map<string, CapabilityInstanceOut>();
        for (const r of set.rules) {
          const k = `${r.namespace ?? NEC_NAMESPACE}\u0000${r.capability}`;
          const inst = byCap.get(k);
          if (inst) inst.constraint[0].propertyInstance.push({ id: r.property, value: wireValue(r) });
          else byCap.set(k, capabilityInstance(r));
        }
        return { capability: [...byCap.values()], name: set.name || 'Rule-Set 1' };
      }).filter((s) => s.capability.length > 0),
    },
    createdBy: 'NEC Storage VASA Provider',
    creationTime: createdAt,
    generationId: p.generationId ?? 0,
    name: p.name,
    profileId: p.profileId,
  };
}

/** Runs an engine call that places a VVol by profile; a container that cannot satisfy it is InvalidProfile with the manual's text. */
export function withProfile<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProfileMismatch) throw new VasaFault('InvalidProfile', e.message, {}, true);
    throw e;
  }
}

/** The policy form of a profile vCenter sent, with its id checked. */
export function requestedProfile(p: WireProfile | undefined): StorageProfile | undefined {
  const profile = profileFromWire(p);
  if (profile && !profile.profileId.trim()) throw new VasaFault('InvalidProfile', 'The storage profile has no profileId.', {}, true);
  return profile;
}
