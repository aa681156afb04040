/**
 * Backup from the policy over VASA (SOAP on loopback HTTPS; manual 3.9.1, B7, B8):
 * createVirtualVolume with Enable Backup = Yes gives the VVol its backup volumes (RVs in
 * vvolbackup0, paired MV/RV) in the same transaction, and the relation XML lists them;
 * updateStorageProfileForVirtualVolume raises the generations, and refuses fewer (or
 * Backup No) with B8's text as InvalidProfile. Answers validate against our XSDs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { containerDisplayId, containerUuid, hex4 } from '../../src/array/ids';
import { bodyChild, ClientCert, esc, makeClientCert, PASSWORD, RawResponse, RawSoap, startTestServer, TestServer, textOf, USER } from '../helpers/vasa-server';
import { tempDir } from '../helpers/fixture';
import { invalidAnswers, schemaWrapper, SCHEMAS, WSDL_DIR, XMLLINT } from '../helpers/schemas';
import { createVm, ldnOf, Node, parseRelation, service, validate } from '../relation/scenario';

const WWN = '00255CDB05310000';
const CTR0 = containerUuid(WWN, 0);
const NEC = 'com.nec.jp.ism.vasaprovider';
const VM = '502e0676-e510-ccdd-394c-667f6867fb01';
const B8 = "You cannot delete a virtual machine's backup volume only by applying a new backup policy.";

let t: TestServer;
let raw: RawSoap;
let dir: string;
const captured = new Map<string, string>();

function keep(name: string, r: RawResponse): RawResponse {
  expect({ name, status: r.status, fault: r.status === 200 ? '' : textOf(r.body, 'faultstring') }).toEqual({ name, status: 200, fault: '' });
  captured.set(name, bodyChild(r.body));
  return r;
}

const NS = 'xmlns:prof="http://profile.policy.data.vasa.vim.vmware.com/xsd" xmlns:cap="http://capability.policy.data.vasa.vim.vmware.com/xsd" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';
const prop = (id: string, type: string, value: string) =>
  `<prof:capability><cap:capabilityId><cap:id>Backup</cap:id><cap:namespace>${NEC}</cap:namespace></cap:capabilityId><cap:constraint><cap:propertyInstance><cap:id>${id}</cap:id><cap:value xsi:type="xsd:${type}">${value}</cap:value></cap:propertyInstance></cap:constraint></prof:capability>`;
function backupProfile(id: string, generation: number, o: { enable: boolean; generations?: number; autoDelete?: boolean }): string {
  const rules = [prop('EnableBackup', 'boolean', String(o.enable)),
    ...(o.generations !== undefined ? [prop('BackupGenerations', 'int', String(o.generations))] : []),
    ...(o.autoDelete !== undefined ? [prop('BackupVolumeAutomaticDeleted', 'boolean', String(o.autoDelete))] : [])].join('');
  return `<prof:constraints><prof:subProfiles>${rules}<prof:name>Backup</prof:name></prof:subProfiles></prof:constraints><prof:createdBy>admin</prof:createdBy><prof:creationTime>2026-01-01T00:00:00Z</prof:creationTime><prof:generationId>${generation}</prof:generationId><prof:name>${id}</prof:name><prof:profileId>${id}</prof:profileId>`;
}
const md = (k: string, v: string) => `<vasa:metadata><data:parameterName>${k}</data:parameterName><data:parameterValue>${v}</data:parameterValue></vasa:metadata>`;
const createData = (profile: string, name: string) => `<vasa:containerId>${CTR0}</vasa:containerId><vasa:vvolType>Data</vasa:vvolType><vasa:storageProfile ${NS}>${profile}</vasa:storageProfile><vasa:sizeInMB>2048</vasa:sizeInMB>`
  + md('VMW_VmID', VM) + md('VMW_VVolType', 'Data') + md('VMW_VVolName', name) + md('VMW_ContainerId', containerDisplayId(WWN, 0));
const update = (vvol: string, profile: string) => `<vasa:vvolId>${vvol}</vasa:vvolId><vasa:newStorageProfile ${NS}>${profile}</vasa:newStorageProfile>`;

async function createVvol(profile: string, name: string): Promise<string> {
  const r = keep(`createVirtualVolumeResponse.${name}`, await raw.call('createVirtualVolume', createData(profile, name)));
  return textOf(bodyChild(r.body), 'result') as string;
}

beforeAll(async () => {
  dir = tempDir('vasa-policy-backup-');
  t = await startTestServer();
  const cert: ClientCert = makeClientCert('esx-policy-backup');
  raw = new RawSoap(t.url, cert);
  expect((await raw.call('registerVASACertificate', `<vasa:userName>${USER}</vasa:userName><vasa:password>${PASSWORD}</vasa:password><vasa:newCertificate>${esc(cert.cert)}</vasa:newCertificate>`)).status).toBe(200);
  expect((await raw.call('setContext', '<vasa:usageContext><data:vcGuid>vc-policy-backup</data:vcGuid></vasa:usageContext>')).status).toBe(200);
});
afterAll(async () => {
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('3.9.1, B7: a VVol created with Enable Backup = Yes gets its RVs in vvolbackup0, paired, and the relation XML lists them', async () => {
  const f = t.fixture;
  createVm(f, VM, 'backup-vm'); // the VM's config VVol (its namespace), made on the array side
  const vvol = await createVvol(backupProfile('backup-2', 1, { enable: true, generations: 2, autoDelete: false }), 'backup-vm.vmdk');
  const rvs = f.engine.backupVolumes(vvol);
  expect(rvs.map((v) => [v.generation, v.poolName, v.autoDelete])).toEqual([[1, 'vvolbackup0', false], [2, 'vvolbackup0', false]]);
  const mv = f.engine.getVvol(vvol);
  expect(rvs.every((v) => v.rv.capacity === mv.capacity)).toBe(true);
  expect(f.engine.queryPairs(f.array, mv.ldn).map((p) => [p.mvId, p.rvId, p.purpose])).toEqual(rvs.map((v) => [mv.id, v.rv.id, "backup"]));
  // B7: one backup pool for two generations: both there, and the manual's alarm
  expect(f.engine.alarmsSince(f.array, 0).filter((a) => a.objectId === vvol).map((a) => a.message)).toContain('The disk array has only one pool for backup.');

  const [r] = await service(f).checkAndWrite();
  expect(r.error).toBeUndefined();
  expect(validate(r.written as string).ok).toBe(true);
  const doc: Node = parseRelation(r.written as string);
  const vm = (doc.Information.diskArray.datacenterList.datacenter[0].validVVOLList.VM as Node[]).find((v) => v['@name'] === 'backup-vm') as Node;
  expect(vm.dataList.dataVVOL[0].rv).toEqual(rvs.map((v) => ({ '@id': ldnOf(v.rv) })));
  expect(rvs.map((v) => ldnOf(v.rv))).toEqual(rvs.map((v) => hex4(v.rv.ldn)));
});

test('B8: fewer generations, or Backup No, over more is refused as InvalidProfile with the manual\'s text; more generations apply', async () => {
  const f = t.fixture;
  const vvol = await createVvol(backupProfile('backup-1', 1, { enable: true, generations: 1, autoDelete: true }), 'b8.vmdk');
  expect(f.engine.backupVolumes(vvol).map((v) => [v.generation, v.autoDelete])).toEqual([[1, true]]);

  keep('updateStorageProfileForVirtualVolumeResponse', await raw.call('updateStorageProfileForVirtualVolume', update(vvol, backupProfile('backup-2', 1, { enable: true, generations: 2, autoDelete: false }))));
  expect(f.engine.backupVolumes(vvol).map((v) => [v.generation, v.autoDelete])).toEqual([[1, false], [2, false]]);
  expect(f.engine.vvolPolicy(vvol).profile?.profileId).toBe('backup-2');

  for (const [id, p] of [['backup-1', { enable: true, generations: 1 }], ['no-backup', { enable: false }]] as const) {
    const refused = await raw.call('updateStorageProfileForVirtualVolume', update(vvol, backupProfile(id, 2, p)));
    expect(refused.status).toBe(500);
    expect(refused.body).toContain('<vasa:InvalidProfile>');
    expect(textOf(refused.body, 'faultstring')).toBe(B8);
    // nothing half-applied: the RVs and the profile stay
    expect(f.engine.backupVolumes(vvol)).toHaveLength(2);
    expect(f.engine.vvolPolicy(vvol).profile?.profileId).toBe('backup-2');
  }
});

test('every captured answer validates against our XSDs (xmllint)', () => {
  expect(captured.size).toBeGreaterThanOrEqual(3);
  expect(invalidAnswers(dir, captured)).toEqual([]);
});
