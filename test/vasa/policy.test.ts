/**
 * B11 over VASA (SOAP on loopback HTTPS): the capability schema with the manual's
 * display names, containers' capability and default profiles, spaceStatsForStorageContainer
 * narrowed by profile, createVirtualVolume refused with InvalidProfile and the manual's
 * mismatch text, compliance and its alarm after the pool changes. Every answer
 * validates against our XSDs (xmllint).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { containerUuid } from '../../src/array/ids';
import { bodyChild, ClientCert, esc, makeClientCert, PASSWORD, RawResponse, RawSoap, startTestServer, TestServer, textOf, textsOf, USER } from '../helpers/vasa-server';
import { tempDir } from '../helpers/fixture';
import { invalidAnswers, schemaWrapper, SCHEMAS, WSDL_DIR, XMLLINT } from '../helpers/schemas';

const CTR0 = containerUuid('00255CDB05310000', 0); // NLSAS, RAID6
const CTR1 = containerUuid('00255CDB05310000', 1); // SSD, RAID1/10
const NEC = 'com.nec.jp.ism.vasaprovider';

let t: TestServer;
let raw: RawSoap;
let dir: string;
const captured = new Map<string, string>();

function keep(name: string, r: RawResponse): RawResponse {
  expect({ name, status: r.status }).toEqual({ name, status: 200 });
  captured.set(name, bodyChild(r.body));
  return r;
}

const prop = (cap: string, id: string, type: string, value: string) =>
  `<prof:capability><cap:capabilityId><cap:id>${cap}</cap:id><cap:namespace>${NEC}</cap:namespace></cap:capabilityId><cap:constraint><cap:propertyInstance><cap:id>${id}</cap:id><cap:value xsi:type="xsd:${type}">${value}</cap:value></cap:propertyInstance></cap:constraint></prof:capability>`;
const GOLD = `<prof:constraints><prof:subProfiles>${prop('PhysicalDiskType', 'PhysicalDiskType', 'string', 'SSD')}${prop('RAID', 'RAID', 'string', 'RAID1/10')}<prof:name>Rule-Set 1</prof:name></prof:subProfiles></prof:constraints><prof:createdBy>admin</prof:createdBy><prof:creationTime>2026-01-01T00:00:00Z</prof:creationTime><prof:generationId>2</prof:generationId><prof:name>Gold</prof:name><prof:profileId>gold-profile</prof:profileId>`;
const create = (ctr: string, profile: string) => `<vasa:containerId>${ctr}</vasa:containerId><vasa:vvolType>Data</vasa:vvolType><vasa:storageProfile xmlns:prof="http://profile.policy.data.vasa.vim.vmware.com/xsd" xmlns:cap="http://capability.policy.data.vasa.vim.vmware.com/xsd" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${profile}</vasa:storageProfile><vasa:sizeInMB>1024</vasa:sizeInMB><vasa:metadata><data:parameterName>VMW_VVolType</data:parameterName><data:parameterValue>Data</data:parameterValue></vasa:metadata>`;

beforeAll(async () => {
  dir = tempDir('vasa-policy-');
  t = await startTestServer();
  const cert: ClientCert = makeClientCert('esx-policy');
  raw = new RawSoap(t.url, cert);
  expect((await raw.call('registerVASACertificate', `<vasa:userName>${USER}</vasa:userName><vasa:password>${PASSWORD}</vasa:password><vasa:newCertificate>${esc(cert.cert)}</vasa:newCertificate>`)).status).toBe(200);
  expect((await raw.call('setContext', '<vasa:usageContext><data:vcGuid>vc-policy</data:vcGuid></vasa:usageContext>')).status).toBe(200);
});
afterAll(async () => {
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('B11: the capability schema publishes the manual\'s categories and rule names under com.nec.jp.ism.vasaprovider', async () => {
  const r = keep('queryCapabilityMetadataResponse', await raw.call('queryCapabilityMetadata'));
  const body = bodyChild(r.body);
  expect(textOf(body, 'schemaId')).toBe(NEC);
  expect(textsOf(body, 'category')).toEqual(['Performance', 'RAID', 'Security', 'Backup', 'I/O Control']);
  for (const label of ['Physical Disk Type', 'RAID', 'Encrypt PD', 'Enable Backup', 'Backup Volume Automatic Deleted', 'The Number of Backup Generations',
    'Enable I/O Upper Control', 'Enable I/O Lower Control', 'I/O Upper Control Limit (IOPS)', 'I/O Lower Control Limit (IOPS)']) {
    expect(textsOf(body, 'label')).toContain(label);
  }
  expect(body).toContain('<cap:allowedValue xsi:type="capt:Range"><capt:max xsi:type="xsd:int">1000000</capt:max><capt:min xsi:type="xsd:int">10</capt:min></cap:allowedValue>');
  expect((await raw.call('queryCapabilityMetadata', '<vasa:schemaId>other</vasa:schemaId>')).status).toBe(500);
});

test('containers\' capability and default profiles', async () => {
  keep('queryCapabilityProfileForResourceResponse', await raw.call('queryCapabilityProfileForResource', `<vasa:resourceId>${CTR1}</vasa:resourceId>`));
  const cp = keep('queryCapabilityProfileResponse', await raw.call('queryCapabilityProfile', `<vasa:profileId>nec-capability-profile:${CTR1}</vasa:profileId>`));
  expect(bodyChild(cp.body)).toContain('<cap:id>PhysicalDiskType</cap:id><cap:value xsi:type="xsd:string">SSD</cap:value>');
  const d = keep('queryDefaultProfileForStorageContainerResponse', await raw.call('queryDefaultProfileForStorageContainer', `<vasa:containerId>${CTR0}</vasa:containerId><vasa:entityType>Config</vasa:entityType><vasa:entityType>Data</vasa:entityType>`));
  expect(textsOf(bodyChild(d.body), 'entityType')).toEqual(['Config', 'Data']);
});

test('B11: placement narrows to the container that satisfies the profile; the other answers InvalidProfile with B.1\'s text', async () => {
  const vvol = textOf(bodyChild((await raw.call('createVirtualVolume', create(CTR1, GOLD))).body), 'result') as string;
  expect(vvol).toMatch(/^naa\.6/);
  // the profile is now held: spaceStats with it answers for the SSD container only
  const ss = keep('spaceStatsForStorageContainerResponse', await raw.call('spaceStatsForStorageContainer', `<vasa:containerId>${CTR1}</vasa:containerId><vasa:capabilityProfileId>gold-profile</vasa:capabilityProfileId>`));
  expect(textsOf(bodyChild(ss.body), 'objectId')).toEqual([CTR1]);
  const other = await raw.call('spaceStatsForStorageContainer', `<vasa:containerId>${CTR0}</vasa:containerId><vasa:capabilityProfileId>gold-profile</vasa:capabilityProfileId>`);
  expect(bodyChild(other.body)).not.toContain('objectId');

  const refused = await raw.call('createVirtualVolume', create(CTR0, GOLD));
  expect(refused.status).toBe(500);
  expect(refused.body).toContain('<vasa:InvalidProfile>');
  expect(textOf(refused.body, 'faultstring')).toBe('The specified datastore does not satisfy the rule(Physical Disk Type) in the storage policy for the virtual machines. The value of the datastore\'s capability is "NLSAS" while the value in the storage policy for the virtual machines is "SSD."');

  keep('queryCapabilityProfileForResourceResponse.vvol', await raw.call('queryCapabilityProfileForResource', `<vasa:resourceId>${vvol}</vasa:resourceId>`));
  const compliant = keep('queryComplianceResultResponse', await raw.call('queryComplianceResult', `<vasa:compliance xmlns:comp="http://compliance.policy.data.vasa.vim.vmware.com/xsd"><comp:generationId>2</comp:generationId><comp:objectId>${vvol}</comp:objectId><comp:profileId>gold-profile</comp:profileId></vasa:compliance>`));
  expect(textOf(bodyChild(compliant.body), 'complianceStatus')).toBe('compliant');
  expect(textOf(bodyChild(compliant.body), 'profileMismatch')).toBe('false');

  // update to a profile the container cannot satisfy: refused, the old profile stays
  const bad = await raw.call('updateStorageProfileForVirtualVolume', `<vasa:vvolId>${vvol}</vasa:vvolId><vasa:newStorageProfile xmlns:prof="http://profile.policy.data.vasa.vim.vmware.com/xsd" xmlns:cap="http://capability.policy.data.vasa.vim.vmware.com/xsd" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${GOLD.replace('RAID1/10', 'RAID5').replace('<prof:generationId>2', '<prof:generationId>3')}</vasa:newStorageProfile>`);
  expect(textOf(bad.body, 'faultstring')).toBe('The specified datastore does not satisfy the rule(RAID) in the storage policy for the virtual machines. The value of the datastore\'s capability is "RAID1/10" while the value in the storage policy for the virtual machines is "RAID5."');
  expect(t.fixture.engine.vvolPolicy(vvol).profile?.generation).toBe(2);
  keep('updateStorageProfileForVirtualVolumeResponse', await raw.call('updateStorageProfileForVirtualVolume', `<vasa:vvolId>${vvol}</vasa:vvolId><vasa:newStorageProfile xmlns:prof="http://profile.policy.data.vasa.vim.vmware.com/xsd" xmlns:cap="http://capability.policy.data.vasa.vim.vmware.com/xsd" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${GOLD.replace('<prof:generationId>2', '<prof:generationId>3')}</vasa:newStorageProfile>`));
  expect(t.fixture.engine.vvolPolicy(vvol).profile?.generation).toBe(3);
});

test('compliance is judged from the pool as it is now: nonCompliant with the rule\'s expected and actual value, and a Compliance alarm', async () => {
  t.fixture.engine.modifyPool('Storage001', 1, { ioUpperMode: true });
  const io = `<prof:constraints><prof:subProfiles>${prop('IOControl', 'EnableIOUpperControl', 'boolean', 'true')}<prof:name>Rule-Set 1</prof:name></prof:subProfiles></prof:constraints><prof:createdBy>admin</prof:createdBy><prof:creationTime>2026-01-01T00:00:00Z</prof:creationTime><prof:generationId>1</prof:generationId><prof:name>IO</prof:name><prof:profileId>io-profile</prof:profileId>`;
  const vvol = textOf(bodyChild((await raw.call('createVirtualVolume', create(CTR1, io))).body), 'result') as string;
  t.fixture.engine.modifyPool('Storage001', 1, { ioUpperMode: false }); // iSM changes the pool
  const r = keep('queryComplianceResultResponse.nonCompliant', await raw.call('queryComplianceResult', `<vasa:compliance xmlns:comp="http://compliance.policy.data.vasa.vim.vmware.com/xsd"><comp:objectId>${vvol}</comp:objectId></vasa:compliance>`));
  const body = bodyChild(r.body);
  expect(textOf(body, 'complianceStatus')).toBe('nonCompliant');
  expect(body).toContain('<comp:currentValue><cap:capabilityId><cap:id>IOControl</cap:id>');
  expect(body).toContain('<cap:id>EnableIOUpperControl</cap:id><cap:value xsi:type="xsd:boolean">false</cap:value>');
  expect(body).toContain('<cap:id>EnableIOUpperControl</cap:id><cap:value xsi:type="xsd:boolean">true</cap:value>');
  const alarms = keep('getAlarmsResponse', await raw.call('getAlarms', '<vasa:lastAlarmId>-1</vasa:lastAlarmId>'));
  expect(bodyChild(alarms.body)).toContain('<data:alarmType>Compliance</data:alarmType>');
});

test('every captured policy answer validates against our XSDs (xmllint)', () => {
  expect(captured.size).toBeGreaterThanOrEqual(10);
  expect(invalidAnswers(dir, captured)).toEqual([]);
});
