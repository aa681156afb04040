/**
 * Backup from the policy in the engine (manual 3.9.1, B6-B8): the rule set the container
 * satisfies gives the VVol its backup volumes in the operation's own transaction;
 * a linked clone gets none (B6), a snapshot none of its own; a refusal leaves nothing.
 */
import { containerUuid } from '../../src/array/ids';
import { GiB } from '../../src/array/models';
import { placementFor } from '../../src/policy/placement';
import type { ProfileRule, StorageProfile } from '../../src/policy/profile';
import { NEC_NAMESPACE } from '../../src/policy/capabilities';
import { buildArray, Fixture } from '../helpers/fixture';

const CTR0 = containerUuid('00255CDB05310000', 0);
const rule = (property: string, value: string): ProfileRule => ({ namespace: NEC_NAMESPACE, capability: 'Backup', property, value });
const backup = (generations: number, autoDelete = false, id = `b${generations}`): StorageProfile => ({
  profileId: id, generationId: 1, name: id,
  ruleSets: [{ name: 'Backup', rules: [rule('EnableBackup', 'true'), rule('BackupGenerations', String(generations)), rule('BackupVolumeAutomaticDeleted', String(autoDelete))] }],
});

let f: Fixture;
beforeEach(() => { f = buildArray(); });
afterEach(() => f.close());

test('3.9.1: a second backup pool takes the second generation; Automatic Deleted is kept per RV', () => {
  f.engine.createPool(f.array, { poolNo: 4, name: 'vvolbackup1', virtual: true, container: true, raid: 'RAID6', pdType: 'NLSAS', capacityBytes: 64 * GiB });
  const { ld } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB }, placementFor(backup(2, true)));
  expect(f.engine.backupVolumes(ld.vvolId as string).map((v) => [v.generation, v.poolName, v.autoDelete])).toEqual([[1, 'vvolbackup0', true], [2, 'vvolbackup1', true]]);
  expect(f.engine.alarmsSince(f.array, 0).map((a) => a.message)).not.toContain('The disk array has only one pool for backup.');
});

test('B6: a linked clone (fast clone) made with a backup policy gets no backup volume, with the manual\'s alarm; a snapshot gets none of its own', () => {
  const { ld } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB }, placementFor(backup(1)));
  const id = ld.vvolId as string;
  const fcv = f.engine.fastClone(id, {}, placementFor(backup(1)));
  expect(f.engine.backupVolumes(fcv.vvolId as string)).toEqual([]);
  expect(f.engine.alarmsSince(f.array, 0).filter((a) => a.objectId === fcv.vvolId).map((a) => a.message)).toEqual(['Backup can not be done for linked clones.']);
  const snap = f.engine.prepareWithParent(id, placementFor(backup(1))).snapshot;
  expect(f.engine.backupVolumes(snap.vvolId as string)).toEqual([]);
  expect(f.engine.backupVolumes(id)).toHaveLength(1);
  expect(f.engine.checkInvariants()).toEqual([]);
});

test('a full clone takes the policy\'s profile; its backup volumes wait until its copy completes (B10, test/backup/backup-migration.test.ts)', () => {
  // The copy pairs the source with the clone as MV/RV until it completes; an RV cannot be an MV as well.
  const { ld } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB });
  const { ld: clone } = f.engine.fullClone(ld.vvolId as string, {}, placementFor(backup(1)));
  expect(f.engine.vvolPolicy(clone.vvolId as string).profile?.profileId).toBe('b1');
  expect(f.engine.backupVolumes(clone.vvolId as string)).toEqual([]);
});

test('B8 in the engine: fewer generations, or no Backup rule, over more refused with the manual\'s text; nothing changes', () => {
  const { ld } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB }, placementFor(backup(2)));
  const id = ld.vvolId as string;
  const none: StorageProfile = { profileId: 'plain', generationId: 1, name: 'plain', ruleSets: [{ name: 'r', rules: [] }] };
  for (const p of [backup(1), none]) {
    expect(() => f.engine.updateVvolProfile(id, placementFor(p) as NonNullable<ReturnType<typeof placementFor>>))
      .toThrow("You cannot delete a virtual machine's backup volume only by applying a new backup policy.");
    expect(f.engine.backupVolumes(id)).toHaveLength(2);
    expect(f.engine.vvolPolicy(id).profile?.profileId).toBe('b2');
  }
});

test('a backup refusal after admission leaves no VVol behind (one transaction): the configuration locked for replication', () => {
  const before = f.engine.listLds(f.array).length;
  f.engine.lockConfiguration(f.array, 'iSM');
  expect(() => f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB }, placementFor(backup(1)))).toThrow();
  expect(f.engine.listLds(f.array).length).toBe(before);
});
