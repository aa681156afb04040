/**
 * A VVol's compliance verdict: its stored profile judged against its container as the
 * array is now (match.ts). One pure function, used by queryComplianceResult and handed
 * to the engine by the assembly (engine.setComplianceJudge), so the verdict the array
 * records when a pool changes and the one vCenter reads never disagree.
 */
import type { ComplianceJudge } from '../array/vvol-profiles';
import { judge } from './match';
import { profileFromRecord } from './placement';

export const complianceVerdict: ComplianceJudge = ({ vvolId, facts, profile }) => {
  const j = judge(profileFromRecord(profile), facts);
  return { compliant: j.satisfied !== null, message: j.violations[0]?.message ?? `The virtual volume ${vvolId} complies with its storage policy.` };
};
