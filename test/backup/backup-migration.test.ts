/**
 * B10 (manual 3.6, 3.9.1, A.1): migrating a VM to another datastore (vCenter's full clone
 * with the same backup policy) re-creates its backup volumes there once the copy is
 * complete; the source's RVs stay with Backup Volume Automatic Deleted = No (the pair
 * released, listed by the relation file in rvVVOLList) and go with the VVol with Yes,
 * which is refused while an RV is allocated to an LD Set.
 */
import { containerUuid, hex4 } from '../../src/array/ids';
import { GiB } from '../../src/array/models';
import { placementFor } from '../../src/policy/placement';
import type { ProfileRule, StorageProfile } from '../../src/policy/profile';
import { NEC_NAMESPACE } from '../../src/policy/capabilities';
import { buildArray, Fixture } from '../helpers/fixture';
import { expectError } from '../helpers/expect-error';
import { createVm, parseRelation, service, vvolMetadata } from '../relation/scenario';

const CTR0 = containerUuid('00255CDB05310000', 0);
const rule = (property: string, value: string): ProfileRule => ({ namespace: NEC_NAMESPACE, capability: 'Backup', property, value });
const backup = (generations: number, autoDelete: boolean): StorageProfile => ({
  profileId: `b${generations}${autoDelete ? 'y' : 'n'}`, generationId: 1, name: 'backup',
  ruleSets: [{ name: 'Backup', rules: [rule('EnableBackup', 'true'), rule('BackupGenerations', String(generations)), rule('BackupVolumeAutomaticDeleted', String(autoDelete))] }],
});
const place = (p: StorageProfile) => placementFor(p) as NonNullable<ReturnType<typeof placementFor>>;

let f: Fixture;
beforeEach(() => { f = buildArray({ engine: { copyBytesPerSec: 1024 * 1024 * 1024 } }); });
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

/** Runs the clone's copy to its end, then the tick that follows it. */
function finishCopy(): void {
  for (let i = 0; i < 10; i++) {
    f.clock.advance(5_000);
    f.engine.tick();
  }
}

function ldExists(ldn: number): boolean {
  return f.engine.listLds(f.array).some((l) => l.ldn === ldn);
}

test('B10: a full clone (migration) with a backup policy gets its backup volumes when its copy completes, not before', () => {
  const { ld: src } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB }, place(backup(2, false)));
  const { ld: clone, taskId } = f.engine.fullClone(src.vvolId as string, { pool: 1 }, place(backup(2, false)));
  // While copying, the clone is the RV of its copy and cannot be an MV too.
  expect(f.engine.backupVolumes(clone.vvolId as string)).toEqual([]);
  finishCopy();
  expect(f.engine.getTask(taskId).state).toBe('success');
  const rvs = f.engine.backupVolumes(clone.vvolId as string);
  expect(rvs.map((v) => [v.generation, v.poolName, v.autoDelete])).toEqual([[1, 'vvolbackup0', false], [2, 'vvolbackup0', false]]);
  // New RVs of their own: not the source's.
  const srcRvs = f.engine.backupVolumes(src.vvolId as string).map((v) => v.rv.ldn);
  expect(rvs.some((v) => srcRvs.includes(v.rv.ldn))).toBe(false);
  expect(f.engine.queryPairs(f.array, clone.ldn).filter((p) => p.purpose === 'backup')).toHaveLength(2);
  // Another tick changes nothing (applied once).
  finishCopy();
  expect(f.engine.backupVolumes(clone.vvolId as string)).toHaveLength(2);
});

test('B10: with Automatic Deleted = No the source\'s RVs stay after the migration, unpaired, and the relation file lists them in rvVVOLList', async () => {
  const vm = createVm(f, '502e0676-e510-ccdd-394c-667f6867fc10', 'mig-vm');
  const { ld: src } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB, metadata: vvolMetadata(f, vm, 'data', 'mig-vm.vmdk') }, place(backup(1, false)));
  const [old] = f.engine.backupVolumes(src.vvolId as string);
  const { ld: clone } = f.engine.fullClone(src.vvolId as string, { pool: 1, metadata: vvolMetadata(f, vm, 'data', 'mig-vm.vmdk', 1) }, place(backup(1, false)));
  finishCopy();
  f.engine.deleteVvol(src.vvolId as string);
  // The old RV is still on the array, no longer paired; the clone has a new one.
  expect(ldExists(old.rv.ldn)).toBe(true);
  expect(f.engine.queryPairs(f.array, old.rv.ldn)).toEqual([]);
  const [fresh] = f.engine.backupVolumes(clone.vvolId as string);
  expect(fresh.rv.ldn).not.toBe(old.rv.ldn);
  const [r] = await service(f).checkAndWrite();
  const dc = parseRelation(r.written as string).Information.diskArray.datacenterList.datacenter[0];
  const list = dc.unManageVVOLList.rvVVOLList as { '@id': string }[];
  expect(list.map((e) => e['@id'])).toContain(hex4(old.rv.ldn));
  expect(list.map((e) => e['@id'])).not.toContain(hex4(fresh.rv.ldn));
});

test('3.9.1: with Automatic Deleted = Yes the RVs are deleted with their VVol, and their pool gets the capacity back', () => {
  const pool = () => f.engine.listPools(f.array).find((p) => p.name === 'vvolbackup0');
  const before = pool()?.usedBytes;
  const { ld } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB }, place(backup(2, true)));
  const rvs = f.engine.backupVolumes(ld.vvolId as string).map((v) => v.rv.ldn);
  expect(rvs).toHaveLength(2);
  f.engine.deleteVvol(ld.vvolId as string);
  for (const ldn of rvs) expect(ldExists(ldn)).toBe(false);
  expect(pool()?.usedBytes).toBe(before);
  const events = f.engine.eventsSince(f.array, 0).map((e) => e.message);
  expect(events.filter((m) => /was deleted with the VVOL .* \(Backup Volume Automatic Deleted: Yes\)/.test(m))).toHaveLength(2);
});

test('3.9.1: with Automatic Deleted = Yes, deleting the VM is refused while its RV is allocated to an LD Set; nothing changes; released, it goes', () => {
  const { ld } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB }, place(backup(1, true)));
  const [v] = f.engine.backupVolumes(ld.vvolId as string);
  f.engine.grantPeAccess(f.array, v.rv.ldn, 'backupsrv01');
  expect(f.engine.ldDetail(f.array, v.rv.ldn).hosts).toEqual(['backupsrv01']);
  expectError(() => f.engine.deleteVvol(ld.vvolId as string), 'IN_USE',
    `The virtual machine cannot be deleted because its backup volume ${v.rv.name} (${hex4(v.rv.ldn)}h) is allocated to the LD Set of backupsrv01 (Backup Volume Automatic Deleted: Yes). Release the backup volume from the LD Set, or apply a policy with Backup Volume Automatic Deleted: No, and delete the virtual machine again.`);
  expect(f.engine.getVvol(ld.vvolId as string).state).toBe('ready');
  expect(ldExists(v.rv.ldn)).toBe(true);
  expect(f.engine.queryPairs(f.array, v.rv.ldn)).toHaveLength(1);
  // The RV itself cannot be unbound while in the LD Set either.
  f.engine.revokePeAccess(f.array, v.rv.ldn, 'backupsrv01');
  f.engine.deleteVvol(ld.vvolId as string);
  expect(ldExists(v.rv.ldn)).toBe(false);
});

test('3.9.1: with Automatic Deleted = No, an RV in an LD Set does not stop the VM\'s deletion; the RV stays in its LD Set', () => {
  const { ld } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB }, place(backup(1, false)));
  const [v] = f.engine.backupVolumes(ld.vvolId as string);
  f.engine.grantPeAccess(f.array, v.rv.ldn, 'backupsrv01');
  f.engine.deleteVvol(ld.vvolId as string);
  expect(f.engine.ldDetail(f.array, v.rv.ldn).hosts).toEqual(['backupsrv01']);
  expectError(() => f.engine.deleteLd(f.array, v.rv.ldn), 'IN_USE', `The LD ${hex4(v.rv.ldn)}h is allocated to the LD Set of backupsrv01; release it first (delldsetld).`);
});

test('B10: a migration whose backup volumes cannot be made when the copy ends (no vvolbackup pool left) keeps the VVol and raises the manual\'s alarm', () => {
  const { ld: src } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: GiB });
  const { ld: clone } = f.engine.fullClone(src.vvolId as string, { pool: 1 }, place(backup(1, false)));
  f.engine.modifyPool(f.array, 3, { name: 'Pool0003' });
  finishCopy();
  expect(f.engine.getVvol(clone.vvolId as string).state).toBe('ready');
  expect(f.engine.backupVolumes(clone.vvolId as string)).toEqual([]);
  const alarms = f.engine.alarmsSince(f.array, 0).filter((a) => a.objectId === clone.vvolId).map((a) => a.message);
  expect(alarms).toContain('Failed to apply the storage policy because no pool for backup exists.');
});

test('B10: a migration cancelled before its copy ends leaves no backup volumes and nothing pending', () => {
  const { ld: src } = f.engine.createVvolInContainer(CTR0, { type: 'data', sizeBytes: 64 * GiB });
  f.engine.write(src, 0, Array.from({ length: 200 }, (_, i) => `c${i}`));
  const { ld: clone, taskId } = f.engine.fullClone(src.vvolId as string, { pool: 1 }, place(backup(1, false)));
  f.engine.cancelTask(taskId);
  finishCopy();
  expect(f.engine.listLds(f.array).some((l) => l.ldn === clone.ldn)).toBe(false);
  expect(f.engine.listLds(f.array).filter((l) => l.poolNo === 3)).toEqual([]);
});
