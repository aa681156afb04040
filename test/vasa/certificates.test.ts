/**
 * The certificate operations over the wire, as vCenter 6+ with VMCA uses them:
 * requestCSR, registerCASignedProviderCertificate (the provider serves the new
 * certificate at once, on the next TLS connection), registerCACertificatesAndCRLs
 * (then an ESXi host certificate signed by that CA, never registered itself, may
 * setContext), unregisterVASACertificate; and many hosts holding sessions at once.
 * The operations without credentials of their own are called on vCenter's session.
 */
import crypto from 'node:crypto';
import tls from 'node:tls';
import forge from 'node-forge';
import { makeLeaf } from '../helpers/pki';
import {
  ClientCert, esc, PASSWORD, RawSoap, startTestServer, TestServer, textOf, textsOf, USER,
} from '../helpers/vasa-server';

let t: TestServer;
let vc: ClientCert;

interface Ca { key: forge.pki.rsa.PrivateKey; cert: forge.pki.Certificate; pem: string }

/** The server's clock (a ManualClock): certificates are made valid around its time, not the wall clock's. */
const now = () => t.fixture.clock.now();

function makeCa(): Ca {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(now() - 3600_000);
  cert.validity.notAfter = new Date(now() + 30 * 86400_000);
  const attrs = [{ name: 'commonName', value: 'Test VMCA' }, { name: 'organizationName', value: 'vsphere.local' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: keys.privateKey, cert, pem: forge.pki.certificateToPem(cert) };
}

function sign(ca: Ca, publicKey: forge.pki.PublicKey, cn: string, serial: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(now() - 3600_000);
  cert.validity.notAfter = new Date(now() + 10 * 86400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([{ name: 'basicConstraints', cA: false }, { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
  cert.sign(ca.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** The certificate the server presents on a new TLS connection. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

const registration = (c: ClientCert) => `<vasa:userName>${USER}</vasa:userName><vasa:password>${PASSWORD}</vasa:password><vasa:newCertificate>${esc(c.cert)}</vasa:newCertificate>`;

/** A client certificate valid around the server's clock. */
const clientCert = (cn: string) => makeLeaf(now(), undefined, { cn });

/** vCenter's connection: its certificate registered, a session made with its vcGuid. */
async function vcenterSession(c: ClientCert, guid: string): Promise<RawSoap> {
  const raw = new RawSoap(t.url, c);
  expect((await raw.call('registerVASACertificate', registration(c))).status).toBe(200);
  expect((await raw.call('setContext', `<vasa:usageContext><data:vcGuid>${guid}</data:vcGuid></vasa:usageContext>`)).status).toBe(200);
  return raw;
}

beforeAll(async () => {
  t = await startTestServer();
  vc = clientCert('vcenter-vmca');
});
afterAll(async () => {
  await t?.close();
});

test('requestCSR and registerCASignedProviderCertificate: the provider serves the CA-signed certificate', async () => {
  const raw = await vcenterSession(vc, 'vc-vmca');
  const before = await servedFingerprint(t.port);
  expect(before).toBe(t.server.certificate.fingerprint256);
  const csrAnswer = await raw.call('requestCSR');
  expect(csrAnswer.status).toBe(200);
  const csrPem = (textOf(csrAnswer.body, 'return') as string).replace(/&#13;|\r/g, '');
  expect(csrPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  expect(csr.verify()).toBe(true);
  const ca = makeCa();
  const signed = sign(ca, csr.publicKey as forge.pki.PublicKey, '127.0.0.1', '0a');
  // a certificate for another key is refused
  const otherKey = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 });
  const wrong = await raw.call('registerCASignedProviderCertificate', `<vasa:providerCert>${esc(sign(ca, otherKey.publicKey, 'x', '0b'))}</vasa:providerCert>`);
  expect(wrong.status).toBe(500);
  expect(wrong.body).toContain('<vasa:InvalidCertificate>');
  const r = await raw.call('registerCASignedProviderCertificate', `<vasa:providerCert>${esc(signed)}</vasa:providerCert>`);
  expect(r.status).toBe(200);
  const after = await servedFingerprint(t.port);
  expect(after).toBe(new crypto.X509Certificate(signed).fingerprint256);
  expect(after).not.toBe(before);
});

test('registerCACertificatesAndCRLs: a host certificate signed by a registered CA may setContext without being registered', async () => {
  const vmca = makeCa();
  const hostKeys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const hostCert: ClientCert = { cert: sign(vmca, hostKeys.publicKey, 'esx-vmca-01', '1c'), key: forge.pki.privateKeyToPem(hostKeys.privateKey), certFile: '', keyFile: '' };
  const host = new RawSoap(t.url, hostCert);
  const ctx = '<vasa:usageContext><data:hostGuid>host-vmca-01</data:hostGuid><data:hostInitiator><data:uniqueIdentifier>iqn.1998-01.com.vmware:vmca-01</data:uniqueIdentifier><data:iscsiIdentifier>iqn.1998-01.com.vmware:vmca-01</data:iscsiIdentifier></data:hostInitiator></vasa:usageContext>';
  expect((await host.call('setContext', ctx)).body).toContain('<vasa:InvalidSession>');

  const raw = new RawSoap(t.url, vc);
  const bad = await raw.call('registerCACertificatesAndCRLs', `<vasa:providerUserName>${USER}</vasa:providerUserName><vasa:providerPassword>bad</vasa:providerPassword><vasa:caRootCert>${esc(vmca.pem)}</vasa:caRootCert>`);
  expect(bad.body).toContain('<vasa:InvalidLogin>');
  const reg = await raw.call('registerCACertificatesAndCRLs', `<vasa:providerUserName>${USER}</vasa:providerUserName><vasa:providerPassword>${PASSWORD}</vasa:providerPassword><vasa:caRootCert>${esc(vmca.pem)}</vasa:caRootCert>`);
  expect(reg.status).toBe(200);
  expect(reg.body).toContain('<vasa:registerCACertificatesAndCRLsResponse><vasa:return>');

  const ok = await host.call('setContext', ctx);
  expect(ok.status).toBe(200);
  expect(textOf(ok.body, 'sessionId')).toMatch(/^[0-9a-f]{48}$/);
  const roots = await host.call('queryCACertificates');
  expect(textsOf(roots.body, 'return').map((p) => p.replace(/&#13;|\r/g, '').trim())).toEqual([vmca.pem.replace(/\r/g, '').trim()]);
  const pes = await host.call('queryProtocolEndpointForArray', '<vasa:arrayId>StorageArray:0000000991007777</vasa:arrayId>');
  expect(textsOf(pes.body, 'return')).toHaveLength(2);
});

test('unregisterVASACertificate: that certificate can no longer setContext, and its session ends', async () => {
  const c = clientCert('vcenter-leaving');
  const raw = await vcenterSession(c, 'vc-leaving');
  const admin = await vcenterSession(vc, 'vc-admin');
  const u = await admin.call('unregisterVASACertificate', `<vasa:existingCertificate>${esc(c.cert)}</vasa:existingCertificate>`);
  expect(u.status).toBe(200);
  expect((await raw.call('queryArrays')).body).toContain('<vasa:InvalidSession>');
  expect((await raw.call('setContext', '<vasa:usageContext><data:vcGuid>vc-leaving</data:vcGuid></vasa:usageContext>')).body).toContain('<vasa:InvalidSession>');
  const again = await admin.call('unregisterVASACertificate', `<vasa:existingCertificate>${esc(c.cert)}</vasa:existingCertificate>`);
  expect(again.body).toContain('<vasa:InvalidCertificate>');
});

test('many ESXi hosts and vCenters hold sessions at once', async () => {
  const raw = new RawSoap(t.url, vc);
  await raw.call('registerVASACertificate', registration(vc));
  const clients = Array.from({ length: 24 }, () => new RawSoap(t.url, vc));
  await Promise.all(clients.map((c, i) => c.call('setContext', i % 6 === 0
    ? `<vasa:usageContext><data:vcGuid>vc-many-${i}</data:vcGuid></vasa:usageContext>`
    : `<vasa:usageContext><data:hostGuid>host-many-${i}</data:hostGuid><data:hostInitiator><data:uniqueIdentifier>iqn.1998-01.com.vmware:many-${i}</data:uniqueIdentifier><data:iscsiIdentifier>iqn.1998-01.com.vmware:many-${i}</data:iscsiIdentifier></data:hostInitiator></vasa:usageContext>`)));
  expect(new Set(clients.map((c) => c.cookie)).size).toBe(24);
  const answers = await Promise.all(clients.map((c) => c.call('queryProtocolEndpointForArray', '<vasa:arrayId>StorageArray:0000000991007777</vasa:arrayId>')));
  for (const a of answers) expect(textsOf(a.body, 'return')).toEqual(['eui.5cdb053100000400', 'eui.5cdb053100000401']);
  const counts = t.server.face.sessions.count();
  expect(counts.hosts).toBeGreaterThanOrEqual(20);
  expect(counts.vcenters).toBeGreaterThanOrEqual(4);
  expect(t.fixture.engine.ldDetail('Storage001', 0x400).hosts).toEqual(expect.arrayContaining(['iqn.1998-01.com.vmware:many-1', 'iqn.1998-01.com.vmware:many-23']));
});
