/**
 * The session store and the cookie reader on their own: ids and tokens are random and
 * well-formed, idle and absolute expiry follow the injected clock, the cap drops the
 * least recently used, and the cookie reader looks at a bounded number of cookies.
 */
import { ManualClock } from '../../src/array/clock';
import { cookieValue, MAX_COOKIES, setCookie } from '../../src/web/cookies';
import { SessionStore } from '../../src/web/sessions';

test('a session lives while used within the idle time, and never beyond its maximum age', () => {
  const clock = new ManualClock();
  const store = new SessionStore(clock, { idleMs: 60_000, maxAgeMs: 5 * 60_000 });
  const s = store.create('admin');
  expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(s.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(s.csrf).not.toBe(s.id);
  // Used every 50 s (never idle for a minute): alive until 5 minutes after the login.
  for (let i = 0; i < 5; i++) {
    clock.advance(50_000);
    expect(store.get(s.id)?.user).toBe('admin');
  }
  clock.advance(50_000);
  expect(store.get(s.id)).toBeUndefined();
  expect(store.size).toBe(0);
  const idle = store.create('admin');
  clock.advance(60_000);
  expect(store.get(idle.id)).toBeUndefined();
});

test('ids that are not ours are nobody, whatever their shape; end() and clear() end sessions', () => {
  const store = new SessionStore(new ManualClock());
  const s = store.create('admin');
  for (const id of [undefined, '', 'x', `${s.id}x`, s.id.toLowerCase() === s.id ? `${s.id.slice(0, -1)}!` : s.id.toLowerCase(), '__proto__', 'constructor']) {
    expect(store.get(id)).toBeUndefined();
  }
  expect(store.get(s.id)).toBe(s);
  store.end(s.id);
  expect(store.get(s.id)).toBeUndefined();
  const t = store.create('admin');
  store.clear();
  expect(store.get(t.id)).toBeUndefined();
});

test('a change of the provider account ends every session made under the old one', () => {
  let account = { user: 'admin' };
  const store = new SessionStore(new ManualClock(), {}, () => account);
  const old = store.create('admin');
  expect(store.get(old.id)).toBe(old);
  account = { user: 'admin' }; // a new password: a new account object
  expect(store.get(old.id)).toBeUndefined();
  const fresh = store.create('admin');
  expect(store.get(fresh.id)).toBe(fresh);
});

test('the cap drops the least recently used session first', () => {
  const store = new SessionStore(new ManualClock(), { maxSessions: 3 });
  const [a, b, c] = [store.create('u'), store.create('u'), store.create('u')];
  expect(store.get(a.id)).toBe(a); // a is now the most recently used
  store.create('u');
  expect(store.get(b.id)).toBeUndefined();
  expect(store.get(a.id)).toBe(a);
  expect(store.get(c.id)).toBe(c);
});

test('cookies: the named one among others; only the first MAX_COOKIES are looked at; Set-Cookie carries every flag', () => {
  expect(cookieValue('a=1; vvol_session=abc; b=2', 'vvol_session')).toBe('abc');
  expect(cookieValue('vvol_session=first; vvol_session=second', 'vvol_session')).toBe('first');
  expect(cookieValue('xvvol_session=1', 'vvol_session')).toBeUndefined();
  expect(cookieValue(undefined, 'vvol_session')).toBeUndefined();
  const filler = Array.from({ length: MAX_COOKIES }, (_, i) => `c${i}=v`).join('; ');
  expect(cookieValue(`${filler}; vvol_session=late`, 'vvol_session')).toBeUndefined();
  expect(setCookie('vvol_session', 'abc')).toBe('vvol_session=abc; Path=/; HttpOnly; Secure; SameSite=Strict');
  expect(setCookie('vvol_session', '', { maxAge: 0 })).toBe('vvol_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0');
});
