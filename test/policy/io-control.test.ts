/**
 * L10 via policy (manual 3.9.2, 4.2, B.1) and table 4-2: a VVol created or re-profiled
 * with I/O Control rules gets the policy's upper/lower IOPS on its LD, in the same
 * transaction; a refusal (lower not below upper, the pool's I/O mode off, the I/O Load
 * Manager licence locked, no system volume) leaves nothing behind; LDs that table 4-2
 * excludes (ESV, PE) never carry limits.
 */
import { containerUuid } from '../../src/array/ids';
import { GiB } from '../../src/array/models';
import { placementFor } from '../../src/policy/placement';
import type { ProfileRule, StorageProfile } from '../../src/policy/profile';
import { NEC_NAMESPACE } from '../../src/policy/capabilities';
import { buildArray, demoSpec, Fixture } from '../helpers/fixture';

const CTR1 = containerUuid('00255CDB05310000', 1); // Pool0001: SSD, RAID1/10

const rule = (property: string, value: string): ProfileRule => ({ namespace: NEC_NAMESPACE, capability: 'IOControl', property, value });
const io = (o: { upper?: number; lower?: number }, id = 'io', generationId = 1): StorageProfile => ({
  profileId: id, generationId, name: id, ruleSets: [{ name: 'I/O', rules: [
    ...(o.upper !== undefined ? [rule('EnableIOUpperControl', 'true'), rule('IOUpperControlLimit', String(o.upper))] : []),
    ...(o.lower !== undefined ? [rule('EnableIOLowerControl', 'true'), rule('IOLowerControlLimit', String(o.lower))] : []),
  ] }],
});

let f: Fixture;
afterEach(() => f.close());

function ldCount(): number { return f.engine.listLds(f.array).length; }

function refused(fn: () => unknown): string {
  const before = ldCount();
  try {
    fn();
  } catch (e) {
    expect(ldCount()).toBe(before); // one transaction: no VVol, no profile, no limits
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('L10 via policy: the policy\'s I/O limits on the VVol\'s LD', () => {
  beforeEach(() => {
    f = buildArray();
    f.engine.modifyPool(f.array, 1, { ioUpperMode: true, ioLowerMode: true });
  });

  test('L10: create applies the upper and lower IOPS the policy enables, with an event', () => {
    const { ld } = f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(io({ upper: 5000, lower: 100 })));
    expect(f.engine.getVvol(ld.vvolId as string)).toMatchObject({ ioUpper: 5000, ioLower: 100 });
    expect(f.engine.eventsSince(f.array, 0).some((e) => e.messageId === 'nec.vvol.ioLimits' && e.objectId === ld.vvolId)).toBe(true);
  });

  test('L10: a limit the policy does not enable keeps the pool\'s initial value (4.2)', () => {
    f.engine.modifyPool(f.array, 1, { ioUpperDefault: 8000, ioLowerDefault: 50 });
    const { ld } = f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(io({ upper: 6000 })));
    expect(f.engine.getVvol(ld.vvolId as string)).toMatchObject({ ioUpper: 6000, ioLower: 50 });
  });

  test('L10: the policy\'s lower limit not below the limit the LD keeps is refused with B.1\'s text, nothing made', () => {
    f.engine.modifyPool(f.array, 1, { ioUpperDefault: 200 });
    expect(refused(() => f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(io({ lower: 300 })))))
      .toBe('Failed to apply the storage policy because the I/O Lower Limit is larger than the I/O Upper Limit.');
    expect(refused(() => f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(io({ upper: 100, lower: 100 })))))
      .toBe('Failed to apply the storage policy because the I/O Lower Limit is larger than the I/O Upper Limit.');
    expect(refused(() => f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(io({ upper: 9 })))))
      .toBe('The I/O upper limit 9 IOPS cannot be set. A decimal value within 10 to 1000000 can be specified.');
  });

  test('L10: the pool\'s I/O mode off and the I/O Load Manager licence locked refuse with B.1\'s texts', () => {
    f.engine.modifyPool(f.array, 1, { ioLowerMode: false });
    expect(refused(() => f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(io({ upper: 500, lower: 100 })))))
      .toBe('Failed to apply the storage policy because I/O control mode is disabled in the pool. Enable I/O control mode.');
    f.engine.setLicence(f.array, 'I/O Load Manager', false);
    expect(refused(() => f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(io({ upper: 500 })))))
      .toBe('Failed to apply the storage policy because the license for I/O Load Manager is locked.');
  });

  test('L10: updateVvolProfile sets the new policy\'s limits; a refused one changes neither limits nor profile', () => {
    const { ld } = f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(io({ upper: 5000 }, 'a')));
    const id = ld.vvolId as string;
    f.engine.updateVvolProfile(id, placementFor(io({ upper: 700, lower: 20 }, 'b')) as NonNullable<ReturnType<typeof placementFor>>);
    expect(f.engine.getVvol(id)).toMatchObject({ ioUpper: 700, ioLower: 20 });
    expect(f.engine.vvolPolicy(id).profile?.profileId).toBe('b');
    expect(() => f.engine.updateVvolProfile(id, placementFor(io({ lower: 900 }, 'c')) as NonNullable<ReturnType<typeof placementFor>>))
      .toThrow('Failed to apply the storage policy because the I/O Lower Limit is larger than the I/O Upper Limit.');
    expect(f.engine.getVvol(id)).toMatchObject({ ioUpper: 700, ioLower: 20 });
    expect(f.engine.vvolPolicy(id).profile?.profileId).toBe('b');
  });

  test('table 4-2: a fast clone (FCV) takes the policy\'s limits; the snapshot (ESV) prepared with the same policy carries none', () => {
    const p = io({ upper: 4000, lower: 40 });
    const { ld } = f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(p));
    const fcv = f.engine.fastClone(ld.vvolId as string, {}, placementFor(io({ upper: 3000, lower: 30 }, 'clone')));
    expect(f.engine.getVvol(fcv.vvolId as string)).toMatchObject({ clone: 'FCV', ioUpper: 3000, ioLower: 30 });
    const snap = f.engine.prepareWithParent(ld.vvolId as string, placementFor(p)).snapshot;
    expect(f.engine.getVvol(snap.vvolId as string)).toMatchObject({ snap: 'ESV', ioUpper: null, ioLower: null });
    expect(f.engine.vvolPolicy(snap.vvolId as string).profile?.profileId).toBe('io');
    expect(f.engine.listProtocolEndpoints(f.array).every((pe) => pe.ioUpper === null && pe.ioLower === null)).toBe(true);
    expect(f.engine.checkInvariants()).toEqual([]);
  });
});

test('L10: without a system volume (SSV) the policy\'s I/O control cannot be configured: B.1\'s text', () => {
  f = buildArray({ spec: demoSpec({ ssv: undefined }) });
  f.engine.modifyPool(f.array, 1, { ioUpperMode: true });
  expect(refused(() => f.engine.createVvolInContainer(CTR1, { type: 'data', sizeBytes: GiB }, placementFor(io({ upper: 500 })))))
    .toBe('Failed to apply the storage policy due to I/O control configuration error.');
});
