/**
 * Responses captured on the wire validate against our own XSDs (xmllint): the SOAP
 * Body's first child of each kind of answer, and the content of fault details. This
 * is what an Axis2/ADB or JAX-WS client generated from the WSDL will insist on:
 * element order, namespaces, xsi:type in anyType and base-typed slots, required fields.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { containerUuid } from '../../src/array/ids';
import {
  bodyChild, ClientCert, esc, makeClientCert, PASSWORD, RawResponse, RawSoap, startTestServer, TestServer, textOf, textsOf, USER,
} from '../helpers/vasa-server';
import { tempDir } from '../helpers/fixture';

import { invalidAnswers, schemaWrapper, SCHEMAS, WSDL_DIR, XMLLINT } from '../helpers/schemas';
const CTR0 = containerUuid('00255CDB05310000', 0);
const CTR1 = containerUuid('00255CDB05310000', 1);
const HOST = 'iqn.1998-01.com.vmware:esx-schema';
const MISSING = 'naa.65cdb050000000005cdb05310000abcd';

let t: TestServer;
let cert: ClientCert;
let raw: RawSoap;
let dir: string;
/** name -> captured XML (one element, namespaces declared on it). */
const captured = new Map<string, string>();

/** The element inside <detail> / <soapenv:Detail>, with the envelope's namespace declarations. */
function detailChild(envelope: string): string {
  const decls = [...(/<soapenv:Envelope([^>]*)>/.exec(envelope)?.[1] ?? '').matchAll(/xmlns(:[A-Za-z0-9_]+)?="[^"]*"/g)].map((m) => m[0]).join(' ');
  const inner = /<(?:soapenv:Detail|detail)>([\s\S]*)<\/(?:soapenv:Detail|detail)>/.exec(envelope)?.[1] ?? '';
  return inner.replace(/^<([A-Za-z0-9_:.-]+)/, `<$1 ${decls}`);
}

function keep(name: string, r: RawResponse, kind: 'body' | 'fault' = 'body'): RawResponse {
  expect({ name, status: r.status }).toEqual({ name, status: kind === 'body' ? 200 : 500 });
  const xml = kind === 'body' ? bodyChild(r.body) : detailChild(r.body);
  expect(xml.length).toBeGreaterThan(0);
  captured.set(name, xml);
  return r;
}

const vvolMeta = (type: string) => `<data:parameterName>VMW_VVolType</data:parameterName><data:parameterValue>${type}</data:parameterValue></vasa:metadata><vasa:metadata><data:parameterName>VMW_VmID</data:parameterName><data:parameterValue>502e0676-e510-ccdd-394c-667f6867aaaa</data:parameterValue>`;

beforeAll(async () => {
  const r = spawnSync(XMLLINT, ['--version'], { encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint is required (apt-get install libxml2-utils): ${r.error.message}`);
  dir = tempDir('vasa-wire-');
  t = await startTestServer();
  cert = makeClientCert('esx-schema');
  raw = new RawSoap(t.url, cert);
});
afterAll(async () => {
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('capture the answers of a whole flow', async () => {
  keep('InvalidSession', await raw.call('queryArrays'), 'fault');
  keep('InvalidLogin', await raw.call('registerVASACertificate', `<vasa:userName>${USER}</vasa:userName><vasa:password>nope</vasa:password><vasa:newCertificate>${esc(cert.cert)}</vasa:newCertificate>`), 'fault');
  keep('registerVASACertificateResponse', await raw.call('registerVASACertificate', `<vasa:userName>${USER}</vasa:userName><vasa:password>${PASSWORD}</vasa:password><vasa:newCertificate>${esc(cert.cert)}</vasa:newCertificate>`));
  keep('setContextResponse', await raw.call('setContext', `<vasa:usageContext><data:hostGuid>host-schema</data:hostGuid><data:hostInitiator><data:uniqueIdentifier>${HOST}</data:uniqueIdentifier><data:iscsiIdentifier>${HOST}</data:iscsiIdentifier></data:hostInitiator><data:subscribeEvent>Config</data:subscribeEvent><data:subscribeEvent>System</data:subscribeEvent><data:subscribeEvent>ConfigProtocolEndpoint</data:subscribeEvent></vasa:usageContext>`));
  keep('queryArraysResponse', await raw.call('queryArrays'));
  keep('queryStorageContainerResponse', await raw.call('queryStorageContainer'));
  keep('queryStorageContainerForArrayResponse', await raw.call('queryStorageContainerForArray', '<vasa:arrayId>StorageArray:0000000991007777</vasa:arrayId>'));
  keep('queryProtocolEndpointResponse', await raw.call('queryProtocolEndpoint'));
  keep('queryProtocolEndpointForArrayResponse', await raw.call('queryProtocolEndpointForArray', '<vasa:arrayId>StorageArray:0000000991007777</vasa:arrayId>'));
  keep('queryCatalogResponse', await raw.call('queryCatalog'));
  keep('getNumberOfEntitiesResponse', await raw.call('getNumberOfEntities', '<vasa:entityType>StorageContainer</vasa:entityType>'));
  keep('queryUniqueIdentifiersForEntityResponse', await raw.call('queryUniqueIdentifiersForEntity', '<vasa:entityType>ProtocolEndpoint</vasa:entityType>'));
  keep('NotFound', await raw.call('queryStorageContainerForArray', '<vasa:arrayId>StorageArray:404</vasa:arrayId>'), 'fault');

  const create = keep('createVirtualVolumeResponse', await raw.call('createVirtualVolume', `<vasa:containerId>${CTR0}</vasa:containerId><vasa:vvolType>Data</vasa:vvolType><vasa:sizeInMB>1024</vasa:sizeInMB><vasa:metadata>${vvolMeta('Data')}</vasa:metadata>`));
  const data = textOf(bodyChild(create.body), 'result') as string;
  const cfg = textOf(bodyChild(await raw.call('createVirtualVolume', `<vasa:containerId>${CTR0}</vasa:containerId><vasa:vvolType>Config</vasa:vvolType><vasa:sizeInMB>4096</vasa:sizeInMB><vasa:metadata>${vvolMeta('Config')}</vasa:metadata>`).then((r) => r.body)), 'result') as string;
  keep('queryVirtualVolumeResponse', await raw.call('queryVirtualVolume', '<vasa:searchConstraint><vvol:key>VMW_VVolType</vvol:key><vvol:value>Data</vvol:value></vasa:searchConstraint>'));
  keep('queryVirtualVolumeInfoResponse', await raw.call('queryVirtualVolumeInfo', `<vasa:vvolId>${data}</vasa:vvolId><vasa:vvolId>${cfg}</vasa:vvolId>`));
  keep('StorageFault', await raw.call('queryVirtualVolumeInfo', `<vasa:vvolId>${MISSING}</vasa:vvolId>`), 'fault');
  keep('bindVirtualVolumeResponse', await raw.call('bindVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId><vasa:vvolId>${cfg}</vasa:vvolId><vasa:vvolId>${MISSING}</vasa:vvolId><vasa:bindContext>Normal</vasa:bindContext>`));
  keep('TooMany', await raw.call('bindVirtualVolume', `${`<vasa:vvolId>${MISSING}</vasa:vvolId>`.repeat(65)}<vasa:bindContext>Normal</vasa:bindContext>`), 'fault');
  t.fixture.engine.write(t.fixture.engine.getVvol(data), 0, ['x0', 'x1', 'x2', 'x3']);

  const prep = keep('prepareToSnapshotVirtualVolumeResponse', await raw.call('prepareToSnapshotVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId>`));
  const snap = textOf(bodyChild(prep.body), 'snapshotId') as string;
  keep('snapshotVirtualVolumeResponse', await raw.call('snapshotVirtualVolume', `<vasa:snapshotInfo><vvol:metadata><data:parameterName>VMW_VVolName</data:parameterName><data:parameterValue>s1</data:parameterValue></vvol:metadata><vvol:vvolId>${snap}</vvol:vvolId></vasa:snapshotInfo><vasa:snapshotInfo><vvol:vvolId>${MISSING}</vvol:vvolId></vasa:snapshotInfo><vasa:timeoutMS>5000</vasa:timeoutMS>`));
  t.fixture.engine.write(t.fixture.engine.getVvol(data), 2, ['y2']);
  keep('allocatedBitmapVirtualVolumeResponse', await raw.call('allocatedBitmapVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId><vasa:segmentStartOffsetBytes>0</vasa:segmentStartOffsetBytes><vasa:segmentLengthBytes>16777216</vasa:segmentLengthBytes><vasa:chunkSizeBytes>1048576</vasa:chunkSizeBytes>`));
  keep('unsharedBitmapVirtualVolumeResponse', await raw.call('unsharedBitmapVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId><vasa:baseVvolId>${snap}</vasa:baseVvolId><vasa:segmentStartOffsetBytes>0</vasa:segmentStartOffsetBytes><vasa:segmentLengthBytes>16777216</vasa:segmentLengthBytes><vasa:chunkSizeBytes>1048576</vasa:chunkSizeBytes>`));
  keep('unsharedChunksVirtualVolumeResponse', await raw.call('unsharedChunksVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId><vasa:baseVvolId>${snap}</vasa:baseVvolId><vasa:segmentStartOffsetBytes>0</vasa:segmentStartOffsetBytes><vasa:segmentLengthBytes>16777216</vasa:segmentLengthBytes>`));
  keep('IncompatibleVolume', await raw.call('unsharedBitmapVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId><vasa:baseVvolId>${cfg}</vasa:baseVvolId><vasa:segmentStartOffsetBytes>0</vasa:segmentStartOffsetBytes><vasa:segmentLengthBytes>1048576</vasa:segmentLengthBytes><vasa:chunkSizeBytes>1048576</vasa:chunkSizeBytes>`), 'fault');
  keep('spaceStatsForVirtualVolumeResponse', await raw.call('spaceStatsForVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId>`));
  keep('spaceStatsForStorageContainerResponse', await raw.call('spaceStatsForStorageContainer', `<vasa:containerId>${CTR0}</vasa:containerId>`));
  keep('fastCloneVirtualVolumeResponse', await raw.call('fastCloneVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId><vasa:metadata>${vvolMeta('Data')}</vasa:metadata>`));

  const clone = keep('cloneVirtualVolumeResponse', await raw.call('cloneVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId><vasa:newContainerId>${CTR1}</vasa:newContainerId><vasa:metadata>${vvolMeta('Data')}</vasa:metadata>`));
  const taskId = textOf(bodyChild(clone.body), 'taskId') as string;
  keep('getCurrentTaskResponse', await raw.call('getCurrentTask', '<vasa:arrayId>StorageArray:0000000991007777</vasa:arrayId>'));
  t.fixture.clock.advance(500);
  t.fixture.engine.tick();
  keep('getTaskUpdateResponse.running', await raw.call('getTaskUpdate', `<vasa:taskId>${taskId}</vasa:taskId>`));
  t.fixture.clock.advance(60_000);
  t.fixture.engine.tick();
  const done = keep('getTaskUpdateResponse.success', await raw.call('getTaskUpdate', `<vasa:taskId>${taskId}</vasa:taskId>`));
  expect(textOf(done.body, 'taskState')).toBe('Success');
  keep('NotCancellable', await raw.call('cancelTask', `<vasa:taskId>${taskId}</vasa:taskId>`), 'fault');

  keep('revertVirtualVolumeResponse', await raw.call('revertVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId><vasa:snapshotVvolId>${snap}</vasa:snapshotVvolId>`).then(async (r) => {
    if (r.status === 200) return r;
    // the data VVol is bound: unbind it first (a powered-off VM), then revert
    await raw.call('unbindAllVirtualVolumesFromHost');
    return raw.call('revertVirtualVolume', `<vasa:vvolId>${data}</vasa:vvolId><vasa:snapshotVvolId>${snap}</vasa:snapshotVvolId>`);
  }));
  const b = await raw.call('bindVirtualVolume', `<vasa:vvolId>${cfg}</vasa:vvolId><vasa:bindContext>Normal</vasa:bindContext>`);
  const lun = textOf(bodyChild(b.body), 'lunId') as string;
  const sec = textOf(bodyChild(b.body), 'vvolSecondaryId') as string;
  keep('unbindVirtualVolumeResponse', await raw.call('unbindVirtualVolume', `<vasa:vvolHandle><data:uniqueIdentifier>${cfg}</data:uniqueIdentifier><vvol:peInBandId><vvol:lunId>${lun}</vvol:lunId><vvol:protocolEndpointType>SCSI</vvol:protocolEndpointType></vvol:peInBandId><vvol:vvolSecondaryId>${sec}</vvol:vvolSecondaryId></vasa:vvolHandle><vasa:vvolHandle><data:uniqueIdentifier>${data}</data:uniqueIdentifier><vvol:peInBandId><vvol:lunId>${lun}</vvol:lunId><vvol:protocolEndpointType>SCSI</vvol:protocolEndpointType></vvol:peInBandId><vvol:vvolSecondaryId>0x99</vvol:vvolSecondaryId></vasa:vvolHandle><vasa:unbindContext>Normal</vasa:unbindContext>`));
  keep('unbindVirtualVolumeFromAllHostResponse', await raw.call('unbindVirtualVolumeFromAllHost', `<vasa:vvolId>${data}</vasa:vvolId>`));

  t.fixture.engine.raiseAlarm('Storage001', { type: 'SpaceCapacity', status: 'Red', objectType: 'StorageContainer', objectId: CTR0, containerId: CTR0, messageId: 'nec.pool.full', message: 'full', params: { pool: '0000' } });
  const ev = keep('getEventsResponse', await raw.call('getEvents', '<vasa:lastEventId>-1</vasa:lastEventId>'));
  expect(textsOf(bodyChild(ev.body), 'eventId').length).toBeGreaterThan(0);
  keep('getAlarmsResponse', await raw.call('getAlarms', '<vasa:lastAlarmId>-1</vasa:lastAlarmId>'));
  keep('InvalidArgument', await raw.call('getEvents', '<vasa:lastEventId>99999999</vasa:lastEventId>'), 'fault');
  keep('NotImplemented', await raw.call('queryStorageLuns'), 'fault');
  keep('resizeVirtualVolumeResponse', await raw.call('resizeVirtualVolume', `<vasa:vvolId>${cfg}</vasa:vvolId><vasa:sizeInMB>5120</vasa:sizeInMB>`));
  keep('activateProviderExResponse', await raw.call('activateProviderEx', '<vasa:activationSpec><data:entityId>x</data:entityId></vasa:activationSpec>'));
  keep('queryCACertificatesResponse', await raw.call('queryCACertificates'));
  // Trust operations need vCenter's session (same certificate, a vcGuid context).
  const vc = new RawSoap(t.url, cert);
  expect((await vc.call('setContext', '<vasa:usageContext><data:vcGuid>vc-schema</data:vcGuid></vasa:usageContext>')).status).toBe(200);
  keep('PermissionDenied', await raw.call('requestCSR'), 'fault');
  keep('requestCSRResponse', await vc.call('requestCSR'));
});

test('every captured answer validates against our XSDs (xmllint)', () => {
  expect(captured.size).toBeGreaterThan(40);
  const wrapper = schemaWrapper(dir);
  // A negative control: the same answer with two elements swapped must fail, or the check checks nothing.
  const broken = (captured.get('queryArraysResponse') as string).replace(/(<data:arrayName>[^<]*<\/data:arrayName>)(<data:firmware>[^<]*<\/data:firmware>)/, '$2$1');
  expect(broken).not.toBe(captured.get('queryArraysResponse'));
  const control = path.join(dir, 'control.xml');
  fs.writeFileSync(control, broken);
  const c = spawnSync(XMLLINT, ['--noout', '--nonet', '--schema', wrapper, control], { encoding: 'utf8' });
  expect(`${c.stdout}${c.stderr}`).toContain(`${control} fails to validate`);

  const failures = invalidAnswers(dir, captured, wrapper).map((f) => ({ ...f, xml: (captured.get(f.file.replace(/\.xml$/, '')) ?? '').slice(0, 3000) }));
  expect(failures).toEqual([]);
});
