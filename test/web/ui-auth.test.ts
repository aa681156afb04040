/**
 * The management screens' login, sessions and CSRF protection on the provider's real
 * HTTPS server: the login page is the only thing a stranger gets; a login with the
 * provider account (the face's throttled login guard) makes a session cookie
 * (HttpOnly, Secure, SameSite=Strict, random); every change made with it needs the
 * CSRF token (403 and nothing done otherwise); the session ends when idle by the
 * injected clock, and at logout; security headers on every answer.
 */
import { type BedVm, call, DC, login, makeVm, PASSWORD, run, startWebBed, USER, type WebBed } from './setup';

let b: WebBed;
let web: BedVm;
beforeAll(async () => {
  b = await startWebBed({ idleMs: 10 * 60_000 });
  web = makeVm(b.f, 'web01', 1);
});
afterAll(async () => {
  await b?.close();
});

const port = () => b.t.port;
const get = (path: string, cookie?: string, localAddress?: string) => call(port(), { path, headers: cookie ? { Cookie: cookie } : {}, localAddress });

test('a stranger gets the login page and its assets, nothing else: the screen redirects to the login, data and assets answer 401', async () => {
  const page = await get('/ui/login');
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.body).toContain('<label for="password">Password</label>');
  expect((await get('/ui/login.js')).status).toBe(200);
  expect((await get('/ui/style.css')).status).toBe(200);
  const screen = await get('/ui/');
  expect([screen.status, screen.headers.location]).toEqual([303, '/ui/login']);
  for (const path of ['/ui/app.js', '/ui/api.js', '/ui/vendor/chart.umd.min.js', '/ui/session', '/ui/no-such-file', '/ui/../api/v1/vms']) {
    const r = await get(path);
    expect([path, r.status]).toEqual([path, 401]);
    expect(r.body).not.toContain('web01');
  }
  expect((await get('/api/v1/vms')).status).toBe(401);
  expect((await call(port(), { path: '/ui/anything', method: 'POST' })).status).toBe(401);
});

test('every answer carries the security headers: CSP self-only without inline script, no framing, nosniff, no caching', async () => {
  for (const path of ['/ui/login', '/ui/']) {
    const r = await get(path);
    expect(r.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-store');
  }
  // No inline script anywhere: every <script> names a file.
  const { cookie } = await login(port());
  for (const path of ['/ui/login', '/ui/']) {
    const html = (await get(path, cookie)).body;
    expect(html.match(/<script[^>]*>/g)?.every((s) => / src="[^"]+"/.test(s))).toBe(true);
    expect(html).not.toMatch(/ on[a-z]+="/);
  }
});

test('login with the provider account: a random HttpOnly Secure SameSite=Strict session cookie; the screen, assets, session and API answer', async () => {
  const a = await login(port());
  const b2 = await login(port());
  expect(a.answer.status).toBe(200);
  expect(a.answer.json).toMatchObject({ user: USER, csrf: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  const set = ([] as string[]).concat(a.answer.headers['set-cookie'] ?? [])[0];
  expect(set).toMatch(/^vvol_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  expect(a.cookie).not.toBe(b2.cookie);
  expect(a.csrf).not.toBe(b2.csrf);
  expect((await get('/ui/', a.cookie)).body).toContain('<main id="main"');
  const chart = await get('/ui/vendor/chart.umd.min.js', a.cookie);
  expect([chart.status, chart.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
  expect(chart.body).toContain('Chart');
  expect((await get('/ui/session', a.cookie)).json).toEqual({ user: USER, csrf: a.csrf, idleMs: 10 * 60_000 });
  const vms = await get('/api/v1/vms', a.cookie);
  expect(vms.status).toBe(200);
  expect(vms.json.map((v: { name: string }) => v.name)).toEqual(['web01']);
  // The password never reaches the log.
  expect(b.log.lines.some((l) => l.message.includes(PASSWORD))).toBe(false);
});

test('a wrong password or user is refused with the login guard\'s message and no cookie; repeated failures lock the address out', async () => {
  const wrong = await login(port(), USER, 'nope');
  expect(wrong.answer.status).toBe(401);
  expect(wrong.answer.json).toMatchObject({ code: 'UNAUTHORIZED', error: 'The user name or password of the provider account is wrong.' });
  expect(wrong.answer.headers['set-cookie']).toBeUndefined();
  expect(wrong.answer.headers['www-authenticate']).toBeUndefined();
  const missing = await call(port(), { path: '/ui/login', method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: USER }) });
  expect([missing.status, missing.json.field, missing.json.error]).toEqual([400, 'password', 'password: is missing.']);
  const form = await call(port(), { path: '/ui/login', method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `user=${USER}&password=${PASSWORD}` });
  expect(form.status).toBe(415);
  const foreign = await call(port(), { path: '/ui/login', method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' }, body: JSON.stringify({ user: USER, password: PASSWORD }) });
  expect([foreign.status, foreign.json.code]).toEqual([403, 'FORBIDDEN']);
  // Lockout per address, through the same guard as the VASA face and the admin API.
  const attacker = '127.0.0.7';
  let last;
  for (let i = 0; i < 8; i++) last = await call(port(), { path: '/ui/login', method: 'POST', localAddress: attacker, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: USER, password: `x${i}` }) });
  expect(last?.json.error).toMatch(/^Too many failed logins from this address: retry in /);
  const right = await call(port(), { path: '/ui/login', method: 'POST', localAddress: attacker, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: USER, password: PASSWORD }) });
  expect(right.status).toBe(401);
  expect((await login(port())).answer.status).toBe(200);
});

test('a change with the session cookie needs the CSRF token: missing or wrong -> 403 and nothing done; right -> done', async () => {
  const s = await login(port());
  const backup = (headers: Record<string, string>) => call(port(), { path: `/api/v1/vms/${DC}/web01/backup`, method: 'POST', headers: { Cookie: s.cookie, ...headers } });
  const states = () => b.f.engine.diskBackup(web.data.id).rvs.map((r) => r.state);
  const before = states();
  for (const headers of [{} as Record<string, string>, { 'X-CSRF-Token': '' }, { 'X-CSRF-Token': 'x'.repeat(43) }, { 'X-CSRF-Token': `${s.csrf}x` }]) {
    const r = await backup(headers);
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ code: 'FORBIDDEN', field: 'X-CSRF-Token' });
  }
  // Another session's token is no good either.
  const other = await login(port());
  expect((await backup({ 'X-CSRF-Token': other.csrf })).status).toBe(403);
  expect(states()).toEqual(before);
  // Logout needs it too.
  expect((await call(port(), { path: '/ui/logout', method: 'POST', headers: { Cookie: s.cookie } })).status).toBe(403);
  const ok = await backup({ 'X-CSRF-Token': s.csrf });
  expect(ok.status).toBe(202);
  expect(ok.json.messages).toContain('Success to online backup VM(Datacenter/web01) without keeping consistency.');
  expect(states()).toContain('backing-up');
  run(b.f, 20);
});

test('the session ends after the idle time by the injected clock, and at logout; the cookie is then worth nothing', async () => {
  const s = await login(port());
  b.f.clock.advance(9 * 60_000);
  expect((await get('/ui/session', s.cookie)).status).toBe(200); // used: the idle time starts again
  b.f.clock.advance(9 * 60_000);
  expect((await get('/api/v1/vms', s.cookie)).status).toBe(200);
  b.f.clock.advance(10 * 60_000);
  const gone = await get('/api/v1/vms', s.cookie);
  expect(gone.status).toBe(401);
  // No Basic challenge for a page whose session ended (a browser would pop up its own login box).
  expect(gone.headers['www-authenticate']).toBeUndefined();
  expect(gone.json.error).toMatch(/session has ended/);
  expect((await get('/ui/', s.cookie)).status).toBe(303);

  const t = await login(port());
  const out = await call(port(), { path: '/ui/logout', method: 'POST', headers: { Cookie: t.cookie, 'X-CSRF-Token': t.csrf } });
  expect(out.status).toBe(204);
  expect(([] as string[]).concat(out.headers['set-cookie'] ?? [])[0]).toMatch(/^vvol_session=; .*Max-Age=0$/);
  expect((await get('/ui/session', t.cookie)).status).toBe(401);
  expect((await get('/api/v1/vms', t.cookie)).status).toBe(401);
});

test('HTTP Basic keeps working for the admin API beside the cookie', async () => {
  const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const r = await call(port(), { path: '/api/v1/vms', headers: { Authorization: auth } });
  expect(r.status).toBe(200);
  // A wrong Basic account is not rescued by a live cookie: the header is what counts.
  const s = await login(port());
  const wrong = await call(port(), { path: '/api/v1/vms', headers: { Authorization: `Basic ${Buffer.from(`${USER}:bad`).toString('base64')}`, Cookie: s.cookie } });
  expect(wrong.status).toBe(401);
});
