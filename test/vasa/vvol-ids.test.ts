/**
 * N4 (manual 3.1.3) over the wire: createVirtualVolume (and every call that makes a
 * VVol) returns naa.6xxxxxx000000000yyyyyyyyyyyyzzzz, every VVol operation takes it,
 * and nothing else is taken silently: an rfc4122 id (VASA's other form, which this
 * provider issued before) is NotFound, a malformed one InvalidArgument, each narrowed
 * to what the operation's fault list allows.
 */
import { containerUuid } from '../../src/array/ids';
import { ClientCert, list, makeClientCert, PASSWORD, startTestServer, TestServer, USER, val, vasaSoapClient, VasaSoapClient } from '../helpers/vasa-server';

const CTR0 = containerUuid('00255CDB05310000', 0);
const MiB = 1024 * 1024;
const OLD = 'rfc4122.0c5a1c3e-6f2b-4d7e-9a8b-1c2d3e4f5a6b';
const MALFORMED = 'naa.6-not-a-vvol';

type Rec = Record<string, unknown>;

let t: TestServer;
let cert: ClientCert;
let c: VasaSoapClient;

beforeAll(async () => {
  t = await startTestServer();
  cert = makeClientCert('vc-n4');
  c = await vasaSoapClient(t.url, cert);
  await c.ok('registerVASACertificate', { userName: USER, password: PASSWORD, newCertificate: cert.cert });
  const iqn = 'iqn.1998-01.com.vmware:esx-n4';
  const info = await c.ok<{ sessionId: string }>('setContext', { usageContext: { hostGuid: 'host-guid-n4', hostInitiator: [{ uniqueIdentifier: iqn, iscsiIdentifier: iqn }] } });
  c.setSession(info.sessionId);
});
afterAll(async () => {
  await t?.close();
});

const md = (kv: Record<string, string>) => Object.entries(kv).map(([parameterName, parameterValue]) => ({ parameterName, parameterValue }));
/** The id LD `ldn` of the test array (WWN 00255CDB05310000) has by the manual's rule. */
const n4 = (ldn: number) => `naa.65cdb050000000005cdb05310000${ldn.toString(16).padStart(4, '0')}`;
const ldnOf = (id: string) => t.fixture.engine.getVvol(id).ldn;

async function create(type: string): Promise<string> {
  const task = await c.ok<{ result: unknown }>('createVirtualVolume', { containerId: CTR0, vvolType: type, sizeInMB: 1024, metadata: md({ VMW_VVolType: type, VMW_VmID: 'vm-n4' }) });
  return val(task.result);
}

test('N4: createVirtualVolume returns naa.6 + WWN digits 5-10 + 000000000 + last 12 WWN digits + LD number, and every VVol operation takes it', async () => {
  const config = await create('Config');
  const data = await create('Data');
  expect(config).toBe(n4(ldnOf(config)));
  expect(data).toBe(n4(ldnOf(data)));
  // The container UUID carries the same WWN digits: vvol:6xxxxxx000000000-yyyyyyyyyyyyzzzz.
  expect(data.slice(4, 20)).toBe(CTR0.replace(/-/g, '').slice(0, 16));
  expect(data.slice(20, 32)).toBe(CTR0.replace(/-/g, '').slice(16, 28));

  expect(list(await c.ok<string[]>('queryVirtualVolume', { searchConstraint: [{ key: 'VMW_VmID', value: 'vm-n4' }] })).sort()).toEqual([config, data].sort());
  expect(list(await c.ok<Rec[]>('queryVirtualVolumeInfo', { vvolId: [data] })).map((i) => i.vvolId)).toEqual([data]);
  expect((await c.call('updateVirtualVolumeMetaData', { vvolId: data, keyValuePair: md({ VMW_VVolNamespace: `/vmfs/volumes/vvol:65cdb05000000000-5cdb053100000000/${config}` }) })).fault).toBeUndefined();
  const bound = list(await c.ok<Rec[]>('bindVirtualVolume', { vvolId: [data], bindContext: 'Normal' }));
  expect(bound.map((b) => [b.vvolId, b.fault])).toEqual([[data, undefined]]);
  const handle = bound[0].vvolHandle as Rec;
  expect(handle.uniqueIdentifier).toBe(data);
  const unbound = list(await c.ok<Rec[]>('unbindVirtualVolume', { vvolHandle: [handle], unbindContext: 'Normal' }));
  expect(unbound.map((u) => [u.uniqueId, u.errorResult])).toEqual([[data, undefined]]);
  await c.ok('bindVirtualVolume', { vvolId: [data], bindContext: 'Normal' });
  expect(list(await c.ok<Rec[]>('unbindVirtualVolumeFromAllHost', { vvolId: [data] })).map((u) => u.uniqueId)).toEqual([data]);
  expect(list(await c.ok<Rec[]>('spaceStatsForVirtualVolume', { vvolId: [data] })).map((s) => s.objectId)).toEqual([data]);
  t.fixture.engine.write(t.fixture.engine.getVvol(data), 0, ['n0', 'n1']);
  await c.ok('allocatedBitmapVirtualVolume', { vvolId: data, segmentStartOffsetBytes: 0, segmentLengthBytes: 16 * MiB, chunkSizeBytes: MiB });

  const prep = await c.ok<{ result: Rec }>('prepareToSnapshotVirtualVolume', { vvolId: data });
  const snap = String(prep.result.snapshotId);
  expect(snap).toBe(n4(ldnOf(snap)));
  const taken = list(await c.ok<Rec[]>('snapshotVirtualVolume', { snapshotInfo: [{ vvolId: snap }], timeoutMS: 10000 }));
  expect(taken.map((s) => [s.uniqueId, s.errorResult])).toEqual([[snap, undefined]]);
  await c.ok('unsharedBitmapVirtualVolume', { vvolId: data, baseVvolId: snap, segmentStartOffsetBytes: 0, segmentLengthBytes: 16 * MiB, chunkSizeBytes: MiB });
  await c.ok('unsharedChunksVirtualVolume', { vvolId: data, baseVvolId: snap, segmentStartOffsetBytes: 0, segmentLengthBytes: 16 * MiB });
  expect((await c.ok<Rec>('revertVirtualVolume', { vvolId: data, snapshotVvolId: snap })).taskState).toBe('Success');

  const fast = val((await c.ok<{ result: unknown }>('fastCloneVirtualVolume', { vvolId: data, metadata: md({ VMW_VVolType: 'Data' }) })).result);
  expect(fast).toBe(n4(ldnOf(fast)));
  expect((await c.call('resizeVirtualVolume', { vvolId: config, sizeInMB: 2048 })).fault).toBeUndefined();
  const full = await c.ok<{ taskId: string }>('cloneVirtualVolume', { vvolId: config, metadata: md({ VMW_VVolType: 'Config', VMW_VmID: 'vm-n4-full' }) });
  const [fullId] = list(await c.ok<string[]>('queryVirtualVolume', { searchConstraint: [{ key: 'VMW_VmID', value: 'vm-n4-full' }] }));
  expect(fullId).toBe(n4(ldnOf(fullId)));
  const diffs = await c.call('copyDiffsToVirtualVolume', { srcVVolId: data, srcBaseVVolId: snap, dstVVolId: fast });
  expect(diffs.fault).toBeUndefined();

  // A cancelled full clone takes its destination with it: its id is unknown from then on.
  t.fixture.engine.cancelTask(full.taskId);
  expect((await c.call('deleteVirtualVolume', { vvolId: fullId })).fault).toMatchObject({ name: 'NotFound', message: `The specified ${fullId} does not exist.` });
  const other = await create('Other');
  expect((await c.call('deleteVirtualVolume', { vvolId: other })).fault).toBeUndefined();
  expect((await c.call('deleteVirtualVolume', { vvolId: other })).fault).toMatchObject({ name: 'NotFound', message: `The specified ${other} does not exist.` });
});

test('N4: an rfc4122 id is NotFound and a malformed id InvalidArgument, as each operation\'s fault list allows', async () => {
  const single: [string, (id: string) => Rec][] = [
    ['deleteVirtualVolume', (id) => ({ vvolId: id })],
    ['resizeVirtualVolume', (id) => ({ vvolId: id, sizeInMB: 2048 })],
    ['updateVirtualVolumeMetaData', (id) => ({ vvolId: id, keyValuePair: md({ a: 'b' }) })],
    ['prepareToSnapshotVirtualVolume', (id) => ({ vvolId: id })],
    ['revertVirtualVolume', (id) => ({ vvolId: id, snapshotVvolId: id })],
    ['fastCloneVirtualVolume', (id) => ({ vvolId: id, metadata: md({ VMW_VVolType: 'Data' }) })],
    ['cloneVirtualVolume', (id) => ({ vvolId: id })],
    ['copyDiffsToVirtualVolume', (id) => ({ srcVVolId: id, srcBaseVVolId: id, dstVVolId: id })],
    ['allocatedBitmapVirtualVolume', (id) => ({ vvolId: id, segmentStartOffsetBytes: 0, segmentLengthBytes: MiB, chunkSizeBytes: MiB })],
    ['unsharedBitmapVirtualVolume', (id) => ({ vvolId: id, baseVvolId: id, segmentStartOffsetBytes: 0, segmentLengthBytes: MiB, chunkSizeBytes: MiB })],
    ['unsharedChunksVirtualVolume', (id) => ({ vvolId: id, segmentStartOffsetBytes: 0, segmentLengthBytes: MiB })],
  ];
  for (const [op, args] of single) {
    const old = await c.call(op, args(OLD));
    expect({ op, fault: old.fault?.name, message: old.fault?.message }).toEqual({ op, fault: 'NotFound', message: `The specified ${OLD} does not exist.` });
    const bad = await c.call(op, args(MALFORMED));
    expect({ op, fault: bad.fault?.name }).toEqual({ op, fault: 'InvalidArgument' });
    expect(bad.fault?.message).toMatch(/"naa\.6-not-a-vvol" is not a VVol id \(naa\.6 and 31 hexadecimal digits\)\.$/);
  }
  // Neither NotFound nor InvalidArgument is in the fault list of these two: StorageFault, with the same text.
  for (const op of ['queryVirtualVolumeInfo', 'spaceStatsForVirtualVolume']) {
    const old = await c.call(op, { vvolId: [OLD] });
    expect({ op, fault: old.fault?.name, message: old.fault?.message }).toEqual({ op, fault: 'StorageFault', message: `The specified ${OLD} does not exist.` });
    expect((await c.call(op, { vvolId: [MALFORMED] })).fault?.name).toBe('StorageFault');
  }
  // Batches answer per item.
  const bind = list(await c.ok<Rec[]>('bindVirtualVolume', { vvolId: [OLD], bindContext: 'Normal' }));
  expect(bind).toEqual([{ fault: { attributes: { 'xsi:type': 'fault:NotFound' } }, vvolId: OLD }]);
  const snap = list(await c.ok<Rec[]>('snapshotVirtualVolume', { snapshotInfo: [{ vvolId: OLD }], timeoutMS: 1000 }));
  expect(snap.map((s) => s.uniqueId)).toEqual([OLD]);
  expect(snap[0].errorResult).toBeDefined();
  const badBind = list(await c.ok<Rec[]>('bindVirtualVolume', { vvolId: [MALFORMED], bindContext: 'Normal' }));
  expect(badBind).toEqual([{ fault: { attributes: { 'xsi:type': 'fault:InvalidArgument' } }, vvolId: MALFORMED }]);
});
