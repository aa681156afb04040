/**
 * The vSphere flow over the wire, as an ESXi host session drives it, with node-soap's
 * client generated from the served WSDL: discovery, VVols with vSphere's metadata,
 * batch binding, snapshots in two phases, revert, linked and full clones (the full
 * clone polled with getTaskUpdate while the test moves the clock), bitmaps, space,
 * events and alarms, unbinding and deletion. Guest data is written through the
 * engine's guest-I/O path, as the host would write through the PE.
 */
import { containerUuid, peEui } from '../../src/array/ids';
import {
  bodyChild, ClientCert, list, makeClientCert, PASSWORD, RawSoap, startTestServer, TestServer, USER, val, vasaSoapClient, VasaSoapClient,
} from '../helpers/vasa-server';

let t: TestServer;
let cert: ClientCert;
let c: VasaSoapClient;
let raw: RawSoap;

const ARRAY_ID = 'StorageArray:0000000991007777';
const WWN = '00255CDB05310000';
const CTR0 = containerUuid(WWN, 0);
const CTR1 = containerUuid(WWN, 1);
/** The backup Storage Container (3.9.1: a container whose pool name begins with vvolbackup). */
const CTR3 = containerUuid(WWN, 3);
const VM_ID = '502e0676-e510-ccdd-394c-667f6867fcdf';
const HOST_IQN = 'iqn.1998-01.com.vmware:esx-flow-01';
const MiB = 1024 * 1024;

type Rec = Record<string, unknown>;
interface TaskInfo { taskId: string; taskState: string; result?: unknown; progress: string; name: string; cancelable: string; arrayId?: string; error?: unknown }

const ids: Record<string, string> = {};
const metadata = (type: string, name: string) => [
  { parameterName: 'VMW_VmID', parameterValue: VM_ID },
  { parameterName: 'VMW_VVolType', parameterValue: type },
  { parameterName: 'VMW_VVolName', parameterValue: name },
  { parameterName: 'VMW_VVolNamespace', parameterValue: `/vmfs/volumes/vvol:65cdb05000000000-5cdb053100000000/${VM_ID}` },
  { parameterName: 'VMW_ContainerId', parameterValue: CTR0 },
];
const bits = (b64: unknown) => [...Buffer.from(val(b64), 'base64')].map((x) => x.toString(2).padStart(8, '0')).join('');
const ld = (vvolId: string) => t.fixture.engine.getVvol(vvolId);
const read = (vvolId: string, start: number, n: number) => t.fixture.engine.readChunks(ld(vvolId), start, n);

beforeAll(async () => {
  t = await startTestServer();
  cert = makeClientCert('esx-flow-01');
  c = await vasaSoapClient(t.url, cert);
  await c.ok('registerVASACertificate', { userName: USER, password: PASSWORD, newCertificate: cert.cert });
  const info = await c.ok<{ sessionId: string }>('setContext', {
    usageContext: { hostGuid: 'host-guid-flow-01', hostInitiator: [{ uniqueIdentifier: HOST_IQN, iscsiIdentifier: HOST_IQN }], hostIoIpAddress: ['192.0.2.51'] },
  });
  c.setSession(info.sessionId);
  raw = new RawSoap(t.url, cert);
  raw.cookie = `VASASESSIONID=${info.sessionId}`;
});
afterAll(async () => {
  await t?.close();
});

describe('discovery', () => {
  test('queryArrays', async () => {
    const arrays = list(await c.ok<Rec[]>('queryArrays'));
    expect(arrays).toEqual([{
      uniqueIdentifier: ARRAY_ID, alternateName: 'Storage001', arrayName: 'Storage001', firmware: expect.any(String), modelId: 'M510',
      priority: '128', supportedBlock: ['FC', 'ISCSI'], supportedProfile: 'VirtualVolumeProfile', vendorId: 'NEC',
    }]);
    expect(list(await c.ok<Rec[]>('queryArrays', { arrayUniqueId: [ARRAY_ID] }))).toHaveLength(1);
    expect((await c.call('queryArrays', { arrayUniqueId: ['StorageArray:nope'] })).fault?.name).toBe('StorageFault'); // NotFound is not listed for queryArrays
  });

  test('queryStorageContainer and queryStorageContainerForArray', async () => {
    const all = list(await c.ok<Rec[]>('queryStorageContainer'));
    expect(all).toEqual([
      { uniqueIdentifier: CTR0, maxVvolSizeMB: '10485760', name: 'Pool0000', protocolEndPointType: 'SCSI' },
      { uniqueIdentifier: CTR1, maxVvolSizeMB: '10485760', name: 'Pool0001', protocolEndPointType: 'SCSI' },
      { uniqueIdentifier: CTR3, maxVvolSizeMB: '10485760', name: 'vvolbackup0', protocolEndPointType: 'SCSI' },
    ]);
    expect(list(await c.ok<Rec[]>('queryStorageContainer', { containerId: [CTR1] })).map((x) => x.name)).toEqual(['Pool0001']);
    expect(list(await c.ok<string[]>('queryStorageContainerForArray', { arrayId: ARRAY_ID }))).toEqual([CTR0, CTR1, CTR3]);
    const nf = await c.call('queryStorageContainerForArray', { arrayId: 'StorageArray:0000000000000000' });
    expect(nf.fault).toMatchObject({ name: 'NotFound', message: 'The storage array StorageArray:0000000000000000 does not exist.' });
  });

  test('queryProtocolEndpointForArray: the host session sees the PEs it was given access to (autoPeAccess)', async () => {
    expect(list(await c.ok<string[]>('queryProtocolEndpointForArray', { arrayId: ARRAY_ID }))).toEqual(['eui.5cdb053100000400', 'eui.5cdb053100000401']);
    expect(t.fixture.engine.ldDetail('Storage001', 0x400).hosts).toContain(HOST_IQN);
    const pes = list(await c.ok<Rec[]>('queryProtocolEndpoint'));
    expect(pes[0]).toEqual({ uniqueIdentifier: 'eui.5cdb053100000400', inBandBindCapability: 'None', inBandId: { lunId: 'eui.5cdb053100000400', protocolEndpointType: 'SCSI' } });
  });
});

describe('VVols', () => {
  test('createVirtualVolume config, data and swap with vSphere metadata: TaskInfo whose result is the new vvolId', async () => {
    for (const [type, name, size] of [['Config', 'vm-flow', 4096], ['Data', 'vm-flow.vmdk', 1024], ['Swap', 'vm-flow.vswp', 1024]] as const) {
      const task = await c.ok<TaskInfo>('createVirtualVolume', { containerId: CTR0, vvolType: type, sizeInMB: size, metadata: metadata(type, name) });
      expect(task).toMatchObject({ taskState: 'Success', progress: '100', name: 'createVirtualVolume', arrayId: ARRAY_ID, cancelable: 'false' });
      expect(task.result).toEqual({ attributes: { 'xsi:type': 'xsd:string' }, $value: expect.stringMatching(/^naa\.65cdb050000000005cdb05310000[0-9a-f]{4}$/) });
      ids[type] = val(task.result);
      const again = await c.ok<TaskInfo>('getTaskUpdate', { taskId: task.taskId });
      expect(again).toMatchObject({ taskId: task.taskId, taskState: 'Success' });
      expect(val(again.result)).toBe(ids[type]);
      const l = ld(ids[type]);
      expect({ type: l.vvolType, bytes: l.capacity }).toEqual({ type: type.toLowerCase(), bytes: size * MiB });
    }
  });

  test('queryVirtualVolume by metadata and queryVirtualVolumeInfo', async () => {
    const byVm = list(await c.ok<string[]>('queryVirtualVolume', { searchConstraint: [{ key: 'VMW_VmID', value: VM_ID }] }));
    expect([...byVm].sort()).toEqual([ids.Config, ids.Data, ids.Swap].sort());
    expect(list(await c.ok<string[]>('queryVirtualVolume', { searchConstraint: [{ key: 'VMW_VmID', value: VM_ID }, { key: 'VMW_VVolType', value: 'Data' }] }))).toEqual([ids.Data]);
    expect(list(await c.ok<string[]>('queryVirtualVolume', { searchConstraint: [{ key: 'VMW_VVolName', value: 'nothing-like-this' }] }))).toEqual([]);
    const info = list(await c.ok<Rec[]>('queryVirtualVolumeInfo', { vvolId: [ids.Data, ids.Config] }));
    expect(info.map((i) => i.vvolId)).toEqual([ids.Data, ids.Config]);
    const md = Object.fromEntries(list(info[0].metadata as Rec[]).map((m) => [m.parameterName, m.parameterValue]));
    expect(md).toEqual(Object.fromEntries(metadata('Data', 'vm-flow.vmdk').map((m) => [m.parameterName, m.parameterValue])));
  });

  test('updateVirtualVolumeMetaData adds a key; the VVol is found by it', async () => {
    const r = await c.call('updateVirtualVolumeMetaData', { vvolId: ids.Data, keyValuePair: [{ parameterName: 'VMW_GosType', parameterValue: 'otherLinux64Guest' }] });
    expect(r.fault).toBeUndefined();
    expect(list(await c.ok<string[]>('queryVirtualVolume', { searchConstraint: [{ key: 'VMW_GosType', value: 'otherLinux64Guest' }] }))).toEqual([ids.Data]);
  });
});

describe('binding', () => {
  test('a batch binds per item: handles for known VVols, a per-item fault (not a SOAP fault) for an unknown one', async () => {
    const unknown = 'naa.65cdb050000000005cdb05310000fff0';
    const r = await c.call('bindVirtualVolume', { vvolId: [ids.Config, ids.Data, unknown], bindContext: 'Normal' });
    expect(r.fault).toBeUndefined();
    const items = list((r.result as { return: Rec[] }).return);
    expect(items).toHaveLength(3);
    for (const [i, id] of [[0, ids.Config], [1, ids.Data]] as const) {
      expect(items[i]).toMatchObject({
        vvolId: id,
        vvolHandle: { uniqueIdentifier: id, peInBandId: { lunId: expect.stringMatching(/^eui\.5cdb05310000040[01]$/), protocolEndpointType: 'SCSI' }, vvolSecondaryId: expect.stringMatching(/^0x[0-9a-f]+$/) },
        vvolInfo: { vvolId: id },
      });
      expect(items[i].fault).toBeUndefined();
    }
    expect(items[1].vvolLogicalSize).toBe('1024');
    expect(items[2]).toEqual({ fault: { attributes: { 'xsi:type': 'fault:NotFound' } }, vvolId: unknown });
    // The wire: the fault object is typed with xsi:type in the vvol result
    expect(r.raw).toContain(`<vvol:fault xsi:type="fault:NotFound"></vvol:fault><vvol:vvolId>${unknown}</vvol:vvolId>`);
    const bound = t.fixture.engine.listBindings('Storage001', HOST_IQN).map((b) => b.vvolId).sort();
    expect(bound).toEqual([ids.Config, ids.Data].sort());
  });
});

describe('setPEContext', () => {
  test('after the host reports the PEs it sees in-band, binds go through those only', async () => {
    const other = new RawSoap(t.url, cert);
    const iqn = 'iqn.1998-01.com.vmware:esx-flow-02';
    await other.call('setContext', `<vasa:usageContext><data:hostGuid>host-guid-flow-02</data:hostGuid><data:hostInitiator><data:uniqueIdentifier>${iqn}</data:uniqueIdentifier><data:iscsiIdentifier>${iqn}</data:iscsiIdentifier></data:hostInitiator></vasa:usageContext>`);
    const pe = await other.call('setPEContext', '<vasa:listOfHostPE><data:uniqueIdentifier>eui.5cdb053100000401</data:uniqueIdentifier><vvol:inBandBindCapability>None</vvol:inBandBindCapability><vvol:inBandId><vvol:lunId>eui.5cdb053100000401</vvol:lunId><vvol:protocolEndpointType>SCSI</vvol:protocolEndpointType></vvol:inBandId></vasa:listOfHostPE>');
    expect(pe.status).toBe(200);
    const b = await other.call('bindVirtualVolume', `<vasa:vvolId>${ids.Swap}</vasa:vvolId><vasa:bindContext>Normal</vasa:bindContext>`);
    expect(b.status).toBe(200);
    expect(bodyChild(b.body)).toContain('<vvol:lunId>eui.5cdb053100000401</vvol:lunId>');
    const u = await other.call('unbindAllVirtualVolumesFromHost');
    expect(u.status).toBe(200);
    expect(t.fixture.engine.listBindings('Storage001', iqn)).toEqual([]);
  });
});

describe('data, snapshots, revert and clones', () => {
  let snap1: string;

  test('guest writes show in allocatedBitmapVirtualVolume (first chunk = most significant bit of the first byte)', async () => {
    t.fixture.engine.write(ld(ids.Data), 0, ['a0', 'a1', 'a2']);
    t.fixture.engine.write(ld(ids.Data), 9, ['a9']);
    const one = await c.ok<Rec>('allocatedBitmapVirtualVolume', { vvolId: ids.Data, segmentStartOffsetBytes: 0, segmentLengthBytes: 16 * MiB, chunkSizeBytes: MiB });
    expect(bits(one.chunkBitmap)).toBe('1110000001000000');
    const four = await c.ok<Rec>('allocatedBitmapVirtualVolume', { vvolId: ids.Data, segmentStartOffsetBytes: 0, segmentLengthBytes: 32 * MiB, chunkSizeBytes: 4 * MiB });
    expect(bits(four.chunkBitmap)).toBe('10100000');
    const offset = await c.ok<Rec>('allocatedBitmapVirtualVolume', { vvolId: ids.Data, segmentStartOffsetBytes: 8 * MiB, segmentLengthBytes: 8 * MiB, chunkSizeBytes: MiB });
    expect(bits(offset.chunkBitmap)).toBe('01000000');
  });

  test('prepareToSnapshotVirtualVolume then snapshotVirtualVolume as a batch', async () => {
    const task = await c.ok<TaskInfo & { result: Rec }>('prepareToSnapshotVirtualVolume', { vvolId: ids.Data });
    expect(task.taskState).toBe('Success');
    expect(task.result.attributes).toEqual({ 'xsi:type': 'vvol:PrepareSnapshotResult' });
    snap1 = String(task.result.snapshotId);
    expect(snap1).toMatch(/^naa\.6[0-9a-f]{31}$/);
    expect(task.result.parentInfo).toMatchObject({ vvolId: ids.Data });
    expect(task.result.parentStats).toMatchObject({ objectId: ids.Data, logical: '1024', committed: '4', unsharedValid: 'true' });
    // the config VVol is snapshotted in the same batch, as vSphere does for a VM
    const cfgTask = await c.ok<TaskInfo & { result: Rec }>('prepareToSnapshotVirtualVolume', { vvolId: ids.Config });
    const cfgSnap = String(cfgTask.result.snapshotId);
    const r = list(await c.ok<Rec[]>('snapshotVirtualVolume', {
      snapshotInfo: [
        { vvolId: snap1, metadata: [{ parameterName: 'VMW_VVolName', parameterValue: 'vm-flow-000001.vmdk' }] },
        { vvolId: cfgSnap, metadata: [{ parameterName: 'VMW_VVolName', parameterValue: 'vm-flow-000001' }] },
      ],
      timeoutMS: 10_000,
    }));
    expect(r).toEqual([{ uniqueId: snap1 }, { uniqueId: cfgSnap }]);
    expect(read(snap1, 0, 3)).toEqual(['a0', 'a1', 'a2']);
    // taking the same snapshot twice fails for that item only
    const again = list(await c.ok<Rec[]>('snapshotVirtualVolume', { snapshotInfo: [{ vvolId: snap1 }], timeoutMS: 10_000 }));
    expect(again).toEqual([{ errorResult: { error: { attributes: { 'xsi:type': 'fault:StorageFault' }, faultMessageId: 'Fault.StorageFault', parameterList: [{ parameterName: 'message', parameterValue: expect.stringContaining('not a prepared snapshot') }] } }, uniqueId: snap1 }]);
  });

  test('writes after the snapshot: unsharedBitmapVirtualVolume and unsharedChunksVirtualVolume against it', async () => {
    t.fixture.engine.write(ld(ids.Data), 1, ['b1']);
    t.fixture.engine.write(ld(ids.Data), 12, ['b12']);
    const u = await c.ok<Rec>('unsharedBitmapVirtualVolume', { vvolId: ids.Data, baseVvolId: snap1, segmentStartOffsetBytes: 0, segmentLengthBytes: 16 * MiB, chunkSizeBytes: MiB });
    expect(bits(u.chunkBitmap)).toBe('0100000000001000');
    const n = await c.ok<Rec>('unsharedChunksVirtualVolume', { vvolId: ids.Data, baseVvolId: snap1, segmentStartOffsetBytes: 0, segmentLengthBytes: 16 * MiB });
    expect(n).toEqual({ chunkSizeBytes: String(MiB), scannedChunks: '16', unsharedChunks: '2' });
    const iv = await c.call('unsharedBitmapVirtualVolume', { vvolId: ids.Data, baseVvolId: ids.Swap, segmentStartOffsetBytes: 0, segmentLengthBytes: MiB, chunkSizeBytes: MiB });
    expect(iv.fault?.name).toBe('IncompatibleVolume');
  });

  test('revertVirtualVolume brings back the snapshot\'s data; read back through the engine', async () => {
    expect(read(ids.Data, 0, 3)).toEqual(['a0', 'b1', 'a2']);
    // vSphere reverts a powered-off VM: unbind the data VVol first
    const unb = list(await c.ok<Rec[]>('unbindVirtualVolume', {
      vvolHandle: [{ uniqueIdentifier: ids.Data, peInBandId: { lunId: peEui(WWN, t.fixture.engine.listBindings('Storage001', HOST_IQN).find((b) => b.vvolId === ids.Data)?.peLdn ?? 0), protocolEndpointType: 'SCSI' }, vvolSecondaryId: '0x0' }],
      unbindContext: 'Normal',
    }));
    expect(unb).toEqual([{ uniqueId: ids.Data }]);
    const task = await c.ok<TaskInfo>('revertVirtualVolume', { vvolId: ids.Data, snapshotVvolId: snap1 });
    expect(task.taskState).toBe('Success');
    expect(read(ids.Data, 0, 13)).toEqual(['a0', 'a1', 'a2', null, null, null, null, null, null, 'a9', null, null, null]);
  });

  test('fastCloneVirtualVolume: a linked clone sharing the data', async () => {
    const task = await c.ok<TaskInfo>('fastCloneVirtualVolume', { vvolId: ids.Data, metadata: metadata('Data', 'linked-clone.vmdk').map((m) => (m.parameterName === 'VMW_VmID' ? { ...m, parameterValue: '502e0676-0000-0000-0000-00000000c10e' } : m)) });
    expect(task.taskState).toBe('Success');
    ids.Fast = val(task.result);
    expect(ids.Fast).toMatch(/^naa\.6[0-9a-f]{31}$/);
    expect(ld(ids.Fast).clone).toBe('FCV');
    expect(read(ids.Fast, 0, 3)).toEqual(['a0', 'a1', 'a2']);
    const u = await c.ok<Rec>('unsharedChunksVirtualVolume', { vvolId: ids.Fast, baseVvolId: ids.Data, segmentStartOffsetBytes: 0, segmentLengthBytes: 16 * MiB });
    expect(u.unsharedChunks).toBe('0');
  });

  test('cloneVirtualVolume: a full clone as a task, polled with getTaskUpdate while time passes', async () => {
    const task = await c.ok<TaskInfo>('cloneVirtualVolume', { vvolId: ids.Data, newContainerId: CTR1, metadata: metadata('Data', 'full-clone.vmdk') });
    expect(['Queued', 'Running']).toContain(task.taskState);
    expect(task.result).toBeUndefined();
    expect(task.name).toBe('cloneVirtualVolume');
    const current = list(await c.ok<TaskInfo[]>('getCurrentTask', { arrayId: ARRAY_ID }));
    expect(current.map((x) => x.taskId)).toContain(task.taskId);
    let info: TaskInfo = task;
    const progress: number[] = [];
    for (let i = 0; i < 100 && info.taskState !== 'Success' && info.taskState !== 'Error'; i++) {
      t.fixture.clock.advance(1000);
      t.fixture.engine.tick();
      info = await c.ok<TaskInfo>('getTaskUpdate', { taskId: task.taskId });
      progress.push(Number(info.progress));
    }
    expect(info.taskState).toBe('Success');
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    ids.Full = val(info.result);
    expect(ids.Full).toMatch(/^naa\.6[0-9a-f]{31}$/);
    expect(ld(ids.Full).poolId).not.toBe(ld(ids.Data).poolId);
    expect(read(ids.Full, 0, 10)).toEqual(['a0', 'a1', 'a2', null, null, null, null, null, null, 'a9']);
    expect((await c.call('getTaskUpdate', { taskId: 'no-such-task' })).fault?.name).toBe('NotFound');
  });
});

describe('space, events, alarms', () => {
  test('spaceStatsForStorageContainer and spaceStatsForVirtualVolume (MB)', async () => {
    const [s] = list(await c.ok<Rec[]>('spaceStatsForStorageContainer', { containerId: CTR0 }));
    expect(s).toMatchObject({ objectId: CTR0, physicalTotal: String(64 * 1024) });
    for (const k of ['logicalFree', 'logicalLimit', 'logicalUsed', 'physicalFree', 'physicalTotal', 'physicalUsed']) expect(String(s[k])).toMatch(/^\d+$/);
    expect(Number(s.logicalUsed)).toBeGreaterThanOrEqual(4096 + 1024 + 1024);
    expect(Number(s.physicalFree) + Number(s.physicalUsed)).toBe(Number(s.physicalTotal));
    const v = list(await c.ok<Rec[]>('spaceStatsForVirtualVolume', { vvolId: [ids.Data, ids.Swap] }));
    expect(v).toEqual([
      { committed: expect.any(String), logical: '1024', objectId: ids.Data, unshared: expect.any(String), unsharedValid: 'true' },
      { committed: '0', logical: '1024', objectId: ids.Swap, unshared: '0', unsharedValid: 'true' },
    ]);
  });

  test('getEvents since -1, then since an id; getAlarms', async () => {
    const all = list(await c.ok<Rec[]>('getEvents', { lastEventId: -1 }));
    expect(all.length).toBeGreaterThan(3);
    const eventIds = all.map((e) => Number(e.eventId));
    expect(eventIds).toEqual([...eventIds].sort((a, b) => a - b));
    for (const e of all) expect(e).toMatchObject({ arrayId: ARRAY_ID, eventType: expect.stringMatching(/^(System|Config|Policy|ConfigProtocolEndpoint|Rebind)$/), messageId: expect.any(String) });
    const mid = eventIds[1];
    const after = list(await c.ok<Rec[]>('getEvents', { lastEventId: mid }));
    expect(after.map((e) => Number(e.eventId))).toEqual(eventIds.filter((id) => id > mid));
    const last = eventIds.at(-1) as number;
    expect(list(await c.ok<Rec[]>('getEvents', { lastEventId: last }))).toEqual([]);
    // a new event appears after the last id
    t.fixture.engine.raiseAlarm('Storage001', { type: 'SpaceCapacity', status: 'Yellow', objectType: 'StorageContainer', objectId: CTR0, containerId: CTR0, messageId: 'nec.pool.threshold', message: 'Pool0000 passed its threshold.' });
    const alarms = list(await c.ok<Rec[]>('getAlarms', { lastAlarmId: -1 }));
    expect(alarms.at(-1)).toMatchObject({ alarmType: 'SpaceCapacity', status: 'Yellow', objectId: CTR0, containerId: CTR0, messageId: 'nec.pool.threshold', objectType: 'StorageContainer' });
    const lastAlarm = Number(alarms.at(-1)?.alarmId);
    expect(list(await c.ok<Rec[]>('getAlarms', { lastAlarmId: lastAlarm }))).toEqual([]);
  });
});

describe('unbind and delete', () => {
  test('unbindVirtualVolume: per-item results, an unbound VVol reported in its own item', async () => {
    const binding = t.fixture.engine.listBindings('Storage001', HOST_IQN).find((b) => b.vvolId === ids.Config);
    expect(binding).toBeDefined();
    const r = list(await c.ok<Rec[]>('unbindVirtualVolume', {
      vvolHandle: [
        { uniqueIdentifier: ids.Config, peInBandId: { lunId: peEui(WWN, binding?.peLdn ?? 0), protocolEndpointType: 'SCSI' }, vvolSecondaryId: '0x1' },
        { uniqueIdentifier: ids.Swap, peInBandId: { lunId: 'eui.5cdb053100000400', protocolEndpointType: 'SCSI' }, vvolSecondaryId: '0x9' },
      ],
      unbindContext: 'Normal',
    }));
    expect(r[0]).toEqual({ uniqueId: ids.Config });
    expect(r[1]).toMatchObject({ uniqueId: ids.Swap, errorResult: { error: { attributes: { 'xsi:type': expect.stringMatching(/^fault:/) } } } });
    expect(t.fixture.engine.listBindings('Storage001', HOST_IQN)).toEqual([]);
  });

  test('deleteVirtualVolume answers an empty body; the VVol is gone (NotFound with the manual\'s text)', async () => {
    const del = await raw.call('deleteVirtualVolume', `<vasa:vvolId>${ids.Swap}</vasa:vvolId>`);
    expect(del.status).toBe(200);
    expect(bodyChild(del.body)).toBe('');
    // queryVirtualVolumeInfo may not raise NotFound (its WSDL fault list): a StorageFault naming the cause
    const r = await c.call('queryVirtualVolumeInfo', { vvolId: [ids.Swap] });
    expect(r.fault).toMatchObject({ name: 'StorageFault', message: `The specified ${ids.Swap} does not exist.` });
    expect(r.raw).toContain('<fault:faultMessageId>Fault.StorageFault.NOT_FOUND</fault:faultMessageId>');
    const again = await c.call('deleteVirtualVolume', { vvolId: ids.Swap });
    expect(again.fault).toMatchObject({ name: 'NotFound', message: `The specified ${ids.Swap} does not exist.` });
  });

  test('a bound VVol cannot be deleted (ResourceInUse); after unbindAllVirtualVolumesFromHost it can', async () => {
    const b = list(await c.ok<Rec[]>('bindVirtualVolume', { vvolId: [ids.Full], bindContext: 'Normal' }));
    expect(b[0].vvolHandle).toBeDefined();
    const r = await c.call('deleteVirtualVolume', { vvolId: ids.Full });
    expect(r.fault?.name).toBe('ResourceInUse');
    expect((await c.call('unbindAllVirtualVolumesFromHost', {})).fault).toBeUndefined();
    expect((await c.call('deleteVirtualVolume', { vvolId: ids.Full })).fault).toBeUndefined();
  });
});
