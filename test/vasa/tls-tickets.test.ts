/**
 * TLS session tickets across a restart (issue 12, S3): the ticket keys live in the data
 * folder, so a host's ticket from before a restart resumes its session after it (no
 * full handshake), the client certificate is still seen on the resumed connection, and
 * keys older than the rotation period are replaced.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import type tls from 'node:tls';
import { ManualClock } from '../../src/array/clock';
import { makeSelfSigned } from '../../src/vasa/certificates';
import { ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from '../../src/vasa/http/connections';
import { DEFAULT_LIMITS } from '../../src/vasa/http/limits';
import { clientCertOf, createTlsServer } from '../../src/vasa/http/tls';
import { TICKET_KEY_BYTES, TICKET_ROTATE_MS, TicketKeys } from '../../src/vasa/http/tls-tickets';
import { isExcludedFile } from '../../src/admin/support/redact';
import { makeClientCert } from '../helpers/vasa-server';
import { tempDir } from '../helpers/fixture';

const identity = makeSelfSigned(['127.0.0.1'], Date.UTC(2020, 0, 1), 25 * 365);
const client = makeClientCert('esx-tickets.example.test');

let dir: string;
const servers: https.Server[] = [];
beforeEach(() => {
  dir = tempDir('tls-tickets-');
});
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); });
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A TLS server of the face's kind answering with the fingerprint of the client certificate it sees. */
async function serve(keys: Buffer | undefined): Promise<number> {
  const s = createTlsServer(identity, DEFAULT_LIMITS, new ConnectionLimits(DEFAULT_CONNECTION_LIMITS), (req, res) => {
    res.end(clientCertOf(req.socket as tls.TLSSocket).fingerprint ?? 'none');
  }, keys);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
}

/** One request on a new connection, offering `session`; what the server saw and whether TLS resumed. */
function get(port: number, session?: Buffer): Promise<{ seen: string; reused: boolean; session?: Buffer }> {
  return new Promise((resolve, reject) => {
    let got: Buffer | undefined;
    // `session` is a tls.connect option, which https.request passes on (its type does not list it).
    const options: https.RequestOptions & Pick<tls.ConnectionOptions, 'session'> = { host: '127.0.0.1', port, path: '/', agent: false, rejectUnauthorized: false, cert: client.cert, key: client.key, session };
    const req = https.request(options, (res) => {
      const sock = res.socket as tls.TLSSocket;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ seen: Buffer.concat(chunks).toString(), reused: sock.isSessionReused(), session: got }));
    });
    req.on('socket', (s) => s.on('session', (sess: Buffer) => { got = sess; }));
    req.on('error', reject);
    req.end();
  });
}

const fingerprint = () => crypto.createHash('sha256').update(new crypto.X509Certificate(client.cert).raw).digest('hex');

test('a ticket from before a restart resumes the session after it, with the client certificate still seen', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 2));
  const before = await serve(TicketKeys.inDataFolder(dir, clock).current());
  const first = await get(before);
  expect(first).toMatchObject({ seen: fingerprint(), reused: false });
  expect(first.session).toBeDefined();
  // "Restart": a new server, keys read back from the data folder.
  const after = await serve(TicketKeys.inDataFolder(dir, clock).current());
  const again = await get(after, first.session);
  expect(again).toMatchObject({ seen: fingerprint(), reused: true });
});

test('without kept keys (a new data folder) the old ticket is not accepted: a full handshake', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 2));
  const first = await get(await serve(TicketKeys.inDataFolder(dir, clock).current()));
  const other = await serve(TicketKeys.inDataFolder(tempDir('tls-tickets-other-'), clock).current());
  expect(await get(other, first.session)).toMatchObject({ seen: fingerprint(), reused: false });
});

test('the keys file: 48 bytes, 0600, a secret the support bundle leaves out; replaced when older than the rotation period', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 2));
  const t = TicketKeys.inDataFolder(dir, clock);
  const k1 = t.current();
  expect(k1.length).toBe(TICKET_KEY_BYTES);
  expect(fs.statSync(t.file).mode & 0o777).toBe(0o600);
  expect(isExcludedFile(t.file)).toBe(true);
  expect(path.relative(dir, t.file)).toBe(path.join('certs', 'tls-tickets.key'));
  // Read back as they are while young enough, by a restarted provider too.
  clock.advance(TICKET_ROTATE_MS - 1);
  expect(t.rotateIfDue()).toBeUndefined();
  expect(TicketKeys.inDataFolder(dir, clock).current().equals(k1)).toBe(true);
  clock.advance(1);
  const k2 = t.rotateIfDue();
  expect(k2 && !k2.equals(k1)).toBe(true);
  expect(TicketKeys.inDataFolder(dir, clock).current().equals(k2 as Buffer)).toBe(true);
  // A stale file at start, or a damaged one: new keys.
  clock.advance(TICKET_ROTATE_MS);
  expect(TicketKeys.inDataFolder(dir, clock).current().equals(k2 as Buffer)).toBe(false);
  fs.writeFileSync(t.file, '{"createdAt": 1, "keys": "c2hvcnQ="}');
  expect(TicketKeys.inDataFolder(dir, clock).current().length).toBe(TICKET_KEY_BYTES);
});
