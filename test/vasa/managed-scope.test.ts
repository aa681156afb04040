/**
 * Issue 9, the managed scope inside the engine: a disk array that the provider settings
 * do not name (their disk array list is not empty) does not exist for vCenter, through
 * any VASA operation: topology, VVol queries, binds, snapshots, space, events and
 * alarms. Adding it to the settings (what `settings -a` and the watcher do) makes it
 * visible at once, without a restart.
 */
import { SettingsHolder } from '../../src/app/settings-holder';
import { bootstrapArray } from '../../src/array/bootstrap';
import { containerUuid } from '../../src/array/ids';
import { DEFAULT_SETTINGS } from '../../src/config/settings-schema';
import { isManagedArray } from '../../src/config/settings-summary';
import { demoSpec, GB } from '../helpers/fixture';
import { ClientCert, esc, makeClientCert, PASSWORD, RawSoap, startTestServer, TestServer, textOf, textsOf, USER } from '../helpers/vasa-server';

const B_WWN = '00255CDB05318888';
const B = demoSpec({ name: 'Storage002', serial: '0000000991008888', wwn: B_WWN, ip: '192.0.2.20' });
const settings = new SettingsHolder({ ...DEFAULT_SETTINGS, diskArrays: ['192.0.2.10'] });
let t: TestServer;
let cert: ClientCert;
let host: RawSoap;
let vvolB: string;
let vvolA: string;
const CTR_B = containerUuid(B_WWN, 0);
const faultOf = (body: string) => /<vasa:([A-Za-z]+)><vasa:\1 xsi:type="fault:\1"/.exec(body)?.[1];

beforeAll(async () => {
  t = await startTestServer({ faceEngine: (f) => f.engine.scoped((a) => isManagedArray(settings.get(), a.ip)) });
  const e = t.fixture.engine;
  bootstrapArray(e, B);
  vvolB = e.createVvol(B.name, { pool: 0, type: 'data', sizeBytes: GB, metadata: { VMW_VmID: 'vm-b' } }).ld.vvolId as string;
  vvolA = e.createVvol(t.fixture.array, { pool: 0, type: 'data', sizeBytes: GB, metadata: { VMW_VmID: 'vm-a' } }).ld.vvolId as string;
  e.raiseAlarm(B.name, { type: 'SpaceCapacity', status: 'Yellow', objectType: 'StorageArray', messageId: 'test.b', message: 'an alarm on the unmanaged array' });
  cert = makeClientCert('esx.scope.test');
  host = new RawSoap(t.url, cert);
  expect((await host.call('registerVASACertificate', `<vasa:userName>${USER}</vasa:userName><vasa:password>${esc(PASSWORD)}</vasa:password><vasa:newCertificate>${esc(cert.cert)}</vasa:newCertificate>`)).status).toBe(200);
  expect((await host.call('setContext', '<vasa:usageContext><data:hostGuid>host-scope</data:hostGuid><data:hostInitiator><data:uniqueIdentifier>esxi01</data:uniqueIdentifier><data:iscsiIdentifier>esxi01</data:iscsiIdentifier></data:hostInitiator></vasa:usageContext>')).status).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

/** Every way vCenter could learn of array B; each returns the answer's body. */
async function probes(): Promise<Record<string, string>> {
  const call = async (op: string, inner = '') => (await host.call(op, inner)).body;
  return {
    queryArrays: await call('queryArrays'),
    queryStorageContainer: await call('queryStorageContainer'),
    queryStorageContainerForArray: await call('queryStorageContainerForArray', `<vasa:arrayId>StorageArray:${B.serial}</vasa:arrayId>`),
    queryProtocolEndpointForArray: await call('queryProtocolEndpointForArray', `<vasa:arrayId>StorageArray:${B.serial}</vasa:arrayId>`),
    queryProtocolEndpoint: await call('queryProtocolEndpoint'),
    getNumberOfEntities: await call('getNumberOfEntities', '<vasa:entityType>StorageArray</vasa:entityType>'),
    queryVirtualVolume: await call('queryVirtualVolume'),
    queryVirtualVolumeInfo: await call('queryVirtualVolumeInfo', `<vasa:vvolId>${vvolB}</vasa:vvolId>`),
    bindVirtualVolume: await call('bindVirtualVolume', `<vasa:vvolId>${vvolB}</vasa:vvolId><vasa:bindContext>Normal</vasa:bindContext>`),
    prepareToSnapshotVirtualVolume: await call('prepareToSnapshotVirtualVolume', `<vasa:vvolId>${vvolB}</vasa:vvolId>`),
    spaceStatsForStorageContainer: await call('spaceStatsForStorageContainer', `<vasa:containerId>${CTR_B}</vasa:containerId>`),
    spaceStatsForVirtualVolume: await call('spaceStatsForVirtualVolume', `<vasa:vvolId>${vvolB}</vasa:vvolId>`),
    createVirtualVolume: await call('createVirtualVolume', `<vasa:containerId>${CTR_B}</vasa:containerId><vasa:vvolType>Data</vasa:vvolType><vasa:sizeInMB>1024</vasa:sizeInMB>`),
    getEvents: await call('getEvents', '<vasa:lastEventId>0</vasa:lastEventId>'),
    getAlarms: await call('getAlarms', '<vasa:lastAlarmId>0</vasa:lastAlarmId>'),
  };
}

test('an array outside the managed scope is invisible through every VASA operation', async () => {
  const p = await probes();
  for (const [op, answer] of Object.entries(p)) {
    // A NotFound's text may repeat the id that was asked for; nothing else may name B.
    const body = answer.replace(/<faultstring>[^<]*<\/faultstring>/, '').replace(/<data:parameterValue>The specified [^<]* does not exist\.<\/data:parameterValue>/g, '')
      .replace(/<vvol:fault xsi:type="fault:NotFound"><\/vvol:fault><vvol:vvolId>[^<]*<\/vvol:vvolId>/g, '');
    expect({ op, leaks: body.includes(B.serial) || body.includes(vvolB) || body.includes(CTR_B) || body.includes(B_WWN) || body.includes(B.name) }).toEqual({ op, leaks: false });
  }
  expect(p.queryArrays).toContain(`StorageArray:0000000991007777`);
  // Not found, as the operation's fault list allows it to say so (StorageFault with NOT_FOUND here).
  expect(p.queryVirtualVolumeInfo).toMatch(/NotFound|NOT_FOUND/);
  expect(p.spaceStatsForStorageContainer).toMatch(/NotFound|NOT_FOUND/);
  expect(p.createVirtualVolume).toMatch(/NotFound|NOT_FOUND|InvalidArgument/);
  expect(p.bindVirtualVolume).toMatch(/NotFound/);
  expect(textsOf(p.getNumberOfEntities, 'return')).toEqual(['1']);
  expect(p.queryVirtualVolume).toContain(vvolA);
  // The unmanaged array's alarm and events are not in the feed; the managed one's are.
  expect(p.getAlarms).not.toContain('an alarm on the unmanaged array');
  expect(textOf(p.getEvents, 'arrayId') ?? `StorageArray:${t.fixture.engine.listArrays()[0].serial}`).toBe('StorageArray:0000000991007777');
});

test('adding the array to the settings makes it visible at once, without a restart', async () => {
  settings.set({ ...settings.get(), diskArrays: ['192.0.2.10', '192.0.2.20'] });
  const p = await probes();
  expect(p.queryArrays).toContain(`StorageArray:${B.serial}`);
  expect(textsOf(p.getNumberOfEntities, 'return')).toEqual(['2']);
  expect(p.queryVirtualVolumeInfo).toContain(vvolB);
  expect(p.queryVirtualVolume).toContain(vvolB);
  expect(p.getAlarms).toContain('an alarm on the unmanaged array');
  expect(p.spaceStatsForStorageContainer).not.toMatch(/Fault/);
});
