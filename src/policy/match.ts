/**
 * B11 and L10: whether a Storage Container satisfies a storage profile, and what it
 * offers for each rule. vSphere's rule sets are alternatives: a container satisfies a
 * profile when it satisfies every rule of one of its sets (or the profile has none).
 * The same judgement serves placement (spaceStatsForStorageContainer, create, clone,
 * snapshot, profile change) and compliance (queryComplianceResult), so the two never
 * disagree.
 */
import type { ContainerFacts } from '../array/vvol-profiles';
import { checkIoLimits } from '../array/io-control';
import { MSG } from '../array/messages';
import { LIMITS } from '../array/models';
import { NEC_NAMESPACE, PROP, propertyDef, VMWARE_STD_NAMESPACE } from './capabilities';
import { ProfileMismatch } from './errors';
import { datastoreMismatch, IO_MODE_DISABLED } from './messages';
import { ProfileRule, RuleSet, SPACE_EFFICIENCY, StorageProfile } from './profile';

/** One rule a container does not satisfy. */
export interface Violation {
  rule: ProfileRule;
  /** The rule's display name. */
  label: string;
  datastoreValue: string;
  policyValue: string;
  /** The manual's message for this case. */
  message: string;
}

const TRUE = /^(true|yes|1)$/i;
const FALSE = /^(false|no|0)$/i;
const yesNo = (b: boolean) => (b ? 'Yes' : 'No');

/** The values a rule asks for: one, or the alternatives of a set (a structured value's parts). */
function asked(r: ProfileRule): string[] {
  return typeof r.value === 'string' ? [r.value.trim()] : Object.values(r.value).map((v) => v.trim());
}

/** How the policy's value reads in a message: booleans as vCenter shows them (Yes/No). */
function shown(r: ProfileRule, values: string[]): string {
  const def = propertyDef(r.property);
  if (def?.property.type === 'boolean') return values.map((v) => (TRUE.test(v) ? 'Yes' : FALSE.test(v) ? 'No' : v)).join(', ');
  return values.join(', ');
}

function mismatch(r: ProfileRule, label: string, datastoreValue: string, policyValue: string, message?: string): Violation {
  return { rule: r, label, datastoreValue, policyValue, message: message ?? datastoreMismatch(label, datastoreValue, policyValue) };
}

/** What the container offers for one of our properties, as text (booleans Yes/No). */
export function offeredValue(property: string, f: ContainerFacts): string {
  switch (property) {
    case PROP.pdType: return f.pool.pdType;
    case PROP.raid: return f.pool.raid;
    case PROP.encrypt: return yesNo(f.pool.encrypted);
    case PROP.backup: return yesNo(backupPossible(f));
    case PROP.ioUpper: return yesNo(f.pool.ioUpperMode && f.array.licences['I/O Load Manager']);
    case PROP.ioLower: return yesNo(f.pool.ioLowerMode && f.array.licences['I/O Load Manager']);
    case PROP.backupGenerations: return backupPossible(f) ? '1, 2' : '-';
    default: return '-';
  }
}

/** 3.9.1, 3.6: backup volumes need a vvolbackup* container on the array and DynamicDataReplication. */
export function backupPossible(f: ContainerFacts): boolean {
  return f.backupPool && f.array.licences.DynamicDataReplication;
}

/** A Yes/No rule that asks for Yes; a value that is neither is refused as the mismatch it is. */
function wantsYes(r: ProfileRule, label: string, f: ContainerFacts): boolean | Violation {
  const v = asked(r);
  if (v.every((x) => TRUE.test(x))) return true;
  if (v.every((x) => FALSE.test(x))) return false;
  return mismatch(r, label, offeredValue(r.property, f), shown(r, v));
}

function judgeRule(r: ProfileRule, f: ContainerFacts): Violation | undefined {
  // VMware's standard thin/thick rule: every container makes both (thick reserves the capacity).
  if (r.namespace === VMWARE_STD_NAMESPACE || (r.capability === SPACE_EFFICIENCY && r.namespace === undefined)) {
    return asked(r).every((v) => /^(thin|thick)$/i.test(v)) ? undefined : mismatch(r, SPACE_EFFICIENCY, 'Thin, Thick', asked(r).join(', '));
  }
  const def = propertyDef(r.property);
  if ((r.namespace !== undefined && r.namespace !== NEC_NAMESPACE) || !def) {
    return mismatch(r, r.property, '-', shown(r, asked(r)));
  }
  const label = def.property.label;
  const values = asked(r);
  const offered = offeredValue(r.property, f);
  switch (r.property) {
    case PROP.pdType:
    case PROP.raid:
      return values.some((v) => v.toUpperCase() === offered.toUpperCase()) ? undefined : mismatch(r, label, offered, shown(r, values));
    case PROP.encrypt: {
      const want = wantsYes(r, label, f);
      if (typeof want !== 'boolean') return want;
      return want === f.pool.encrypted ? undefined : mismatch(r, label, offered, yesNo(want));
    }
    case PROP.backup: {
      const want = wantsYes(r, label, f);
      if (typeof want !== 'boolean') return want;
      if (!want || backupPossible(f)) return undefined;
      // B.1 has a message of its own for each reason backup cannot be applied.
      return mismatch(r, label, offered, 'Yes', !f.backupPool ? MSG.noBackupPool : MSG.licenceDdr);
    }
    case PROP.backupAutoDelete: {
      const want = wantsYes(r, label, f);
      return typeof want === 'boolean' ? undefined : want;
    }
    case PROP.backupGenerations:
      return values.length === 1 && /^[12]$/.test(values[0]) ? undefined : mismatch(r, label, '1, 2', shown(r, values));
    case PROP.ioUpper:
    case PROP.ioLower: {
      const want = wantsYes(r, label, f);
      if (typeof want !== 'boolean') return want;
      if (!want) return undefined;
      if (!f.array.licences['I/O Load Manager']) return mismatch(r, label, offered, 'Yes', MSG.licenceIoLoad);
      const mode = r.property === PROP.ioUpper ? f.pool.ioUpperMode : f.pool.ioLowerMode;
      return mode ? undefined : mismatch(r, label, offered, 'Yes', IO_MODE_DISABLED);
    }
    default:
      return undefined; // the limits: judged with their rule set (ioLimitViolation)
  }
}

/** The I/O limits a rule set applies: a limit counts only when its Enable rule says Yes (3.9.2). */
export function ioLimits(set: RuleSet): { upper?: number; lower?: number } {
  const value = (p: string) => set.rules.find((r) => r.property === p && (r.namespace === undefined || r.namespace === NEC_NAMESPACE));
  const on = (p: string) => { const r = value(p); return r !== undefined && asked(r).every((v) => TRUE.test(v)); };
  const num = (p: string) => { const r = value(p); return r === undefined ? undefined : Number(asked(r)[0]); };
  return { upper: on(PROP.ioUpper) ? num(PROP.ioUpperLimit) : undefined, lower: on(PROP.ioLower) ? num(PROP.ioLowerLimit) : undefined };
}

/** L10 as the policy states it: each limit 10..1,000,000 IOPS, the lower below the upper, with B.1's text. */
function ioLimitViolation(set: RuleSet): Violation | undefined {
  const { upper, lower } = ioLimits(set);
  try {
    checkIoLimits(upper, lower, 'policy');
    return undefined;
  } catch (e) {
    const inRange = (v: number | undefined) => v === undefined || (Number.isInteger(v) && v >= LIMITS.iopsMin && v <= LIMITS.iopsMax);
    // The rule to name: an out-of-range upper limit, else the lower one (out of range, or not below the upper).
    const property = inRange(upper) ? PROP.ioLowerLimit : PROP.ioUpperLimit;
    const r = set.rules.find((x) => x.property === property) ?? { capability: 'IOControl', property, value: '' };
    return { rule: r, label: propertyDef(property)?.property.label ?? property, datastoreValue: `${LIMITS.iopsMin}..${LIMITS.iopsMax}`, policyValue: asked(r).join(', '), message: (e as Error).message };
  }
}

/** Every rule of the set the container does not satisfy, in the set's order. */
export function violationsOf(set: RuleSet, f: ContainerFacts): Violation[] {
  const out = set.rules.map((r) => judgeRule(r, f)).filter((v): v is Violation => v !== undefined);
  const io = ioLimitViolation(set);
  return io ? [...out, io] : out;
}

/**
 * The rule set the container satisfies (the first such), or the violations of the
 * first set when it satisfies none. A profile without rule sets asks for nothing.
 */
export function judge(profile: StorageProfile | undefined, f: ContainerFacts): { satisfied: RuleSet | null; violations: Violation[] } {
  const sets = profile?.ruleSets ?? [];
  if (sets.length === 0) return { satisfied: { name: '', rules: [] }, violations: [] };
  let first: Violation[] | undefined;
  for (const set of sets) {
    const v = violationsOf(set, f);
    if (v.length === 0) return { satisfied: set, violations: [] };
    first ??= v;
  }
  return { satisfied: null, violations: first ?? [] };
}

export function satisfies(profile: StorageProfile | undefined, f: ContainerFacts): boolean {
  return judge(profile, f).satisfied !== null;
}

/** Throws ProfileMismatch with the manual's message for the first rule the container does not satisfy. */
export function requireSatisfied(profile: StorageProfile | undefined, f: ContainerFacts): RuleSet {
  const j = judge(profile, f);
  if (j.satisfied) return j.satisfied;
  const v = j.violations[0];
  throw new ProfileMismatch(v.message, v.label, v.datastoreValue, v.policyValue);
}
