/**
 * vSphere's StorageProfile (as decoded) -> the policy room's profile form. The wire
 * nests rules four levels deep (sub-profile, capability instance, constraint instance,
 * property instance); policy reads a flat list of rules per rule set.
 */
import type { ProfileRule, StorageProfile } from '../policy/profile';
import type { StorageProfile as WireProfile } from './generated/operations';

/**
 * A property value from its xs:anyType slot: text for a simple value, the parts by name
 * for a structured one (the codec gives child elements' texts, or a typed value's fields).
 */
function ruleValue(v: unknown): ProfileRule['value'] {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object' || Buffer.isBuffer(v)) return String(v);
  const parts: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k !== '$type' && (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) parts[k] = String(x);
  }
  return parts;
}

export function profileFromWire(p: WireProfile | undefined): StorageProfile | undefined {
  if (!p) return undefined;
  return {
    profileId: p.profileId,
    name: p.name,
    ruleSets: (p.constraints?.subProfiles ?? []).map((sub) => ({
      name: sub.name,
      rules: sub.capability.flatMap((cap) => cap.constraint.flatMap((con) => con.propertyInstance.map((pi) => ({
        capability: cap.capabilityId.id,
        property: pi.id,
        value: ruleValue(pi.value),
      })))),
    })),
  };
}
