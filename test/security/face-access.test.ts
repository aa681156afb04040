/**
 * Issue 8, who may call what: anonymous callers reach only the account-authorised
 * operations and setContext; a session is bound to the client certificate it was made
 * with; trust is changed only by vCenter's session; sessions are keyed by certificate
 * plus GUID. Driven over real TLS with real client certificates.
 */
import { ClientCert, esc, makeClientCert, PASSWORD, RawSoap, startTestServer, TestServer, textOf, USER } from '../helpers/vasa-server';
import { containerUuid } from '../../src/array/ids';

const CTR0 = containerUuid('00255CDB05310000', 0);

let t: TestServer;
let vcCert: ClientCert;
let hostCert: ClientCert;
let strangerCert: ClientCert;
let vc: RawSoap;
let host: RawSoap;

const VC_GUID = 'vc-guid-1f2e';
const vcContext = `<vasa:usageContext><data:vcGuid>${VC_GUID}</data:vcGuid></vasa:usageContext>`;
const hostContext = '<vasa:usageContext><data:hostGuid>host-guid-sec</data:hostGuid><data:hostInitiator><data:uniqueIdentifier>iqn.1998-01.com.vmware:sec</data:uniqueIdentifier><data:iscsiIdentifier>iqn.1998-01.com.vmware:sec</data:iscsiIdentifier></data:hostInitiator></vasa:usageContext>';
const register = (c: ClientCert) => `<vasa:userName>${USER}</vasa:userName><vasa:password>${esc(PASSWORD)}</vasa:password><vasa:newCertificate>${esc(c.cert)}</vasa:newCertificate>`;
const faultOf = (body: string) => /<vasa:([A-Za-z]+)><vasa:\1 xsi:type="fault:\1"/.exec(body)?.[1];

async function registered(c: ClientCert, context: string): Promise<RawSoap> {
  const raw = new RawSoap(t.url, c);
  expect((await raw.call('registerVASACertificate', register(c))).status).toBe(200);
  const r = await raw.call('setContext', context);
  expect(r.status).toBe(200);
  return raw;
}

async function createVvol(raw: RawSoap): Promise<string> {
  const r = await raw.call('createVirtualVolume', `<vasa:containerId>${CTR0}</vasa:containerId><vasa:vvolType>Data</vasa:vvolType><vasa:sizeInMB>1024</vasa:sizeInMB><vasa:metadata><data:parameterName>VMW_VmID</data:parameterName><data:parameterValue>vm-sec</data:parameterValue></vasa:metadata>`);
  expect(r.status).toBe(200);
  const id = textOf(r.body, 'result');
  expect(id).toMatch(/^naa\.6[0-9a-f]{31}$/);
  return id as string;
}

beforeAll(async () => {
  t = await startTestServer();
  vcCert = makeClientCert('vcenter.sec.test');
  hostCert = makeClientCert('esx.sec.test');
  strangerCert = makeClientCert('stranger.sec.test');
  vc = await registered(vcCert, vcContext);
  host = await registered(hostCert, hostContext);
});
afterAll(async () => {
  await t?.close();
});

test('row 3: vCenter\'s session cookie on a connection without a client certificate, or with another one, is refused and changes nothing', async () => {
  const vvol = await createVvol(vc);
  for (const cert of [undefined, strangerCert, hostCert]) {
    const thief = new RawSoap(t.url, cert);
    thief.cookie = vc.cookie;
    const r = await thief.call('deleteVirtualVolume', `<vasa:vvolId>${vvol}</vasa:vvolId>`);
    expect(r.status).toBe(500);
    expect(faultOf(r.body)).toBe('InvalidSession');
  }
  // The VVol is still there, and vCenter's own session still works.
  const q = await vc.call('queryVirtualVolumeInfo', `<vasa:vvolId>${vvol}</vasa:vvolId>`);
  expect(q.status).toBe(200);
  expect(q.body).toContain(vvol);
});

test('row 4: an anonymous unregisterVASACertificate of vCenter\'s certificate is refused; vCenter\'s next setContext works', async () => {
  const anon = new RawSoap(t.url);
  const r = await anon.call('unregisterVASACertificate', `<vasa:existingCertificate>${esc(vcCert.cert)}</vasa:existingCertificate>`);
  expect(r.status).toBe(500);
  expect(faultOf(r.body)).toBe('InvalidSession');
  // A stranger with a certificate and no session fares no better, nor does an ESXi host's session.
  const withCert = await new RawSoap(t.url, strangerCert).call('unregisterVASACertificate', `<vasa:existingCertificate>${esc(vcCert.cert)}</vasa:existingCertificate>`);
  expect(faultOf(withCert.body)).toBe('InvalidSession');
  const byHost = await host.call('unregisterVASACertificate', `<vasa:existingCertificate>${esc(vcCert.cert)}</vasa:existingCertificate>`);
  expect(faultOf(byHost.body)).toBe('InvalidSession');
  const again = new RawSoap(t.url, vcCert);
  expect((await again.call('setContext', vcContext)).status).toBe(200);
  vc = again;
});

test('row 2: anonymous requestCSR and registerCASignedProviderCertificate are refused; the served certificate stays', async () => {
  const anon = new RawSoap(t.url, strangerCert);
  const csr = await anon.call('requestCSR');
  expect(faultOf(csr.body)).toBe('InvalidSession');
  expect(csr.body).not.toContain('CERTIFICATE REQUEST');
  const install = await anon.call('registerCASignedProviderCertificate', `<vasa:providerCert>${esc(strangerCert.cert)}</vasa:providerCert>`);
  expect(faultOf(install.body)).toBe('InvalidSession');
  // An ESXi host's session may not either: PermissionDenied, as the WSDL lists.
  const byHost = await host.call('requestCSR');
  expect(faultOf(byHost.body)).toBe('PermissionDenied');
  // vCenter's session may.
  const byVc = await vc.call('requestCSR');
  expect(byVc.status).toBe(200);
  expect(byVc.body).toContain('BEGIN CERTIFICATE REQUEST');
});

test('row 6: an ESXi host\'s session cannot refresh the CA roots (PermissionDenied); the roots stay', async () => {
  const before = await vc.call('queryCACertificates');
  const wipe = await host.call('refreshCACertificatesAndCRLs');
  expect(wipe.status).toBe(500);
  expect(faultOf(wipe.body)).toBe('PermissionDenied');
  const own = await host.call('refreshCACertificatesAndCRLs', `<vasa:caRootCert>${esc(hostCert.cert)}</vasa:caRootCert>`);
  expect(faultOf(own.body)).toBe('PermissionDenied');
  const after = await vc.call('queryCACertificates');
  expect(after.body.replace(/<\?xml[^>]*>/, '')).toBe(before.body.replace(/<\?xml[^>]*>/, ''));
});

test('row 13: a second registered certificate calling setContext with vCenter\'s vcGuid does not end vCenter\'s session', async () => {
  const impostor = await registered(strangerCert, vcContext);
  expect((await impostor.call('queryArrays')).status).toBe(200);
  expect((await vc.call('queryArrays')).status).toBe(200);
  // Nor does the impostor's session carry vCenter's rights on vCenter's certificate.
  const cross = new RawSoap(t.url, vcCert);
  cross.cookie = impostor.cookie;
  expect(faultOf((await cross.call('queryArrays')).body)).toBe('InvalidSession');
});

test('row 5: unregistering a certificate ends its sessions at once', async () => {
  const other = makeClientCert('esx-two.sec.test');
  const h2 = await registered(other, hostContext.replace('host-guid-sec', 'host-guid-two'));
  expect((await h2.call('queryArrays')).status).toBe(200);
  const u = await vc.call('unregisterVASACertificate', `<vasa:existingCertificate>${esc(other.cert)}</vasa:existingCertificate>`);
  expect(u.status).toBe(200);
  const r = await h2.call('queryArrays');
  expect(r.status).toBe(500);
  expect(faultOf(r.body)).toBe('InvalidSession');
  expect(faultOf((await h2.call('setContext', hostContext)).body)).toBe('InvalidSession');
});
