/**
 * Storage profiles as the policy room reads them, and what a profile asks of a new
 * VVol. The face converts vSphere's StorageProfile (sub-profiles, capability instances,
 * constraint and property instances) into this form; policy never sees the wire.
 * The rest of src/policy/ (capability schema, compliance, container matching) reads
 * the same form.
 */

/** One rule of a profile: a property of a capability and the value asked for. */
export interface ProfileRule {
  /** The capability's namespace (CapabilityId.namespace), e.g. com.nec.jp.ism.vasaprovider. */
  namespace?: string;
  /** The capability (CapabilityId.id), e.g. VMware's standard `spaceEfficiency`. */
  capability: string;
  /** The property of the capability the value is for (PropertyInstance.id). */
  property: string;
  /** The value asked for as text; a structured value (a range) keeps its parts by name. */
  value: string | Readonly<Record<string, string>>;
}

/** A rule set (a sub-profile): vSphere's alternatives; the rules of one set hold together. */
export interface RuleSet {
  name: string;
  rules: readonly ProfileRule[];
}

export interface StorageProfile {
  profileId: string;
  /** vSphere raises it each time the policy is edited (0 when not given). */
  generationId?: number;
  name: string;
  ruleSets: readonly RuleSet[];
}

/** VMware's standard capability and property for thick or thin provisioning. */
export const SPACE_EFFICIENCY = 'spaceEfficiency';

/**
 * Whether the profile asks for thick provisioning: a spaceEfficiency rule (named by its
 * property or by its capability) whose value is Thick, in any rule set. Thin when there
 * is no profile or no such rule, as vSphere's default is.
 */
export function wantsThick(profile: StorageProfile | undefined): boolean {
  for (const set of profile?.ruleSets ?? []) {
    for (const r of set.rules) {
      const aboutSpace = r.property === SPACE_EFFICIENCY || r.capability === SPACE_EFFICIENCY;
      if (aboutSpace && typeof r.value === 'string' && /^thick$/i.test(r.value)) return true;
    }
  }
  return false;
}
