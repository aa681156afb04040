/**
 * Issue 8 row 12: password guessing against the provider account. LoginGuard throttles
 * failed logins per source address by the injected clock, caps concurrent hashes and
 * its table, and logs every failure with the caller's address; the account hashes off
 * the event loop and refuses short new passwords.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ManualClock } from '../../src/array/clock';
import { MIN_PASSWORD_LENGTH, ProviderAccount } from '../../src/config/account';
import { VasaFault } from '../../src/vasa/faults';
import { LoginGuard, LoginGuardOptions } from '../../src/vasa/login-guard';
import { tempDir } from '../helpers/fixture';
import { captureLogger } from '../helpers/vasa-server';

const USER = 'vasaadmin';
const PASSWORD = 'Right-Pass-1';

let dir: string;
let account: ProviderAccount;
beforeAll(() => {
  dir = tempDir('vvol-login-');
  account = ProviderAccount.set(dir, USER, PASSWORD);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function guard(opts: Partial<LoginGuardOptions> = {}, acct: () => ProviderAccount = () => account) {
  const clock = new ManualClock();
  const { log, lines } = captureLogger();
  return { clock, lines, g: new LoginGuard(clock, acct, log, opts) };
}

/** The fault a verify rejects with (or undefined when it resolves). */
async function outcome(p: Promise<void>): Promise<VasaFault | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (!(e instanceof VasaFault)) throw e;
    return e;
  }
}

/** An account whose check is counted and answered by hand (for concurrency and speed). */
function fakeAccount() {
  const pending: ((ok: boolean) => void)[] = [];
  let calls = 0;
  const acct = {
    user: USER,
    verifyAsync: (_u: string, p: string) => {
      calls++;
      if (p === PASSWORD) return Promise.resolve(true);
      if (p === 'hold') return new Promise<boolean>((r) => pending.push(r));
      return Promise.resolve(false);
    },
  } as unknown as ProviderAccount;
  return { acct, pending, calls: () => calls };
}

describe('row 12: failed logins are throttled per source address', () => {
  test('row 12: five failures are free, the 6th attempt is locked out without hashing, even with the right password', async () => {
    const f = fakeAccount();
    const { g, clock } = guard({}, () => f.acct);
    for (let i = 1; i <= 5; i++) {
      const e = await outcome(g.verify('10.0.0.9', USER, `wrong${i}`));
      expect(e?.fault).toBe('InvalidLogin');
      expect(e?.message).toBe('The user name or password of the provider account is wrong.');
    }
    expect(f.calls()).toBe(5);
    const locked = await outcome(g.verify('10.0.0.9', USER, PASSWORD));
    expect(locked?.fault).toBe('InvalidLogin');
    expect(locked?.message).toBe(`Too many failed logins from this address: retry in 1 s (after ${new Date(clock.now() + 1000).toISOString()}).`);
    expect(f.calls()).toBe(5); // not hashed
    // Another address is not affected.
    expect(await outcome(g.verify('10.0.0.10', USER, PASSWORD))).toBeUndefined();
  });

  test('row 12: the lockout doubles with each further failure, up to 15 minutes, and ends by the clock', async () => {
    const f = fakeAccount();
    const { g, clock } = guard({}, () => f.acct);
    for (let i = 0; i < 5; i++) await outcome(g.verify('10.0.0.9', USER, 'wrong'));
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      const until = g.lockedUntil('10.0.0.9') as number;
      waits.push(until - clock.now());
      clock.advance(until - clock.now() - 1);
      expect((await outcome(g.verify('10.0.0.9', USER, PASSWORD)))?.message).toMatch(/^Too many failed logins/);
      clock.advance(1);
      expect((await outcome(g.verify('10.0.0.9', USER, 'wrong')))?.message).toBe('The user name or password of the provider account is wrong.');
    }
    expect(waits.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 16000, 32000]);
    expect(Math.max(...waits)).toBe(15 * 60 * 1000);
    expect(waits.at(-1)).toBe(15 * 60 * 1000);
  });

  test('row 12: a success resets the count: five more failures are free again', async () => {
    const f = fakeAccount();
    const { g, clock } = guard({}, () => f.acct);
    for (let i = 0; i < 5; i++) await outcome(g.verify('10.0.0.9', USER, 'wrong'));
    clock.advance(1000);
    expect(await outcome(g.verify('10.0.0.9', USER, PASSWORD))).toBeUndefined();
    expect(g.lockedUntil('10.0.0.9')).toBeUndefined();
    for (let i = 0; i < 4; i++) await outcome(g.verify('10.0.0.9', USER, 'wrong'));
    expect(g.lockedUntil('10.0.0.9')).toBeUndefined();
    expect(await outcome(g.verify('10.0.0.9', USER, PASSWORD))).toBeUndefined();
  });

  test('row 12: an address quiet for an hour starts afresh', async () => {
    const f = fakeAccount();
    const { g, clock } = guard({}, () => f.acct);
    for (let i = 0; i < 4; i++) await outcome(g.verify('10.0.0.9', USER, 'wrong'));
    clock.advance(60 * 60 * 1000);
    for (let i = 0; i < 4; i++) await outcome(g.verify('10.0.0.9', USER, 'wrong'));
    expect(g.lockedUntil('10.0.0.9')).toBeUndefined();
  });

  test('row 12: "::ffff:" IPv4-mapped addresses count as the IPv4 address', async () => {
    const f = fakeAccount();
    const { g } = guard({}, () => f.acct);
    for (let i = 0; i < 5; i++) await outcome(g.verify(i % 2 ? '::ffff:10.0.0.9' : '10.0.0.9', USER, 'wrong'));
    expect(g.lockedUntil('10.0.0.9')).toBeDefined();
    expect(g.lockedUntil('::ffff:10.0.0.9')).toBeDefined();
  });

  test('row 12: the address table is capped, the least recently failing address dropped first', async () => {
    const f = fakeAccount();
    const { g } = guard({ maxAddresses: 3 }, () => f.acct);
    for (let i = 0; i < 5; i++) await outcome(g.verify('10.0.0.1', USER, 'wrong'));
    expect(g.lockedUntil('10.0.0.1')).toBeDefined();
    for (const a of ['10.0.0.2', '10.0.0.3']) await outcome(g.verify(a, USER, 'wrong'));
    expect(g.trackedAddresses).toBe(3);
    await outcome(g.verify('10.0.0.4', USER, 'wrong'));
    expect(g.trackedAddresses).toBe(3);
    expect(g.lockedUntil('10.0.0.1')).toBeUndefined(); // dropped: the oldest
    for (let i = 0; i < 10_000; i++) await outcome(g.verify(`10.1.${i >> 8}.${i & 255}`, USER, 'wrong'));
    expect(g.trackedAddresses).toBe(3);
  });

  test('row 12: the default table holds at most 10,000 addresses', async () => {
    const f = fakeAccount();
    const { g } = guard({}, () => f.acct);
    for (let i = 0; i < 10_050; i++) await outcome(g.verify(`10.2.${i >> 8}.${i & 255}`, USER, 'wrong'));
    expect(g.trackedAddresses).toBe(10_000);
  });
});

describe('row 12: concurrent password checks are capped', () => {
  test('row 12: a fifth check while four run provider-wide fails fast with "busy, retry"; one address gets one at a time', async () => {
    const f = fakeAccount();
    const { g } = guard({}, () => f.acct);
    const running = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((a) => outcome(g.verify(a, USER, 'hold')));
    expect(f.calls()).toBe(4);
    const busy = await outcome(g.verify('10.0.0.5', USER, PASSWORD));
    expect(busy?.fault).toBe('InvalidLogin');
    expect(busy?.message).toBe('The provider is busy checking other logins; retry in a moment.');
    expect(f.calls()).toBe(4);
    f.pending.shift()?.(true);
    expect(await running[0]).toBeUndefined();
    // One address: a second check while its first runs is refused too.
    expect((await outcome(g.verify('10.0.0.2', USER, PASSWORD)))?.message).toMatch(/busy/);
    expect(await outcome(g.verify('10.0.0.5', USER, PASSWORD))).toBeUndefined();
    for (const r of f.pending.splice(0)) r(false);
    expect((await Promise.all(running.slice(1))).map((e) => e?.fault)).toEqual(['InvalidLogin', 'InvalidLogin', 'InvalidLogin']);
    // "Busy" is not a failure of the address.
    expect(g.trackedAddresses).toBe(3);
  });
});

describe('row 12: failed logins are logged with the address and the user name given', () => {
  test('row 12: each failure at warn with address and (escaped, truncated) user; a lockout start once; no password', async () => {
    const { g, lines } = guard();
    await outcome(g.verify('::ffff:192.0.2.7', 'root', 'guess-one'));
    expect(lines).toEqual([{ level: 'warn', message: 'login: failed provider-account login from 192.0.2.7 as user "root" (1 failed in a row)' }]);
    await outcome(g.verify('192.0.2.7', `x\ny${'z'.repeat(100)}`, 'guess-two'));
    expect(lines[1].message).toBe(`login: failed provider-account login from 192.0.2.7 as user "x\\ny${'z'.repeat(61)}..." (2 failed in a row)`);
    for (let i = 0; i < 3; i++) await outcome(g.verify('192.0.2.7', USER, 'guess-more'));
    const warns = lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warns.filter((m) => m.includes('locked out'))).toEqual(['login: 192.0.2.7 is locked out for 1 s after 5 failed logins in a row']);
    for (let i = 0; i < 20; i++) await outcome(g.verify('192.0.2.7', USER, 'guess-more'));
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(6);
    expect(JSON.stringify(lines)).not.toMatch(/guess/);
  });

  test('row 12: a wrong user and a wrong password give the same answer', async () => {
    const { g } = guard();
    const a = await outcome(g.verify('10.0.0.1', 'nobody', PASSWORD));
    const b = await outcome(g.verify('10.0.0.2', USER, 'Wrong-Pass-1'));
    expect(a?.fault).toBe('InvalidLogin');
    expect({ ...a, stack: undefined, message: a?.message }).toEqual({ ...b, stack: undefined, message: b?.message });
    expect(await outcome(g.verify('10.0.0.3', USER, PASSWORD))).toBeUndefined();
    expect((await outcome(g.verify('10.0.0.3', USER, undefined)))?.fault).toBe('InvalidLogin');
    expect((await outcome(g.verify('10.0.0.3', USER, 'x'.repeat(100_000))))?.fault).toBe('InvalidLogin');
  });
});

describe('row 12: the password hash runs off the event loop', () => {
  test('row 12: while a check runs, the event loop keeps turning (timers fire within a few ms)', async () => {
    const { g } = guard();
    let turns = 0;
    let worst = 0;
    let last = performance.now();
    const t = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
      turns++;
    }, 1);
    const start = performance.now();
    const checks = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((a) => outcome(g.verify(a, USER, PASSWORD)));
    expect(await Promise.all(checks)).toEqual([undefined, undefined, undefined, undefined]);
    const took = performance.now() - start;
    clearInterval(t);
    // Synchronous scrypt held the loop for all four hashes (the worst gap was the whole
    // time); async, timers keep firing while they run.
    expect(turns).toBeGreaterThan(2);
    expect(worst).toBeLessThan(took * 0.8);
  });

  test('row 12: verifyAsync agrees with the stored hash', async () => {
    expect(await account.verifyAsync(USER, PASSWORD)).toBe(true);
    expect(await account.verifyAsync(USER, 'Wrong-Pass-1')).toBe(false);
    expect(await account.verifyAsync('vasaAdmin', PASSWORD)).toBe(false);
  });

  test('row 12: a stored account with a short password keeps working, and the log says once to change it', async () => {
    const old = tempDir('vvol-login-old-');
    try {
      // As an older version wrote it: the same format, a 1-character password.
      ProviderAccount.set(old, USER, 'placeholder-1');
      const file = ProviderAccount.file(old);
      const d = JSON.parse(fs.readFileSync(file, 'utf8')) as { salt: string; n: number; hash: string };
      d.hash = crypto.scryptSync('x', Buffer.from(d.salt, 'base64'), 32, { N: d.n, r: 8, p: 1 }).toString('base64');
      fs.writeFileSync(file, JSON.stringify({ ...d, user: USER }), { mode: 0o600 });
      const loaded = ProviderAccount.load(old) as ProviderAccount;
      const { g, lines } = guard({}, () => loaded);
      expect(await outcome(g.verify('10.0.0.1', USER, 'x'))).toBeUndefined();
      expect(await outcome(g.verify('10.0.0.1', USER, 'x'))).toBeUndefined();
      expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
        `login: the provider account's password is shorter than ${MIN_PASSWORD_LENGTH} characters; set a longer one with \`vvolctl settings -s\``,
      ]);
    } finally {
      fs.rmSync(old, { recursive: true, force: true });
    }
  });
});

describe('row 12: a minimum password length for new accounts', () => {
  test('row 12: ProviderAccount.set refuses a password under 8 characters; 8 is enough', () => {
    const d = tempDir('vvol-login-set-');
    try {
      expect(() => ProviderAccount.set(d, USER, 'a')).toThrow('The password must be at least 8 characters.');
      expect(() => ProviderAccount.set(d, USER, 'Seven!7')).toThrow('The password must be at least 8 characters.');
      expect(ProviderAccount.load(d)).toBeUndefined();
      expect(ProviderAccount.set(d, USER, 'Eight!88').user).toBe(USER);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('row 12: at first start a short VASA_PROVIDER_PASSWORD stops with a message naming it; an existing account is kept', () => {
    const d = tempDir('vvol-login-ensure-');
    try {
      expect(() => ProviderAccount.ensure(d, undefined, 'x', () => undefined)).toThrow(
        'the provider account cannot be created: VASA_PROVIDER_PASSWORD: The password must be at least 8 characters.',
      );
      expect(ProviderAccount.load(d)).toBeUndefined();
      ProviderAccount.set(d, USER, PASSWORD);
      expect(ProviderAccount.ensure(d, undefined, 'x', () => undefined).user).toBe(USER);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

test('credentials found right are not hashed again for a minute (the admin API sends them on every call); a wrong password always is; a changed account forgets them', async () => {
  const { g, clock } = guard({ maxConcurrentHashes: 1, maxConcurrentHashesPerAddress: 1 });
  const spy = jest.spyOn(account, 'verifyAsync');
  await g.verify('192.0.2.7', USER, PASSWORD);
  expect(spy).toHaveBeenCalledTimes(1);
  // Ten parallel calls from one client: none is told the provider is busy, none hashes.
  await Promise.all(Array.from({ length: 10 }, () => g.verify('192.0.2.7', USER, PASSWORD)));
  expect(spy).toHaveBeenCalledTimes(1);
  await expect(g.verify('192.0.2.7', USER, 'Wrong-Pass-1')).rejects.toBeInstanceOf(VasaFault);
  expect(spy).toHaveBeenCalledTimes(2);
  clock.advance(60_001);
  await g.verify('192.0.2.7', USER, PASSWORD);
  expect(spy).toHaveBeenCalledTimes(3);
  spy.mockRestore();
  const other = ProviderAccount.set(tempDir('vvol-login-other-'), USER, 'Other-Pass-9');
  const changed = guard({}, () => other);
  await expect(changed.g.verify('192.0.2.7', USER, PASSWORD)).rejects.toBeInstanceOf(VasaFault);
});
