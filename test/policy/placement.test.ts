/**
 * B11 (manual 3.9, B.1): a Storage Container that cannot satisfy a storage policy is
 * refused with the manual's mismatch message naming the rule, the datastore's value and
 * the policy's value; a VVol placed by profile keeps the profile id and generation
 * durably, in the same transaction as its creation. L10 via policy: B.1's I/O texts.
 */
import { containerUuid } from '../../src/array/ids';
import { GiB } from '../../src/array/models';
import { ProfileMismatch } from '../../src/policy/errors';
import { judge } from '../../src/policy/match';
import { placementFor } from '../../src/policy/placement';
import type { ProfileRule, StorageProfile } from '../../src/policy/profile';
import { NEC_NAMESPACE } from '../../src/policy/capabilities';
import { buildArray, Fixture } from '../helpers/fixture';

const CTR0 = containerUuid('00255CDB05310000', 0); // Pool0000: NLSAS, RAID6
const CTR1 = containerUuid('00255CDB05310000', 1); // Pool0001: SSD, RAID1/10

const rule = (capability: string, property: string, value: ProfileRule['value']): ProfileRule => ({ namespace: NEC_NAMESPACE, capability, property, value });
const profile = (rules: ProfileRule[], generationId = 3): StorageProfile => ({ profileId: 'gold', generationId, name: 'Gold', ruleSets: [{ name: 'Rule-Set 1', rules }] });
const ssd = profile([rule('PhysicalDiskType', 'PhysicalDiskType', 'SSD'), rule('RAID', 'RAID', 'RAID1/10')]);

let f: Fixture;
beforeEach(() => { f = buildArray(); });
afterEach(() => f.close());

function refusal(containerId: string, p: StorageProfile): ProfileMismatch {
  const before = f.engine.listLds(f.array).length;
  try {
    f.engine.createVvolInContainer(containerId, { type: 'data', sizeBytes: GiB }, placementFor(p));
  } catch (e) {
    expect(f.engine.listLds(f.array).length).toBe(before); // nothing half-made
    if (e instanceof ProfileMismatch) return e;
    throw e;
  }
  throw new Error('the container was not refused');
}

describe('B11: placement by profile', () => {
  test('a container that does not satisfy a rule is refused with B.1\'s mismatch message', () => {
    const e = refusal(CTR0, ssd);
    expect(e.message).toBe('The specified datastore does not satisfy the rule(Physical Disk Type) in the storage policy for the virtual machines. The value of the datastore\'s capability is "NLSAS" while the value in the storage policy for the virtual machines is "SSD."');
    expect({ rule: e.rule, datastore: e.datastoreValue, policy: e.policyValue }).toEqual({ rule: 'Physical Disk Type', datastore: 'NLSAS', policy: 'SSD' });
    const enc = refusal(CTR1, profile([rule('EncryptPD', 'EncryptPD', 'true')]));
    expect(enc.message).toBe('The specified datastore does not satisfy the rule(Encrypt PD) in the storage policy for the virtual machines. The value of the datastore\'s capability is "No" while the value in the storage policy for the virtual machines is "Yes."');
  });

  test('the container that satisfies it gets the VVol, with the profile id and generation kept across a restart', () => {
    const r = f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(ssd));
    const id = r.ld.vvolId as string;
    f = f.reopen();
    const p = f.engine.vvolPolicy(id).profile;
    expect(p).toMatchObject({ profileId: 'gold', generation: 3, name: 'Gold', compliant: true });
    expect(f.engine.storedProfiles(['gold']).map((x) => x.generation)).toEqual([3]);
  });

  test('rule sets are alternatives: one satisfied set is enough', () => {
    const p: StorageProfile = { profileId: 'alt', name: 'Alt', ruleSets: [
      { name: 'a', rules: [rule('PhysicalDiskType', 'PhysicalDiskType', 'SSD')] },
      { name: 'b', rules: [rule('RAID', 'RAID', 'RAID6')] },
    ] };
    expect(judge(p, f.engine.containerFacts(CTR0)).satisfied?.name).toBe('b');
  });

  test('backup needs a vvolbackup* container (B.1 text) and the DynamicDataReplication licence', () => {
    const backup = profile([rule('Backup', 'EnableBackup', 'true'), rule('Backup', 'BackupGenerations', '2')]);
    expect(judge(backup, f.engine.containerFacts(CTR0)).satisfied).not.toBeNull();
    f.engine.setLicence(f.array, 'DynamicDataReplication', false);
    expect(refusal(CTR0, backup).message).toBe('The license for DynamicDataReplication is locked.');
    f.engine.setLicence(f.array, 'DynamicDataReplication', true);
    f.engine.modifyPool(f.array, 3, { name: 'Backup0' }); // no longer a lower-case vvolbackup pool
    expect(refusal(CTR0, backup).message).toBe('Failed to apply the storage policy because no pool for backup exists.');
  });

  test('L10 via policy: I/O control needs the pool\'s I/O mode and the I/O Load Manager licence; limits 10..1000000, lower below upper', () => {
    const io = (upper: string, lower: string) => profile([
      rule('IOControl', 'EnableIOUpperControl', 'true'), rule('IOControl', 'IOUpperControlLimit', upper),
      rule('IOControl', 'EnableIOLowerControl', 'true'), rule('IOControl', 'IOLowerControlLimit', lower),
    ]);
    expect(refusal(CTR0, io('500', '100')).message).toBe('Failed to apply the storage policy because I/O control mode is disabled in the pool. Enable I/O control mode.');
    f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioLowerMode: true });
    expect(judge(io('500', '100'), f.engine.containerFacts(CTR0)).satisfied).not.toBeNull();
    expect(refusal(CTR0, io('100', '500')).message).toBe('Failed to apply the storage policy because the I/O Lower Limit is larger than the I/O Upper Limit.');
    expect(refusal(CTR0, io('2000000', '100')).message).toBe('The I/O upper limit 2000000 IOPS cannot be set. A decimal value within 10 to 1000000 can be specified.');
    f.engine.setLicence(f.array, 'I/O Load Manager', false);
    expect(refusal(CTR0, io('500', '100')).message).toBe('Failed to apply the storage policy because the license for I/O Load Manager is locked.');
  });

  test('VMware\'s standard thin/thick rule is satisfied by every container', () => {
    const std: StorageProfile = { profileId: 'thick', name: 'Thick', ruleSets: [{ name: 'r', rules: [{ namespace: 'com.vmware.storageprofile.std', capability: 'spaceEfficiency', property: 'spaceEfficiency', value: 'Thick' }] }] };
    const r = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB, thick: true }, placementFor(std));
    expect(r.ld.allocation).toBe('real');
  });
});

describe('compliance from the pool as it is now', () => {
  test('a VVol falls out of compliance when its pool changes: one Red Compliance alarm, Green when it is back', () => {
    f.engine.modifyPool(f.array, 0, { ioUpperMode: true });
    const p = profile([rule('IOControl', 'EnableIOUpperControl', 'true')]);
    const id = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB }, placementFor(p)).ld.vvolId as string;
    const check = () => f.engine.checkCompliance([id], ({ facts, profile: rec }) => {
      const j = judge(rec && p, facts);
      return { verdict: j.satisfied !== null, compliant: j.satisfied !== null, message: j.violations[0]?.message ?? 'ok' };
    })[0];
    const alarms = () => f.engine.alarmsSince(f.array, 0).filter((a) => a.type === 'Compliance');
    expect(check()).toBe(true);
    f.engine.modifyPool(f.array, 0, { ioUpperMode: false });
    expect(check()).toBe(false);
    expect(check()).toBe(false);
    expect(alarms().map((a) => [a.status, a.objectId, a.message])).toEqual([['Red', id, 'Failed to apply the storage policy because I/O control mode is disabled in the pool. Enable I/O control mode.']]);
    f.engine.modifyPool(f.array, 0, { ioUpperMode: true });
    expect(check()).toBe(true);
    expect(alarms().map((a) => a.status)).toEqual(['Red', 'Green']);
  });
});
