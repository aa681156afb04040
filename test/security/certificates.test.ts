/**
 * Issue 8, certificates and trust, over real TLS with real client certificates: client
 * certificates outside their validity period, CA certificates and certificates not
 * meant for TLS clients are refused (row 8); registered CRLs are enforced and malformed
 * ones refused (row 7); CA roots are capped and held parsed, so an unknown
 * certificate's setContext stays fast (row 14); only the certificate part of a
 * registration is stored (row 22); unregistering a certificate ends its sessions.
 * Certificates are dated around the server's ManualClock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ca, makeCa, makeCrl, makeKeys, makeLeaf, serialOf } from '../helpers/pki';
import {
  captureLogger, ClientCert, esc, httpsRequest, PASSWORD, RawResponse, RawSoap, startTestServer, TestServer, textOf, textsOf, USER,
} from '../helpers/vasa-server';

const DAY = 24 * 3600 * 1000;
const faultOf = (body: string) => /<vasa:([A-Za-z]+)><vasa:\1 xsi:type="fault:\1"/.exec(body)?.[1];
const register = (c: ClientCert | string) => `<vasa:userName>${USER}</vasa:userName><vasa:password>${esc(PASSWORD)}</vasa:password><vasa:newCertificate>${esc(typeof c === 'string' ? c : c.cert)}</vasa:newCertificate>`;
const casAndCrls = (roots: string[], crls: string[] = []) =>
  `<vasa:providerUserName>${USER}</vasa:providerUserName><vasa:providerPassword>${esc(PASSWORD)}</vasa:providerPassword>${roots.map((r) => `<vasa:caRootCert>${esc(r)}</vasa:caRootCert>`).join('')}${crls.map((c) => `<vasa:caCRL>${esc(c)}</vasa:caCRL>`).join('')}`;
const hostContext = (guid: string) => `<vasa:usageContext><data:hostGuid>${guid}</data:hostGuid><data:hostInitiator><data:uniqueIdentifier>iqn.1998-01.com.vmware:${guid}</data:uniqueIdentifier><data:iscsiIdentifier>iqn.1998-01.com.vmware:${guid}</data:iscsiIdentifier></data:hostInitiator></vasa:usageContext>`;
const vcContext = (guid: string) => `<vasa:usageContext><data:vcGuid>${guid}</data:vcGuid></vasa:usageContext>`;
const pemText = (s: string | undefined) => (s ?? '').replace(/&#13;|\r/g, '').trim();

/** A vCenter: its certificate registered with the account, and a session. */
async function vcenter(t: TestServer, guid: string): Promise<{ raw: RawSoap; cert: ClientCert }> {
  const cert = makeLeaf(t.fixture.clock.now(), undefined, { cn: `${guid}.example.test` });
  const raw = new RawSoap(t.url, cert);
  expect((await raw.call('registerVASACertificate', register(cert))).status).toBe(200);
  const r = await raw.call('setContext', vcContext(guid));
  expect(r.status).toBe(200);
  return { raw, cert };
}

/** Files under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('row 8: client certificates outside their validity period, CA certificates and non-client certificates', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  test.each([
    ['expired', { notBefore: -40 * DAY, notAfter: -DAY }, /expired on 2025-12-31/],
    ['not yet valid', { notBefore: DAY, notAfter: 40 * DAY }, /not valid before 2026-01-02/],
  ])('row 8: an %s client certificate is refused at registration (InvalidCertificate) and gets no session', async (_what, v, text) => {
    const now = t.fixture.clock.now();
    const c = makeLeaf(now, undefined, { notBefore: now + v.notBefore, notAfter: now + v.notAfter });
    const raw = new RawSoap(t.url, c);
    const r = await raw.call('registerVASACertificate', register(c));
    expect(r.status).toBe(500);
    expect(faultOf(r.body)).toBe('InvalidCertificate');
    expect(textOf(r.body, 'faultstring')).toMatch(text);
    const s = await raw.call('setContext', hostContext('host-row8'));
    expect(faultOf(s.body)).toBe('InvalidSession');
    expect(s.headers['set-cookie']).toBeUndefined();
    expect(t.server.face.certs.isTrusted(c.cert)).toBe(false);
  });

  test('row 8: a self-signed CA certificate, or one whose extended key usage excludes TLS clients, is refused at registration', async () => {
    const now = t.fixture.clock.now();
    const ca = makeLeaf(now, undefined, { ca: true, cn: 'self-signed-ca' });
    const r = await new RawSoap(t.url, ca).call('registerVASACertificate', register(ca));
    expect(faultOf(r.body)).toBe('InvalidCertificate');
    expect(textOf(r.body, 'faultstring')).toMatch(/CA certificate/);
    const codeSigning = makeLeaf(now, undefined, { eku: ['codeSigning'], cn: 'code-signing' });
    const r2 = await new RawSoap(t.url, codeSigning).call('registerVASACertificate', register(codeSigning));
    expect(faultOf(r2.body)).toBe('InvalidCertificate');
    expect(textOf(r2.body, 'faultstring')).toMatch(/clientAuth/);
    expect(t.server.face.certs.isTrusted(ca.cert) || t.server.face.certs.isTrusted(codeSigning.cert)).toBe(false);
  });

  test('row 8: a registered certificate that expires later is refused at setContext and ends its session (clock moved)', async () => {
    const now = t.fixture.clock.now();
    const c = makeLeaf(now, undefined, { cn: 'short-lived', notAfter: now + 600_000 });
    const raw = new RawSoap(t.url, c);
    expect((await raw.call('registerVASACertificate', register(c))).status).toBe(200);
    expect((await raw.call('setContext', hostContext('host-short'))).status).toBe(200);
    expect((await raw.call('queryArrays')).status).toBe(200);
    t.fixture.clock.advance(601_000);
    const again = await raw.call('queryArrays');
    expect(faultOf(again.body)).toBe('InvalidSession');
    const s = await raw.call('setContext', hostContext('host-short'));
    expect(faultOf(s.body)).toBe('InvalidSession');
    expect(textOf(s.body, 'faultstring')).toMatch(/client certificate expired on/);
  });
});

describe('row 7: certificate revocation lists', () => {
  let t: TestServer;
  let vc: RawSoap;
  let vmca: Ca;
  beforeAll(async () => {
    t = await startTestServer();
    ({ raw: vc } = await vcenter(t, 'vc-row7'));
    vmca = makeCa(t.fixture.clock.now(), 'Row7 VMCA');
  });
  afterAll(async () => {
    await t?.close();
  });

  test('row 7: a leaf revoked by a registered CRL gets no session; its unrevoked sibling does', async () => {
    const now = t.fixture.clock.now();
    const revoked = makeLeaf(now, vmca, { cn: 'esx-revoked' });
    const good = makeLeaf(now, vmca, { cn: 'esx-good' });
    const crl = await makeCrl(now, vmca, [serialOf(revoked.cert)]);
    const reg = await vc.call('registerCACertificatesAndCRLs', casAndCrls([vmca.pem], [crl]));
    expect(reg.status).toBe(200);
    const r = await new RawSoap(t.url, revoked).call('setContext', hostContext('host-revoked'));
    expect(r.status).toBe(500);
    expect(faultOf(r.body)).toBe('InvalidSession');
    expect(textOf(r.body, 'faultstring')).toMatch(/revoked/);
    expect(r.headers['set-cookie']).toBeUndefined();
    const host = new RawSoap(t.url, good);
    expect((await host.call('setContext', hostContext('host-good'))).status).toBe(200);
    const crls = await host.call('queryCACertificateRevocationLists');
    expect(textsOf(crls.body, 'return').map(pemText)).toEqual([crl.trim()]);

    // A refresh that revokes the good one too ends its session and refuses its setContext.
    const crl2 = await makeCrl(now, vmca, [serialOf(revoked.cert), serialOf(good.cert)]);
    const ref = await vc.call('refreshCACertificatesAndCRLs', `<vasa:caRootCert>${esc(vmca.pem)}</vasa:caRootCert><vasa:caCRL>${esc(crl2)}</vasa:caCRL>`);
    expect(ref.status).toBe(200);
    expect(faultOf((await host.call('queryArrays')).body)).toBe('InvalidSession');
    expect(faultOf((await host.call('setContext', hostContext('host-good'))).body)).toBe('InvalidSession');
  });

  test('row 7: a garbage CRL, or one not signed by a registered root, is refused and nothing changes', async () => {
    const before = t.server.face.certs.cas();
    const other = makeCa(t.fixture.clock.now(), 'Row7 VMCA');
    const forged = await makeCrl(t.fixture.clock.now(), vmca, [], other);
    const garbage = '-----BEGIN X509 CRL-----\nTm90IGEgQ1JMIGF0IGFsbCwganVzdCB0ZXh0Lg==\n-----END X509 CRL-----\n';
    for (const crl of [garbage, 'not even PEM', forged]) {
      const r = await vc.call('registerCACertificatesAndCRLs', casAndCrls([vmca.pem], [crl]));
      expect(r.status).toBe(500);
      expect(faultOf(r.body)).toBe('InvalidCertificate');
      expect(textOf(r.body, 'faultstring')).toMatch(/CRL/);
    }
    expect(t.server.face.certs.cas()).toEqual(before);
  });
});

describe('row 14: CA roots capped and held parsed in memory', () => {
  let t: TestServer;
  let vc: RawSoap;
  beforeAll(async () => {
    t = await startTestServer();
    ({ raw: vc } = await vcenter(t, 'vc-row14'));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Runs `attack` while fetching version.xml on another connection; the slowest answer's time. */
  async function whileRunning(attack: Promise<RawResponse>): Promise<{ r: RawResponse; slowestMs: number; probes: number }> {
    let done = false;
    let slowestMs = 0;
    let probes = 0;
    const watch = (async () => {
      while (!done) {
        const started = performance.now();
        const v = await httpsRequest(`https://127.0.0.1:${t.port}/version.xml`);
        expect(v.status).toBe(200);
        slowestMs = Math.max(slowestMs, performance.now() - started);
        probes++;
      }
    })();
    const r = await attack.finally(() => { done = true; });
    await watch;
    return { r, slowestMs, probes };
  }

  test('row 14: 3,000 CA roots in one call are refused by the cap, fast, and change nothing', async () => {
    const ca = makeCa(t.fixture.clock.now(), 'Row14 CA');
    const before = t.server.face.certs.cas();
    const started = performance.now();
    const { r, slowestMs } = await whileRunning(vc.call('registerCACertificatesAndCRLs', casAndCrls(Array.from({ length: 3000 }, () => ca.pem))));
    expect(r.status).not.toBe(200);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(slowestMs).toBeLessThan(1000);
    expect(t.server.face.certs.cas()).toEqual(before);
    // Over the store's own cap (64), under any transport cap: InvalidCertificate with the cap in words.
    const r65 = await vc.call('registerCACertificatesAndCRLs', casAndCrls(Array.from({ length: 65 }, () => ca.pem)));
    expect(faultOf(r65.body)).toBe('InvalidCertificate');
    expect(textOf(r65.body, 'faultstring')).toMatch(/At most 64 CA certificates/);
    expect(fs.readdirSync(path.join(t.fixture.dir, 'provider', 'certs', 'ca'))).toEqual([]);
  });

  test('row 14: with 64 roots registered, setContext with unknown certificates stays fast', async () => {
    const now = t.fixture.clock.now();
    // 63 cheap roots (one shared 1024-bit key: only their number matters) and a real one.
    const cheap = makeKeys(1024);
    const roots = [...Array.from({ length: 63 }, (_, i) => makeCa(now, `Row14 CA ${i}`, { keys: cheap })), makeCa(now, 'Row14 CA 63')];
    const reg = await vc.call('registerCACertificatesAndCRLs', casAndCrls(roots.map((r) => r.pem)));
    expect(reg.status).toBe(200);
    // Roots are held parsed: setContext does not read the folder again.
    const readFileSync = jest.spyOn(fs, 'readFileSync');
    try {
      // Unknown certificates naming a registered root as issuer, signed by another key:
      // the costliest path (issuer looked up, signature checked and failing).
      const shared = makeKeys();
      const impostor = makeCa(now, 'Row14 CA 5', { keys: shared });
      const strangers = Array.from({ length: 10 }, (_, i) => makeLeaf(now, impostor, { cn: `stranger-${i}`, keys: shared }));
      const attack = (async () => {
        let last: RawResponse | undefined;
        for (const s of strangers) {
          const started = performance.now();
          last = await new RawSoap(t.url, s).call('setContext', hostContext('host-stranger'));
          expect(faultOf(last.body)).toBe('InvalidSession');
          expect(performance.now() - started).toBeLessThan(1000);
        }
        return last as RawResponse;
      })();
      const { slowestMs } = await whileRunning(attack);
      expect(slowestMs).toBeLessThan(1000);
      expect(readFileSync.mock.calls.filter(([f]) => String(f).includes(`${path.sep}certs${path.sep}`))).toEqual([]);
    } finally {
      readFileSync.mockRestore();
    }
    // A host certificate signed by the last root is still accepted.
    const host = makeLeaf(now, roots[63], { cn: 'esx-row14' });
    expect((await new RawSoap(t.url, host).call('setContext', hostContext('host-row14'))).status).toBe(200);
  });
});

describe('row 22 and unregistering', () => {
  let t: TestServer;
  const logged = captureLogger();
  beforeAll(async () => {
    t = await startTestServer({ log: logged.log });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('row 22: a client certificate sent with its private key: only the certificate is stored, the key nowhere', async () => {
    const c = makeLeaf(t.fixture.clock.now(), undefined, { cn: 'vc-with-key' });
    const raw = new RawSoap(t.url, c);
    const r = await raw.call('registerVASACertificate', register(`${c.cert}\n${c.key}`));
    expect(r.status).toBe(200);
    expect((await raw.call('setContext', vcContext('vc-row22'))).status).toBe(200);
    const dataDir = path.join(t.fixture.dir, 'provider');
    const withKey = filesUnder(dataDir).filter((f) => fs.readFileSync(f).includes('PRIVATE KEY'));
    expect(withKey).toEqual([path.join(dataDir, 'certs', 'provider.key')]);
    const trusted = fs.readdirSync(path.join(dataDir, 'certs', 'trusted'));
    expect(trusted).toHaveLength(1);
    expect(fs.readFileSync(path.join(dataDir, 'certs', 'trusted', trusted[0]), 'utf8').trim()).toBe(c.cert.replace(/\r/g, '').trim());
    const keyBody = c.key.split('\n')[1];
    expect(logged.lines.filter((l) => l.message.includes(keyBody) || l.message.includes('BEGIN RSA PRIVATE KEY'))).toEqual([]);
    expect(logged.lines.some((l) => /discarded, not stored/.test(l.message))).toBe(true);
  });

  test('row 22: two certificates in one registration are refused', async () => {
    const now = t.fixture.clock.now();
    const a = makeLeaf(now, undefined, { cn: 'two-a' });
    const b = makeLeaf(now, undefined, { cn: 'two-b' });
    const r = await new RawSoap(t.url, a).call('registerVASACertificate', register(`${a.cert}${b.cert}`));
    expect(faultOf(r.body)).toBe('InvalidCertificate');
    expect(textOf(r.body, 'faultstring')).toMatch(/exactly one/);
  });

  test('rows 4-5: unregisterVASACertificate ends the sessions of that certificate', async () => {
    const { raw: admin } = await vcenter(t, 'vc-admin');
    const { raw: leaving, cert } = await vcenter(t, 'vc-leaving');
    expect((await leaving.call('queryArrays')).status).toBe(200);
    const u = await admin.call('unregisterVASACertificate', `<vasa:existingCertificate>${esc(cert.cert)}</vasa:existingCertificate>`);
    expect(u.status).toBe(200);
    const after = await leaving.call('queryArrays');
    expect(faultOf(after.body)).toBe('InvalidSession');
    expect(t.server.face.sessions.all().some((s) => s.vcGuid === 'vc-leaving')).toBe(false);
    expect(faultOf((await leaving.call('setContext', vcContext('vc-leaving'))).body)).toBe('InvalidSession');
    expect((await admin.call('queryArrays')).status).toBe(200);
  });
});
