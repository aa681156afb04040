/**
 * The admin API on the provider's real HTTPS server (src/vasa/server.ts, `routers`),
 * against hostile clients: every route refuses without the provider account and with a
 * wrong one (the face's throttled login: lockout per address), before reading a body;
 * with the account, a huge, endless, slow, deep or mistyped body gets a 4xx while
 * another client is answered promptly; the password never reaches the log.
 */
import { adminApi, ROUTES } from '../../src/admin/api';
import { request, slowUpload, timedVersion } from '../helpers/attack';
import { captureLogger, PASSWORD, startTestServer, TestServer, USER } from '../helpers/vasa-server';
import { FakeScheduler, PLAN } from './fake-scheduler';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const GOOD = basic(USER, PASSWORD);

let t: TestServer;
let fake: FakeScheduler;
const captured = captureLogger();

beforeAll(async () => {
  fake = new FakeScheduler();
  const api = adminApi({
    scheduler: () => fake,
    // The face's own throttled login, bound late: the router is made before the server that owns it.
    verify: (remote, user, password) => t.server.face.login.verify(remote, user, password),
    log: captured.log,
    limits: { timeoutMs: 1500 },
  });
  t = await startTestServer({ log: captured.log, server: { routers: [{ path: '/api/v1', router: api }] } });
});
afterAll(async () => {
  await t?.close();
});

/** Every route with its parameters filled in. */
const concrete = ROUTES.map((r) => ({ method: r.method.toUpperCase(), path: `/api/v1${r.path.replace('{id}', r.path.startsWith('/images') ? 'img-1' : '1')}` }));

function api(path: string, o: { method?: string; auth?: string; body?: unknown; localAddress?: string } = {}) {
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  return request(t.port, {
    path, method: o.method ?? 'GET', localAddress: o.localAddress,
    headers: { ...(o.auth ? { Authorization: o.auth } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body,
  });
}

/** A request that declares `declared` bytes and sends only `first`, then waits; resolves on the answer or when the server closes. */
function partialUpload(o: { path: string; declared?: number; chunked?: boolean; first: string; auth?: string; localAddress: string }) {
  return slowUpload(t.port, { ...o, contentType: 'application/json', headers: o.auth ? { Authorization: o.auth } : {} });
}

test('every route refuses a call without the provider account (401, WWW-Authenticate) and does not read its body', async () => {
  for (const r of concrete) {
    const res = await api(r.path, { method: r.method, body: r.method === 'GET' ? undefined : PLAN });
    expect([r.method, r.path, res.status]).toEqual([r.method, r.path, 401]);
    expect(res.headers['www-authenticate']).toBe('Basic realm="vvol-provider", charset="UTF-8"');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'UNAUTHORIZED', error: 'The admin API needs the provider account (HTTP Basic authentication).' });
  }
  // Other schemes and malformed Basic values are no account either.
  for (const auth of ['Bearer abc', 'Basic', 'Basic !!!', `Basic ${'A'.repeat(5000)}`, `Basic ${Buffer.from(USER).toString('base64')}`]) {
    expect((await api('/api/v1/plans', { auth })).status).toBe(401);
  }
  // A body of 50 MB declared, without the account: refused at once, nothing of it waited for.
  const up = partialUpload({ path: '/api/v1/plans', declared: 50 * 1024 * 1024, first: '{"name":', localAddress: '127.0.0.9' });
  const a = await up.answer;
  up.stop();
  expect(a).toMatchObject({ status: 401 });
  expect(fake.calls).toEqual([]);
});

test('every route refuses a wrong account (401); failed logins lock the address out, others keep working', async () => {
  const wrong = basic(USER, `${PASSWORD}x`);
  for (const r of concrete) {
    const res = await api(r.path, { method: r.method, auth: wrong, localAddress: '127.0.0.2' });
    expect([r.method, r.path, res.status]).toEqual([r.method, r.path, 401]);
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
  }
  const unknownUser = await api('/api/v1/plans', { auth: basic('root', PASSWORD), localAddress: '127.0.0.3' });
  expect(JSON.parse(unknownUser.body).error).toBe('The user name or password of the provider account is wrong.');
  // 127.0.0.2 failed far more than 5 times: even the right password is refused for a while, saying when to retry.
  const locked = await api('/api/v1/plans', { auth: GOOD, localAddress: '127.0.0.2' });
  expect(locked.status).toBe(401);
  expect(JSON.parse(locked.body).error).toMatch(/^Too many failed logins from this address: retry in /);
  expect(fake.calls).toEqual([]);
  // The right account from another address is served.
  const ok = await api('/api/v1/plans', { auth: GOOD });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body)).toEqual([]);
  expect(fake.calls.map((c) => c.method)).toEqual(['listPlans']);
});

test('hostile bodies with the account get 4xx while another client is answered promptly', async () => {
  fake.calls.length = 0;
  // A slow upload holds its socket (the deadline ends it), and costs the provider nothing else.
  const slow = partialUpload({ path: '/api/v1/plans', declared: 4000, first: '{"name":"sl', auth: GOOD, localAddress: '127.0.0.4' });
  await new Promise((r) => setTimeout(r, 300));

  const endless = partialUpload({ path: '/api/v1/plans', chunked: true, first: `{"name":"${'x'.repeat(16 * 1024)}`, auth: GOOD, localAddress: '127.0.0.5' });
  const feeding = setInterval(() => { if (!endless.req.destroyed) endless.req.write('y'.repeat(16 * 1024)); }, 5);
  const [declaredHuge, deep, endlessAnswer, version] = await Promise.all([
    partialUpload({ path: '/api/v1/plans', declared: 200 * 1024 * 1024, first: '{', auth: GOOD, localAddress: '127.0.0.6' }).answer,
    request(t.port, { path: '/api/v1/plans', method: 'POST', localAddress: '127.0.0.7', headers: { Authorization: GOOD, 'Content-Type': 'application/json' }, body: `${'['.repeat(30_000)}${']'.repeat(30_000)}` }),
    endless.answer,
    timedVersion(t.port, '127.0.0.8'),
  ]);
  clearInterval(feeding);
  endless.stop();
  expect(declaredHuge).toMatchObject({ status: 413 });
  expect(endlessAnswer).toMatchObject({ status: 413 });
  expect(JSON.parse((endlessAnswer as { body: string }).body)).toMatchObject({ code: 'TOO_LARGE', error: 'body: The request body is larger than 65536 bytes.' });
  expect(deep.status).toBe(400);
  expect(JSON.parse(deep.body).error).toBe('body: is nested deeper than 16 levels.');
  expect(version.status).toBe(200);
  expect(version.ms).toBeLessThan(1000);

  // Wrong types everywhere: a 400 naming a field, every problem listed.
  const typed = await api('/api/v1/plans', { method: 'POST', auth: GOOD, localAddress: '127.0.0.10', body: { name: 1, vms: {}, schedule: [], timeZone: null, retentionDays: '7', extra: true } });
  expect(typed.status).toBe(400);
  expect(JSON.parse(typed.body)).toMatchObject({ code: 'INVALID', field: 'extra', error: 'extra: unknown field.' });
  expect(JSON.parse(typed.body).details.problems).toEqual(expect.arrayContaining(['name: must be a string.', 'vms: must be a list.', 'schedule: must be an object.', 'timeZone: must be a string.', 'retentionDays: must be an integer.']));

  // While the slow upload still waits, a second client with the account is answered at once.
  const started = process.hrtime.bigint();
  const second = await api('/api/v1/plans', { auth: GOOD });
  expect(second.status).toBe(200);
  expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);

  // The slow upload ends at the deadline (408); none of the hostile bodies reached the service.
  const slowAnswer = await slow.answer;
  slow.stop();
  expect(slowAnswer).toMatchObject({ status: 408 });
  expect(fake.calls.map((c) => c.method)).toEqual(['listPlans']);
});

test('the provider account\'s password never reaches the log', () => {
  const text = captured.lines.map((l) => l.message).join('\n');
  expect(text).toContain('admin API: GET /api/v1/plans -> 200');
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(GOOD.slice(6));
});
