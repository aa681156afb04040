/**
 * What a satisfied rule set asks of the VVol itself (beyond where it may live): the I/O
 * limits it enables (3.9.2, L10) and its Backup rules (3.9.1). The array applies them
 * (src/array/vvol-profiles.ts place) inside the operation's transaction.
 */
import type { PlacementEffects } from '../array/vvol-profiles';
import { NEC_NAMESPACE, PROP } from './capabilities';
import { ioLimits } from './match';
import type { ProfileRule, RuleSet } from './profile';

const TRUE = /^(true|yes|1)$/i;

function ours(set: RuleSet, property: string): ProfileRule | undefined {
  return set.rules.find((r) => r.property === property && (r.namespace === undefined || r.namespace === NEC_NAMESPACE));
}

const text = (r: ProfileRule | undefined): string | undefined => (r === undefined ? undefined : typeof r.value === 'string' ? r.value.trim() : Object.values(r.value)[0]?.trim());

/**
 * The Backup rules as the array keeps them. A rule set without Enable Backup = Yes asks
 * for no backup (generations 0): applied over a VVol that has RVs, that is B8's refusal.
 * The Number of Backup Generations defaults to 1 (the schema's default); match.ts has
 * already refused any value other than 1 or 2.
 */
export function backupPolicyOf(set: RuleSet): NonNullable<PlacementEffects['backup']> {
  const on = TRUE.test(text(ours(set, PROP.backup)) ?? '');
  if (!on) return { generations: 0, autoDelete: false };
  const g = text(ours(set, PROP.backupGenerations));
  return { generations: g === '2' ? 2 : 1, autoDelete: TRUE.test(text(ours(set, PROP.backupAutoDelete)) ?? '') };
}

export function effectsOf(set: RuleSet): PlacementEffects {
  const { upper, lower } = ioLimits(set);
  return { io: { upper, lower }, backup: backupPolicyOf(set) };
}
