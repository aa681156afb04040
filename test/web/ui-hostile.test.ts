/**
 * The management screens against hostile clients, on the real HTTPS server: a huge
 * declared login body, a slow login upload, a huge field, a flood of cookies and a
 * forged session id each get a bounded refusal (or nothing), while a second client is
 * still answered promptly and no session is made.
 */
import { slowUpload, timedVersion } from '../helpers/attack';
import { call, login, PASSWORD, startWebBed, USER, type WebBed } from './setup';

let b: WebBed;
beforeAll(async () => {
  b = await startWebBed({ loginTimeoutMs: 1500 });
});
afterAll(async () => {
  await b?.close();
});

const json = { 'Content-Type': 'application/json' };

/** Another client (another loopback address) is answered within a second. */
async function othersAnswered(): Promise<void> {
  const t = await timedVersion(b.t.port, '127.0.0.1');
  expect(t.status).toBe(200);
  expect(t.ms).toBeLessThan(1000);
}

test('a 50 MB login body is refused from its Content-Length at once, nothing of it read; others are answered', async () => {
  const up = slowUpload(b.t.port, { path: '/ui/login', declared: 50 * 1024 * 1024, contentType: 'application/json', first: '{"user":"', localAddress: '127.0.0.21' });
  const a = await up.answer;
  up.stop();
  expect(a).toMatchObject({ status: 413 });
  await othersAnswered();
  expect(b.sessions.size).toBe(0);
});

test('a slow login upload ends with 408 after the login\'s time cap while another client is answered promptly', async () => {
  const up = slowUpload(b.t.port, { path: '/ui/login', declared: 1000, contentType: 'application/json', first: '{"user":"', localAddress: '127.0.0.22' });
  await othersAnswered();
  const a = await up.answer;
  up.stop();
  expect(a).toMatchObject({ status: 408 });
  expect(b.sessions.size).toBe(0);
});

test('huge fields: over the 4 KiB body cap -> 413; a long user name inside it -> 400 naming the field; no session either way', async () => {
  const big = await call(b.t.port, { path: '/ui/login', method: 'POST', headers: json, body: JSON.stringify({ user: USER, password: 'p'.repeat(100_000) }), localAddress: '127.0.0.23' });
  expect(big.status).toBe(413);
  const long = await call(b.t.port, { path: '/ui/login', method: 'POST', headers: json, body: JSON.stringify({ user: 'u'.repeat(3000), password: PASSWORD }), localAddress: '127.0.0.23' });
  expect([long.status, long.json.field, long.json.error]).toEqual([400, 'user', 'user: must have at most 256 characters.']);
  const deep = await call(b.t.port, { path: '/ui/login', method: 'POST', headers: json, body: '{"user":{"a":{"b":{"c":1}}},"password":"x"}', localAddress: '127.0.0.23' });
  expect(deep.status).toBe(400);
  const notJson = await call(b.t.port, { path: '/ui/login', method: 'POST', headers: json, body: '{"user":', localAddress: '127.0.0.23' });
  expect(notJson.status).toBe(400);
  expect(b.sessions.size).toBe(0);
  await othersAnswered();
});

test('a flood of cookies: only the first 50 are looked at; forged or malformed session ids are nobody', async () => {
  const s = await login(b.t.port);
  const many = Array.from({ length: 1500 }, (_, i) => `c${i}=${'v'.repeat(3)}`).join('; ');
  const started = process.hrtime.bigint();
  const buried = await call(b.t.port, { path: '/ui/session', headers: { Cookie: `${many}; ${s.cookie}` } });
  expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  expect(buried.status).toBe(401);
  expect((await call(b.t.port, { path: '/ui/session', headers: { Cookie: `${s.cookie}; ${many}` } })).status).toBe(200);
  for (const forged of ['vvol_session=', 'vvol_session=../../etc', `vvol_session=${'A'.repeat(43)}`, `vvol_session=${'A'.repeat(5000)}`, 'vvol_session=__proto__']) {
    expect([forged.slice(0, 30), (await call(b.t.port, { path: '/api/v1/vms', headers: { Cookie: forged } })).status]).toEqual([forged.slice(0, 30), 401]);
  }
  await othersAnswered();
});

test('the session store is capped: logins beyond it push the least recently used session out', async () => {
  const first = await login(b.t.port);
  for (let i = 0; i < 200; i++) b.sessions.create(USER);
  expect(b.sessions.size).toBe(200);
  expect((await call(b.t.port, { path: '/ui/session', headers: { Cookie: first.cookie } })).status).toBe(401);
});
