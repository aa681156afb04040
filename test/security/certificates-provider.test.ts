/**
 * Issue 8 row 2 (certificate side) and the trust store's start-up: the provider's own
 * certificate is checked before it is served (key, validity, chain to registered roots)
 * and never served expired when CA-signed; the certificate watch renews a generated
 * certificate before it expires and raises the alarm for the others. Also rows 14 and 22
 * for what an older version left in the data folder, and verifyClient's memo.
 * Unit-level, with a ManualClock; one check over TLS.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { ManualClock } from '../../src/array/clock';
import { silentLogger } from '../../src/log/logger';
import { CertificateError, CertificateStore } from '../../src/vasa/certificates';
import { AlarmStatus, watchProviderCertificate } from '../../src/vasa/certificate-watch';
import { tempDir } from '../helpers/fixture';
import { makeCa, makeKeys, makeLeaf } from '../helpers/pki';
import { captureLogger, esc, PASSWORD, RawSoap, startTestServer, USER } from '../helpers/vasa-server';

const DAY = 24 * 3600 * 1000;
const START = Date.UTC(2026, 0, 1);

function store(o: { certFile?: string; keyFile?: string; days?: number } = {}) {
  const dir = tempDir('certs-');
  const clock = new ManualClock(START);
  const certs = new CertificateStore(dir, clock, { names: ['127.0.0.1', 'localhost'], ...o });
  return { dir, clock, certs };
}

/** A certificate for the store's key (from its CSR), signed by `ca`. */
function signedForUs(certs: CertificateStore, now: number, ca = makeCa(now), o: Parameters<typeof makeLeaf>[2] = {}): string {
  const csr = forge.pki.certificationRequestFromPem(certs.csr());
  return makeLeaf(now, ca, { cn: '127.0.0.1', eku: ['serverAuth'], publicKey: csr.publicKey as forge.pki.PublicKey, ...o }).cert;
}

interface Alarm { status: AlarmStatus; messageId: string; message: string }

function watch(certs: CertificateStore, clock: ManualClock, warnDays = 30) {
  const alarms: Alarm[] = [];
  let reloads = 0;
  const w = watchProviderCertificate({
    certs, clock, log: silentLogger(), warnDays, intervalMs: 0,
    raiseAlarm: (status, messageId, message) => alarms.push({ status, messageId, message }),
    reload: () => { reloads++; },
  });
  return { w, alarms, reloads: () => reloads };
}

describe('row 2: the provider certificate is checked before it is served', () => {
  test('row 2: registerCASignedProviderCertificate refuses expired, not-yet-valid, short-lived, CA, foreign-key and unchained certificates', () => {
    const { certs, clock } = store();
    certs.identity();
    const now = clock.now();
    const ca = makeCa(now);
    const refused: [string, string, RegExp][] = [
      ['expired', signedForUs(certs, now, ca, { notBefore: now - 30 * DAY, notAfter: now - DAY }), /expired on/],
      ['not yet valid', signedForUs(certs, now, ca, { notBefore: now + DAY, notAfter: now + 30 * DAY }), /not valid before/],
      ['expiring within a day', signedForUs(certs, now, ca, { notAfter: now + 3600_000 }), /in less than 1 day/],
      ['a CA certificate', signedForUs(certs, now, ca, { ca: true }), /CA certificate/],
      ['client-only', signedForUs(certs, now, ca, { eku: ['clientAuth'] }), /serverAuth/],
      ['for another key', makeLeaf(now, ca, { cn: 'x' }).cert, /does not belong to the provider key/],
      ['garbage', 'not a certificate', /not a PEM X.509 certificate/],
    ];
    const before = certs.identity().info.fingerprint256;
    for (const [what, pem, text] of refused) {
      expect({ what, error: (() => { try { certs.installSigned(pem); return 'accepted'; } catch (e) { return e instanceof CertificateError ? e.message : `other: ${e}`; } })() })
        .toEqual({ what, error: expect.stringMatching(text) });
    }
    expect(certs.identity().info.fingerprint256).toBe(before);
    expect(certs.identity().info.source).toBe('generated');
  });

  test('row 2: once CA roots are registered, the provider certificate must be issued and signed by one of them', async () => {
    const { certs, clock } = store();
    certs.identity();
    const now = clock.now();
    const vmca = makeCa(now, 'VMCA');
    await certs.setCas([vmca.pem], []);
    const attacker = makeCa(now, 'Attacker CA');
    expect(() => certs.installSigned(signedForUs(certs, now, attacker))).toThrow(/not issued and signed by a registered CA root/);
    // Same name as the registered root, other key: a forgery.
    const impostor = makeCa(now, 'VMCA', { keys: makeKeys() });
    expect(() => certs.installSigned(signedForUs(certs, now, impostor))).toThrow(/not issued and signed by a registered CA root/);
    const good = signedForUs(certs, now, vmca);
    expect(certs.installSigned(good).source).toBe('ca-signed');
    expect(certs.identity().info.fingerprint256).toBe(new crypto.X509Certificate(good).fingerprint256);
  });

  test('row 2: an expired CA-signed certificate is never served: identity() falls back to a new self-signed one and leaves a Red notice', () => {
    const { certs, clock } = store();
    certs.identity();
    const signed = signedForUs(certs, clock.now(), makeCa(clock.now()), { notAfter: clock.now() + 10 * DAY });
    certs.installSigned(signed);
    expect(certs.identity().info.source).toBe('ca-signed');
    clock.advance(11 * DAY);
    const id = certs.identity();
    expect(id.info.source).toBe('generated');
    expect(id.info.validTo).toBeGreaterThan(clock.now());
    expect(id.renewed).toBe(true);
    expect(certs.takeNotices()).toEqual([{ status: 'Red', message: expect.stringMatching(/CA-signed provider certificate .* expired on .*re-register the provider/) }]);
  });

  test('row 2: the watch renews a generated certificate within warnDays of expiry, reloads it and raises nec.certificate.renewed', () => {
    const { certs, clock } = store({ days: 40 });
    const first = certs.identity().info;
    const { w, alarms, reloads } = watch(certs, clock);
    w.check();
    expect(alarms).toEqual([]);
    clock.advance(15 * DAY); // 25 days left, under 30
    w.check();
    expect(reloads()).toBe(1);
    expect(alarms).toEqual([{ status: 'Yellow', messageId: 'nec.certificate.renewed', message: expect.stringMatching(/due to expire.*re-register the provider/) }]);
    const renewed = certs.identity().info;
    expect(renewed.fingerprint256).not.toBe(first.fingerprint256);
    expect(renewed.validTo).toBeGreaterThan(first.validTo);
    w.check();
    expect(alarms).toHaveLength(1);
    w.stop();
  });

  test('row 2: a CA-signed certificate near expiry raises the expiring alarm at every check; once expired the watch falls back (Red) and reloads', () => {
    const { certs, clock } = store();
    certs.identity();
    certs.installSigned(signedForUs(certs, clock.now(), makeCa(clock.now()), { notAfter: clock.now() + 20 * DAY }));
    const { w, alarms, reloads } = watch(certs, clock);
    w.check();
    w.check();
    expect(alarms.map((a) => [a.status, a.messageId])).toEqual([['Yellow', 'nec.certificate.expiring'], ['Yellow', 'nec.certificate.expiring']]);
    expect(reloads()).toBe(0);
    clock.advance(21 * DAY);
    w.check();
    expect(alarms[2]).toEqual({ status: 'Red', messageId: 'nec.certificate.renewed', message: expect.stringMatching(/expired on .*new self-signed/) });
    expect(reloads()).toBe(1);
    expect(certs.identity().info.source).toBe('generated');
  });

  test('row 2: a configured certificate that has expired stays served (the admin chose it) with a Red expiring alarm', () => {
    const now = START;
    const pair = makeLeaf(now, undefined, { cn: '127.0.0.1', notAfter: now + DAY });
    const dir = tempDir('configured-');
    fs.writeFileSync(path.join(dir, 'p.crt'), pair.cert);
    fs.writeFileSync(path.join(dir, 'p.key'), pair.key);
    const { certs, clock } = store({ certFile: path.join(dir, 'p.crt'), keyFile: path.join(dir, 'p.key') });
    const { w, alarms } = watch(certs, clock);
    w.check();
    expect(alarms.map((a) => a.status)).toEqual(['Yellow']);
    clock.advance(2 * DAY);
    w.check();
    expect(alarms[1]).toMatchObject({ status: 'Red', messageId: 'nec.certificate.expiring', message: expect.stringMatching(/expired on .*replace the configured certificate/) });
    expect(certs.identity().info.source).toBe('configured');
  });

  test('row 2: over TLS, an expired provider certificate is refused by registerCASignedProviderCertificate and the served one stays', async () => {
    const t = await startTestServer();
    try {
      const now = t.fixture.clock.now();
      const c = makeLeaf(now, undefined, { cn: 'vc-row2' });
      const vc = new RawSoap(t.url, c);
      expect((await vc.call('registerVASACertificate', `<vasa:userName>${USER}</vasa:userName><vasa:password>${esc(PASSWORD)}</vasa:password><vasa:newCertificate>${esc(c.cert)}</vasa:newCertificate>`)).status).toBe(200);
      expect((await vc.call('setContext', '<vasa:usageContext><data:vcGuid>vc-row2</data:vcGuid></vasa:usageContext>')).status).toBe(200);
      const expired = signedForUs(t.server.face.certs, now, makeCa(now), { notBefore: now - 20 * DAY, notAfter: now - DAY });
      const r = await vc.call('registerCASignedProviderCertificate', `<vasa:providerCert>${esc(expired)}</vasa:providerCert>`);
      expect(r.status).toBe(500);
      expect(r.body).toContain('<vasa:InvalidCertificate>');
      const served = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: t.port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerCertificate().fingerprint256);
          s.end();
        });
        s.on('error', reject);
      });
      expect(served).toBe(t.server.certificate.fingerprint256);
    } finally {
      await t.close();
    }
  });
});

describe('the trust store at start and in memory', () => {
  test('row 22: a registered certificate stored with its private key by an older version is rewritten with the certificate alone', () => {
    const dir = tempDir('legacy-');
    const leaf = makeLeaf(START, undefined, { cn: 'legacy-vc' });
    const trusted = path.join(dir, 'certs', 'trusted');
    fs.mkdirSync(trusted, { recursive: true });
    const fp = new crypto.X509Certificate(leaf.cert).fingerprint256.replace(/:/g, '').toLowerCase();
    fs.writeFileSync(path.join(trusted, `${fp}.pem`), `${leaf.cert}${leaf.key}`);
    const { log, lines } = captureLogger();
    const certs = new CertificateStore(dir, new ManualClock(START), { names: ['localhost'] });
    watchProviderCertificate({ certs, clock: new ManualClock(START), log, warnDays: 30, intervalMs: 0, raiseAlarm: () => undefined, reload: () => undefined });
    expect(fs.readFileSync(path.join(trusted, `${fp}.pem`), 'utf8')).not.toContain('PRIVATE KEY');
    expect(certs.verifyClient(leaf.cert)).toEqual({ ok: true, fingerprint: fp });
    expect(lines.some((l) => /removed RSA PRIVATE KEY block/.test(l.message))).toBe(true);
  });

  test('row 14: thousands of CA roots left in the folder by an older version: only the cap is loaded, once', () => {
    const dir = tempDir('legacy-');
    const ca = makeCa(START, 'Legacy CA');
    const caDir = path.join(dir, 'certs', 'ca');
    fs.mkdirSync(caDir, { recursive: true });
    for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(caDir, `root-${i}.pem`), ca.pem);
    const certs = new CertificateStore(dir, new ManualClock(START), { names: ['localhost'] });
    expect(certs.cas().roots).toHaveLength(64);
    expect(certs.loadWarnings).toEqual([expect.stringMatching(/only the first 64 of 3000 CA root certificates/)]);
  });

  test('row 14: verifyClient answers from memory until trust changes (trustVersion)', async () => {
    const { certs } = store();
    const leaf = makeLeaf(START, undefined, { cn: 'memo' });
    expect(certs.verifyClient(leaf.cert)).toMatchObject({ ok: false, reason: expect.stringMatching(/not registered/) });
    const v0 = certs.trustVersion;
    certs.trust(leaf.cert);
    expect(certs.trustVersion).toBe(v0 + 1);
    expect(certs.verifyClient(leaf.cert)).toMatchObject({ ok: true });
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) certs.verifyClient(leaf.cert);
    expect(performance.now() - started).toBeLessThan(1000);
    await certs.setCas([makeCa(START).pem], []);
    expect(certs.trustVersion).toBe(v0 + 2);
    expect(certs.untrust(leaf.cert)).toMatch(/^[0-9a-f]{64}$/);
    expect(certs.trustVersion).toBe(v0 + 3);
    expect(certs.verifyClient(leaf.cert)).toMatchObject({ ok: false });
  });

  test('row 14: trusted client certificates are capped too', () => {
    const dir = tempDir('cap-');
    const certs = new CertificateStore(dir, new ManualClock(START), { names: ['localhost'], limits: { maxTrusted: 2 } });
    const keys = makeKeys();
    const [a, b, c] = ['a', 'b', 'c'].map((cn) => makeLeaf(START, undefined, { cn, keys }));
    certs.trust(a.cert);
    certs.trust(b.cert);
    certs.trust(a.cert);
    expect(() => certs.trust(c.cert)).toThrow(/At most 2 client certificates/);
  });
});
