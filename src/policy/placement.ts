/**
 * What the engine is handed for an operation that carries a storage profile: the
 * profile as the array stores it, and the check of the container (src/policy/match.ts)
 * that the engine runs inside the operation's transaction, answering what the satisfied
 * rule set asks of the VVol (I/O limits, backup volumes: effects.ts).
 */
import type { Placement, ProfileRecord } from '../array/vvol-profiles';
import { effectsOf } from './effects';
import { requireSatisfied } from './match';
import type { RuleSet, StorageProfile } from './profile';

/** The form the array keeps (the rule sets as JSON; id, generation and name as columns). */
export function profileRecord(p: StorageProfile): ProfileRecord {
  return { profileId: p.profileId, generation: p.generationId ?? 0, name: p.name, document: JSON.stringify({ ruleSets: p.ruleSets }) };
}

export function profileFromRecord(r: ProfileRecord): StorageProfile {
  const doc = JSON.parse(r.document) as { ruleSets?: RuleSet[] };
  return { profileId: r.profileId, generationId: r.generation, name: r.name, ruleSets: doc.ruleSets ?? [] };
}

/** No profile, no placement: the VVol is made as before and carries no profile. */
export function placementFor(p: StorageProfile | undefined): Placement | undefined {
  if (!p) return undefined;
  return { profile: profileRecord(p), admit: (facts) => effectsOf(requireSatisfied(p, facts)) };
}
