/**
 * Issue 8 row 12 over real TLS: an attacker guessing the provider account's password
 * from one address is throttled, logged with its address, and does not slow anyone
 * else: another client's version.xml is answered within 1 s throughout, and a
 * legitimate registerVASACertificate from another address succeeds at once. Loopback
 * clients bind 127.0.0.2 / 127.0.0.3 (Linux routes all of 127.0.0.0/8) to be two
 * addresses.
 */
import https from 'node:https';
import { makeSelfSigned } from '../../src/vasa/certificates';
import {
  captureLogger, ClientCert, esc, PASSWORD, RawResponse, soapEnvelope, startTestServer, TestServer, textOf, USER,
} from '../helpers/vasa-server';

let t: TestServer;
let logged: { level: string; message: string }[];

beforeAll(async () => {
  const c = captureLogger();
  logged = c.lines;
  t = await startTestServer({ log: c.log });
});
afterAll(async () => {
  await t?.close();
});

/** One HTTPS request from a chosen local (source) address. */
function requestFrom(localAddress: string, path: string, o: { body?: string; cert?: ClientCert } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: t.port, path, localAddress, method: o.body === undefined ? 'GET' : 'POST',
      headers: o.body === undefined ? {} : { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '"urn:registerVASACertificate"' },
      rejectUnauthorized: false, cert: o.cert?.cert, key: o.cert?.key, agent: false, timeout: 20_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

const servicePath = () => new URL(t.url).pathname;

/** A self-signed client certificate valid at the server's (manual) time. */
function clientCert(name: string): ClientCert {
  const { key, cert } = makeSelfSigned([name], t.fixture.clock.now() - 60_000, 30);
  return { key, cert, certFile: '', keyFile: '' };
}

function register(from: string, cert: ClientCert, password: string): Promise<RawResponse> {
  const body = soapEnvelope(`<vasa:registerVASACertificate><vasa:userName>${USER}</vasa:userName><vasa:password>${esc(password)}</vasa:password><vasa:newCertificate>${esc(cert.cert)}</vasa:newCertificate></vasa:registerVASACertificate>`);
  return requestFrom(from, servicePath(), { body, cert });
}

test('row 12: 20 wrong passwords from one address are throttled and logged with it; version.xml stays fast; another address registers at once', async () => {
  const attacker = clientCert('attacker.example.test');
  const vcenter = clientCert('vcenter.example.test');

  // What a good registration costs on this machine now, without an attack (scrypt and a
  // handshake take longer on a loaded machine): the measure of "at once" below.
  const quiet = performance.now();
  expect((await register('127.0.0.4', clientCert('quiet.example.test'), PASSWORD)).status).toBe(200);
  const quietMs = performance.now() - quiet;

  // A second client polls version.xml all through the attack.
  let attacking = true;
  const latencies: number[] = [];
  const poller = (async () => {
    while (attacking) {
      const start = performance.now();
      const r = await requestFrom('127.0.0.1', '/version.xml');
      latencies.push(performance.now() - start);
      expect(r.status).toBe(200);
    }
  })();

  const answers: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await register('127.0.0.2', attacker, `Guess-${i}-wrong`);
    expect(r.status).toBe(500);
    expect(r.body).toContain('InvalidLogin');
    answers.push(textOf(r.body, 'faultstring') ?? '');
  }
  // And a burst at once: refused fast (busy or locked out), never queued.
  const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => register('127.0.0.2', attacker, `Burst-${i}-wrong`)));
  attacking = false;
  await poller;

  expect(answers.slice(0, 5)).toEqual(Array(5).fill('The user name or password of the provider account is wrong.'));
  for (const a of answers.slice(5)) expect(a).toMatch(/^Too many failed logins from this address: retry in 1 s/);
  for (const r of burst) expect(r.body).toContain('InvalidLogin');
  expect(latencies.length).toBeGreaterThan(0);
  expect(Math.max(...latencies)).toBeLessThan(1000);

  // Another address is not locked out and is answered promptly.
  const start = performance.now();
  const ok = await register('127.0.0.3', vcenter, PASSWORD);
  expect(performance.now() - start).toBeLessThan(Math.max(1000, 3 * quietMs));
  expect(ok.status).toBe(200);
  expect(ok.body).toContain('registerVASACertificateResponse');

  const warns = logged.filter((l) => l.level === 'warn').map((l) => l.message);
  expect(warns.filter((m) => m.startsWith('login: failed provider-account login from 127.0.0.2 as user "vasaadmin"'))).toHaveLength(5);
  expect(warns.filter((m) => m.includes('locked out'))).toEqual(['login: 127.0.0.2 is locked out for 1 s after 5 failed logins in a row']);
  expect(JSON.stringify(logged)).not.toMatch(/Guess-|Burst-/);
});
