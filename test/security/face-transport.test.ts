/**
 * Issue 8, no work for strangers: bodies are read under caps and a deadline before any
 * parsing and hold no admission slot meanwhile; connections are capped per address and
 * the TLS handshake has a deadline; every list argument is bounded by maxBatchSize;
 * TLS 1.2 offers only forward-secret AEAD suites; /health is closed to strangers.
 * Each attack is measured by a second client: its GET /version.xml must be answered
 * within 1 s while the attack runs.
 */
import https from 'node:https';
import tls from 'node:tls';
import { closed, idleSocket, request, slowUpload, timedVersion } from '../helpers/attack';
import { ClientCert, esc, makeClientCert, PASSWORD, RawSoap, soapEnvelope, startTestServer, TestServer, USER } from '../helpers/vasa-server';

const ATTACKER = '127.0.0.2';
const faultOf = (body: string) => /<vasa:([A-Za-z]+)><vasa:\1 xsi:type="fault:\1"/.exec(body)?.[1];
const register = (c: ClientCert) => `<vasa:userName>${USER}</vasa:userName><vasa:password>${esc(PASSWORD)}</vasa:password><vasa:newCertificate>${esc(c.cert)}</vasa:newCertificate>`;

async function vcenter(t: TestServer): Promise<RawSoap> {
  const cert = makeClientCert('vcenter.transport.test');
  const raw = new RawSoap(t.url, cert);
  expect((await raw.call('registerVASACertificate', register(cert))).status).toBe(200);
  expect((await raw.call('setContext', '<vasa:usageContext><data:vcGuid>vc-transport</data:vcGuid></vasa:usageContext>')).status).toBe(200);
  return raw;
}

describe('bodies and admission', () => {
  let t: TestServer;
  let vc: RawSoap;
  beforeAll(async () => {
    t = await startTestServer({ server: { limits: { connections: { total: 4096, perAddress: 512 } } } });
    vc = await vcenter(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('row 9: 100 anonymous slow uploads hold no admission slot; vCenter\'s calls and version.xml are answered promptly', async () => {
    const uploads = Array.from({ length: 100 }, () => slowUpload(t.port, { declared: 1_000_000, localAddress: ATTACKER }));
    try {
      // Every upload's headers have arrived once the provider counts their connections.
      for (let i = 0; i < 500 && t.server.connections.stats().open < 101; i++) await new Promise((r) => setImmediate(r));
      expect(t.server.admission.stats().running).toBe(0);
      for (let i = 0; i < 5; i++) {
        const v = await timedVersion(t.port);
        expect(v.status).toBe(200);
        expect(v.ms).toBeLessThan(1000);
        const started = Date.now();
        const q = await vc.call('queryArrays');
        expect(q.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(1000);
      }
    } finally {
      for (const u of uploads) u.stop();
    }
  });

  test('row 9: a declared 100 GB body gets 413 before a byte is read, with or without a session', async () => {
    const anon = await request(t.port, { path: '/vasa/services/vasaService', method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Length': String(100 * 1024 ** 3) }, localAddress: ATTACKER, body: '<' });
    expect(anon.status).toBe(413);
    expect(anon.body).toMatch(/larger than/);
  });

  test('row 9: an anonymous body over its small cap gets 413 unparsed', async () => {
    const big = soapEnvelope(`<vasa:registerVASACertificate><vasa:userName>${'x'.repeat(2 * 1024 * 1024)}</vasa:userName></vasa:registerVASACertificate>`);
    const r = await request(t.port, { path: '/vasa/services/vasaService', method: 'POST', headers: { 'Content-Type': 'text/xml', SOAPAction: '"urn:registerVASACertificate"' }, body: big, localAddress: ATTACKER });
    expect(r.status).toBe(413);
  });

  test('row 15: queryArrays with 100,000 ids (7 MB) is refused without building an answer; the provider stays responsive', async () => {
    const ids = '<vasa:arrayUniqueId>StorageArray:00255CDB05310000</vasa:arrayUniqueId>'.repeat(100_000);
    const pending = vc.call('queryArrays', ids);
    const v = await timedVersion(t.port);
    const r = await pending;
    expect(v.ms).toBeLessThan(1000);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body).toMatch(/Fault/);
    expect(r.body.length).toBeLessThan(10_000);
  });

  test('row 15: maxBatchSize bounds every list, queries too, before decoding (InvalidArgument, or TooMany where the WSDL lists it)', async () => {
    const ids = '<vasa:arrayUniqueId>StorageArray:00255CDB05310000</vasa:arrayUniqueId>'.repeat(5000);
    const r = await vc.call('queryArrays', ids);
    expect(r.status).toBe(500);
    expect(faultOf(r.body)).toBe('InvalidArgument');
    expect(r.body).toMatch(/At most 64 arrayUniqueId per call \(got 5000\)/);
    const bind = await vc.call('bindVirtualVolume', `${'<vasa:vvolId>naa.65cdb050000000005cdb05310000ffff</vasa:vvolId>'.repeat(65)}<vasa:bindContext>0</vasa:bindContext>`);
    expect(faultOf(bind.body)).toBe('TooMany');
    // 64 is still a batch (whatever the handler then says of these ids).
    expect((await vc.call('queryArrays', '<vasa:arrayUniqueId>StorageArray:00255CDB05310000</vasa:arrayUniqueId>'.repeat(64))).body).not.toMatch(/At most/);
  });

  test('a session call refused before its body is read when the action needs a session (no parse for strangers)', async () => {
    const r = await request(t.port, {
      path: '/vasa/services/vasaService', method: 'POST', localAddress: ATTACKER,
      headers: { 'Content-Type': 'text/xml', SOAPAction: '"urn:deleteVirtualVolume"', 'Content-Length': '1000000' }, body: '<',
    });
    expect(r.status).toBe(500);
    expect(faultOf(r.body)).toBe('InvalidSession');
    expect(r.headers.connection).toBe('close');
  });
});

describe('a body that does not arrive in time', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ server: { limits: { bodyTimeoutMs: 300 } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('row 9: a slow upload is answered 408 at its deadline and its connection closed', async () => {
    const u = slowUpload(t.port, { declared: 10_000, localAddress: ATTACKER });
    const a = await u.answer;
    u.stop();
    expect(a).toEqual(expect.objectContaining({ status: 408 }));
  });
});

describe('connections', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ server: { limits: { handshakeTimeoutMs: 500, connections: { total: 4096, perAddress: 64 } } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('row 11: 1,000 TCP connections from one address that never start TLS: at most 64 are held at once, the rest closed at once, and the held ones at the handshake deadline; others are served meanwhile', async () => {
    const sockets = await Promise.all(Array.from({ length: 1000 }, () => idleSocket(t.port, ATTACKER)));
    try {
      const v = await timedVersion(t.port);
      expect(v.status).toBe(200);
      expect(v.ms).toBeLessThan(1000);
      // Refused at once when over the cap (how many depends on how fast the handshake deadline frees places).
      expect(t.server.connections.stats().refused).toBeGreaterThan(0);
      expect(t.server.connections.stats().peakPerAddress).toBeLessThanOrEqual(64);
      await Promise.all(sockets.map(closed));
      // The server's side of each socket closes a moment after the client's.
      for (let i = 0; i < 1000 && t.server.connections.stats().open > 1; i++) await new Promise((r) => setTimeout(r, 5));
      expect(t.server.connections.stats().open).toBeLessThanOrEqual(1);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});

describe('TLS and /health', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  const handshake = (o: tls.ConnectionOptions) => new Promise<string>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: t.port, rejectUnauthorized: false, ...o }, () => {
      const c = s.getCipher().name;
      s.destroy();
      resolve(c);
    });
    s.on('error', () => resolve('refused'));
  });

  test('row 21: TLS 1.2 offers only ECDHE with AEAD suites', async () => {
    for (const ciphers of ['AES128-SHA', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES128-GCM-SHA256']) {
      expect({ ciphers, got: await handshake({ maxVersion: 'TLSv1.2', ciphers }) }).toEqual({ ciphers, got: 'refused' });
    }
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).toBe('ECDHE-RSA-AES128-GCM-SHA256');
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toMatch(/^ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
    expect(await handshake({ maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).toBe('refused');
  });

  test('row 25: /health is readable from this machine; ?reset=1 needs the provider account', async () => {
    const plain = await request(t.port, { path: '/health' });
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body).status).toBe('ok');
    const reset = await request(t.port, { path: '/health?reset=1' });
    expect(reset.status).toBe(401);
    expect(reset.headers['www-authenticate']).toMatch(/^Basic/);
    const wrong = await request(t.port, { path: '/health?reset=1', headers: { Authorization: `Basic ${Buffer.from(`${USER}:nope-nope`).toString('base64')}` } });
    expect(wrong.status).toBe(401);
    const right = await request(t.port, { path: '/health?reset=1', headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } });
    expect(right.status).toBe(200);
  });
});

void https;
