/**
 * Backup volumes (manual 3.9.1): B6, B7, B8, B9 through the engine, with the manual's texts.
 */
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { expectError, vvol } from '../helpers/expect-error';

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

const VM = '502e0676-e510-ccdd-394c-667f6867fc01';
const alarmTexts = () => f.engine.alarmsSince(f.array, 0).map((a) => a.message);
const secondBackupPool = (capacity = 64) =>
  f.engine.createPool(f.array, { poolNo: 4, name: 'vvolbackup1', virtual: true, container: true, raid: 'RAID6', pdType: 'NLSAS', capacityBytes: capacity * GB, virtualCapacityBytes: capacity * GB });

test('B7: one generation makes one RV in the vvolbackup container, paired MV/RV', () => {
  f = buildArray();
  const data = vvol(f, { vm: VM });
  const r = f.engine.ensureBackupVolumes(data.vvolId as string, { generations: 1, autoDelete: false });
  expect(r.alarms).toEqual([]);
  expect(r.volumes.map((v) => ({ g: v.generation, pool: v.poolName, cap: v.rv.capacity, rpl: v.rv.rpl }))).toEqual([{ g: 1, pool: 'vvolbackup0', cap: GB, rpl: 'RV' }]);
  expect(f.engine.queryPairs(f.array, data.ldn).map((p) => [p.mvName, p.rvName, p.purpose])).toEqual([[data.name, r.volumes[0].rv.name, 'backup']]);
});

test('B7: two generations with one backup pool put both RVs there with the alarm "The disk array has only one pool for backup."', () => {
  f = buildArray();
  const data = vvol(f, { vm: VM });
  const r = f.engine.ensureBackupVolumes(data.vvolId as string, { generations: 2, autoDelete: true });
  expect(r.alarms).toEqual(['The disk array has only one pool for backup.']);
  expect(r.volumes.map((v) => v.poolName)).toEqual(['vvolbackup0', 'vvolbackup0']);
  expect(alarmTexts()).toContain('The disk array has only one pool for backup.');
});

test('B7: with two backup pools the generations go to different pools, without the alarm', () => {
  f = buildArray();
  secondBackupPool();
  const data = vvol(f, { vm: VM });
  const r = f.engine.ensureBackupVolumes(data.vvolId as string, { generations: 2, autoDelete: false });
  expect(r.alarms).toEqual([]);
  expect(r.volumes.map((v) => v.poolName)).toEqual(['vvolbackup0', 'vvolbackup1']);
});

test('B7: no vvolbackup container (nor an upper-case one) refuses with "Failed to apply the storage policy because no pool for backup exists."', () => {
  f = buildArray();
  f.engine.modifyPool(f.array, 3, { name: 'VVOLBACKUP0' });
  const data = vvol(f, { vm: VM });
  expectError(() => f.engine.ensureBackupVolumes(data.vvolId as string, { generations: 1, autoDelete: false }), 'FAILED_PRECONDITION', 'Failed to apply the storage policy because no pool for backup exists.');
  expect(f.engine.backupVolumes(data.vvolId as string)).toEqual([]);
});

test('B7: the RVs need the DynamicDataReplication licence', () => {
  f = buildArray();
  f.engine.setLicence(f.array, 'DynamicDataReplication', false);
  const data = vvol(f, { vm: VM });
  expectError(() => f.engine.ensureBackupVolumes(data.vvolId as string, { generations: 1, autoDelete: false }), 'LICENCE_LOCKED', 'The license for DynamicDataReplication is locked.');
});

test('B6: a linked clone\'s VVol gets no backup volume, with the alarm "Backup can not be done for linked clones."', () => {
  f = buildArray();
  const src = vvol(f, { vm: VM });
  const clone = f.engine.fastClone(src.vvolId as string);
  const r = f.engine.ensureBackupVolumes(clone.vvolId as string, { generations: 2, autoDelete: false });
  expect(r).toEqual({ volumes: [], alarms: ['Backup can not be done for linked clones.'] });
  expect(alarmTexts()).toContain('Backup can not be done for linked clones.');
});

test('B8: fewer generations (or Backup No) over more is refused with the manual\'s message; increasing works; after deleting an RV the compatible policy applies', () => {
  f = buildArray();
  const data = vvol(f, { vm: VM });
  const id = data.vvolId as string;
  f.engine.ensureBackupVolumes(id, { generations: 1, autoDelete: false });
  expectError(() => f.engine.ensureBackupVolumes(id, { generations: 0, autoDelete: false }), 'FAILED_PRECONDITION', "You cannot delete a virtual machine's backup volume only by applying a new backup policy.");
  const two = f.engine.ensureBackupVolumes(id, { generations: 2, autoDelete: false });
  expect(two.volumes.map((v) => v.generation)).toEqual([1, 2]);
  expectError(() => f.engine.ensureBackupVolumes(id, { generations: 1, autoDelete: false }), 'FAILED_PRECONDITION', "You cannot delete a virtual machine's backup volume only by applying a new backup policy.");
  expect(f.engine.backupVolumes(id)).toHaveLength(2);
  // The operator deletes one RV with iSM (unpair, ldunbind); then one generation applies.
  const rv = two.volumes[1].rv;
  f.engine.unpair(f.array, data.ldn, rv.ldn);
  f.engine.deleteLd(f.array, rv.ldn);
  expect(f.engine.ensureBackupVolumes(id, { generations: 1, autoDelete: false }).volumes).toHaveLength(1);
});

test('B9: expanding a VVol with backup volumes expands the RVs first, in one step when all fit', () => {
  f = buildArray();
  secondBackupPool();
  const data = vvol(f, { vm: VM });
  f.engine.ensureBackupVolumes(data.vvolId as string, { generations: 2, autoDelete: false });
  expect(f.engine.resizeVvol(data.vvolId as string, 3 * GB).capacity).toBe(3 * GB);
  expect(f.engine.backupVolumes(data.vvolId as string).map((v) => v.rv.capacity)).toEqual([3 * GB, 3 * GB]);
});

test('B9: the first RV not fitting changes nothing ("Insufficient pool space.")', () => {
  f = buildArray();
  const data = vvol(f, { vm: VM });
  f.engine.ensureBackupVolumes(data.vvolId as string, { generations: 1, autoDelete: false });
  f.engine.createVvol(f.array, { pool: 3, type: 'data', sizeBytes: f.engine.getPool(f.array, 3).virtualCapacity - 2 * GB });
  expectError(() => f.engine.resizeVvol(data.vvolId as string, 3 * GB), 'OUT_OF_RESOURCE', 'Insufficient pool space.');
  expect(f.engine.getVvol(data.vvolId as string).capacity).toBe(GB);
  expect(f.engine.backupVolumes(data.vvolId as string)[0].rv.capacity).toBe(GB);
});

test('B9: the second RV not fitting leaves the first expanded, the VVol not, with "Failed to expand the second backup volume(...)"', () => {
  f = buildArray();
  secondBackupPool(2);
  const data = vvol(f, { vm: VM });
  const id = data.vvolId as string;
  const [, second] = f.engine.ensureBackupVolumes(id, { generations: 2, autoDelete: false }).volumes;
  const ldn = second.rv.ldn.toString(16).toUpperCase().padStart(4, '0');
  expectError(() => f.engine.resizeVvol(id, 3 * GB), 'OUT_OF_RESOURCE', `Failed to expand the second backup volume(backup volume:${ldn}h, capacity:3072).`);
  expect(f.engine.backupVolumes(id).map((v) => v.rv.capacity)).toEqual([3 * GB, GB]);
  expect(f.engine.getVvol(id).capacity).toBe(GB);
});

test('B9: the VVol not fitting after its RVs grew says so; asking for less than the RVs is refused; asking again completes it', () => {
  f = buildArray();
  const data = vvol(f, { vm: VM });
  const id = data.vvolId as string;
  f.engine.ensureBackupVolumes(id, { generations: 1, autoDelete: false });
  const filler = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: f.engine.getPool(f.array, 0).virtualCapacity - 2 * GB }).ld;
  expectError(() => f.engine.resizeVvol(id, 3 * GB), 'OUT_OF_RESOURCE', 'Failed to expand the volume(But had succeed in expanding backup volume. Target capacity:3072).');
  expect(f.engine.getVvol(id).capacity).toBe(GB);
  expect(f.engine.backupVolumes(id)[0].rv.capacity).toBe(3 * GB);
  f.engine.deleteVvol(filler.vvolId as string);
  expectError(() => f.engine.resizeVvol(id, 2 * GB), 'INVALID_ARGUMENT', 'Failed to expand the backup volume because the target capacity(2048) is less than the present one(3072).');
  expect(f.engine.resizeVvol(id, 3 * GB).capacity).toBe(3 * GB);
});

test('B9: a VVol whose backup pair is replicating cannot be expanded', () => {
  f = buildArray();
  const data = vvol(f, { vm: VM });
  const id = data.vvolId as string;
  const [v] = f.engine.ensureBackupVolumes(id, { generations: 1, autoDelete: false }).volumes;
  f.engine.replicate(f.array, data.ldn, v.rv.ldn);
  expectError(() => f.engine.resizeVvol(id, 2 * GB), 'FAILED_PRECONDITION', 'Failed to expand the specified volume because the volume is being replicated.');
});
