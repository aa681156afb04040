/**
 * B11 compliance on the pool change itself: `array poolmodify` (engine.modifyPool)
 * re-judges the profiled VVols its change may affect in the same transaction, so the
 * Compliance alarm is raised then, not at vCenter's next queryComplianceResult. The
 * judge is the policy room's pure function, registered with the engine as the assembly
 * does (src/app/assembly.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { assemble } from '../../src/app/assembly';
import { ManualClock } from '../../src/array/clock';
import { containerUuid } from '../../src/array/ids';
import { GiB } from '../../src/array/models';
import { complianceVerdict } from '../../src/policy/compliance';
import { placementFor } from '../../src/policy/placement';
import type { ProfileRule, StorageProfile } from '../../src/policy/profile';
import { NEC_NAMESPACE } from '../../src/policy/capabilities';
import { readRuntime } from '../../src/sys/runtime';
import { buildArray, Fixture, tempDir } from '../helpers/fixture';

const CTR0 = containerUuid('00255CDB05310000', 0);
const CTR1 = containerUuid('00255CDB05310000', 1);
const rule = (capability: string, property: string, value: string): ProfileRule => ({ namespace: NEC_NAMESPACE, capability, property, value });
const profile = (id: string, rules: ProfileRule[]): StorageProfile => ({ profileId: id, generationId: 1, name: id, ruleSets: [{ name: 'r', rules }] });
const ioUpper = profile('io', [rule('IOControl', 'EnableIOUpperControl', 'true')]);
const backup = profile('backup', [rule('Backup', 'EnableBackup', 'true')]);
const IO_OFF = 'Failed to apply the storage policy because I/O control mode is disabled in the pool. Enable I/O control mode.';

let f: Fixture;
beforeEach(() => { f = buildArray(); });
afterEach(() => f.close());

const compliance = () => f.engine.alarmsSince(f.array, 0).filter((a) => a.type === 'Compliance').map((a) => [a.status, a.objectId, a.message]);
const create = (ctr: string, p: StorageProfile) => f.engine.createVvolInContainer(ctr, { type: 'data', sizeBytes: GiB }, placementFor(p)).ld.vvolId as string;

test('without a registered judge the array judges nothing on a pool change (the array holds no rule code)', () => {
  f.engine.modifyPool(f.array, 0, { ioUpperMode: true });
  create(CTR0, ioUpper);
  f.engine.modifyPool(f.array, 0, { ioUpperMode: false });
  expect(compliance()).toEqual([]);
});

describe('with the judge registered', () => {
  beforeEach(() => f.engine.setComplianceJudge(complianceVerdict));

  test('B11: turning the pool\'s I/O mode off raises the Compliance alarm in the same call, for that pool\'s VVols only; back on, Green', () => {
    f.engine.modifyPool(f.array, 0, { ioUpperMode: true });
    f.engine.modifyPool(f.array, 1, { ioUpperMode: true });
    const a = create(CTR0, ioUpper);
    const b = create(CTR1, ioUpper);
    f.engine.modifyPool(f.array, 0, { ioUpperMode: false });
    expect(compliance()).toEqual([['Red', a, IO_OFF]]);
    expect(f.engine.vvolPolicy(a).profile?.compliant).toBe(false);
    expect(f.engine.vvolPolicy(b).profile?.compliant).toBe(true);
    f.engine.modifyPool(f.array, 0, { threshold: 70 }); // no change of verdict: no second alarm
    expect(compliance()).toHaveLength(1);
    f.engine.modifyPool(f.array, 0, { ioUpperMode: true });
    expect(compliance().map((x) => x[0])).toEqual(['Red', 'Green']);
  });

  test('B11: renaming the only vvolbackup pool puts every backup-profiled VVol of the array out of compliance (B.1\'s text)', () => {
    const a = create(CTR0, backup);
    const b = create(CTR1, backup);
    f.engine.modifyPool(f.array, 3, { name: 'Backup0' });
    expect(compliance()).toEqual([
      ['Red', a, 'Failed to apply the storage policy because no pool for backup exists.'],
      ['Red', b, 'Failed to apply the storage policy because no pool for backup exists.'],
    ]);
  });

  test('the pool change and its alarm are one transaction: a refused change raises nothing', () => {
    f.engine.modifyPool(f.array, 0, { ioUpperMode: true });
    create(CTR0, ioUpper);
    expect(() => f.engine.modifyPool(f.array, 0, { ioUpperMode: false, threshold: 100 })).toThrow();
    expect(compliance()).toEqual([]);
    expect(f.engine.getPool(f.array, 0).ioUpperMode).toBe(true);
  });
});

test('the assembly registers the judge: `array poolmodify` through the daemon\'s engine raises the alarm at once', () => {
  const data = tempDir('vvol-policy-asm-');
  const a = assemble({ runtime: { ...readRuntime({}), dataDir: data, confDir: path.join(__dirname, '..', '..', 'conf') }, role: 'daemon', clock: new ManualClock() });
  try {
    const arr = a.engine.listArrays()[0];
    const pool = a.engine.listPools(arr.name).find((p) => p.container && !p.name.startsWith('vvolbackup'));
    expect(pool).toBeDefined();
    const poolNo = (pool as { poolNo: number }).poolNo;
    a.engine.modifyPool(arr.name, poolNo, { ioUpperMode: true });
    const id = a.engine.createVvolInContainer(containerUuid(arr.wwn, poolNo), { type: 'data', sizeBytes: GiB }, placementFor(ioUpper)).ld.vvolId as string;
    a.engine.modifyPool(arr.name, poolNo, { ioUpperMode: false });
    expect(a.engine.alarmsSince(arr.name, 0).filter((x) => x.type === 'Compliance').map((x) => [x.status, x.objectId, x.message])).toEqual([['Red', id, IO_OFF]]);
  } finally {
    a.close();
    fs.rmSync(data, { recursive: true, force: true });
  }
});

test('a pool change that changes what a container offers raises a Capability alarm on it (I/O mode: that container; a vvolbackup* rename: every container); other changes none', () => {
  const capability = () => f.engine.alarmsSince(f.array, 0).filter((a) => a.type === 'Capability').map((a) => [a.objectType, a.objectId, a.message]);
  f.engine.modifyPool(f.array, 0, { threshold: 70 });
  expect(capability()).toEqual([]);
  f.engine.modifyPool(f.array, 0, { ioUpperMode: true });
  expect(capability()).toEqual([['StorageContainer', CTR0, 'The capabilities of the Storage Container Pool0000 changed: I/O upper control mode No -> Yes.']]);
  const before = capability().length;
  f.engine.modifyPool(f.array, 3, { name: 'Pool0003' });
  const after = capability().slice(before);
  const containers = f.engine.listPools(f.array).filter((p) => p.container);
  expect(after).toHaveLength(containers.length);
  expect(after[0][2]).toBe('The capabilities of the Storage Container Pool0000 changed: backup no longer possible (the pool vvolbackup0 was renamed Pool0003).');
  // The StorageContainer Update event vCenter rescans on is there too.
  expect(f.engine.eventsSince(f.array, 0).some((e) => e.objectType === 'StorageContainer' && e.configType === 'Update')).toBe(true);
});

test('B11: locking the licence a policy needs (DynamicDataReplication for backup) raises the Compliance alarm in the same call; unlocking, Green', () => {
  f.engine.setComplianceJudge(complianceVerdict);
  const id = create(CTR0, backup);
  f.engine.setLicence(f.array, 'DynamicDataReplication', false);
  expect(compliance().filter((c) => c[1] === id).map((c) => c[0])).toEqual(['Red']);
  f.engine.setLicence(f.array, 'DynamicDataReplication', true);
  expect(compliance().filter((c) => c[1] === id).map((c) => c[0])).toEqual(['Red', 'Green']);
});
