/**
 * Checks of the provider account carried in a request (registerVASACertificate,
 * registerCACertificatesAndCRLs), hardened against password guessing (issue 8 row 12):
 *
 * - The hash runs on libuv's thread pool (ProviderAccount.verifyAsync), and only a few
 *   at a time provider-wide, fewer per address: a flood of attempts gets a quick
 *   "busy" refusal instead of queueing scrypt work (16 MiB and ~50 ms each) that would
 *   fill the thread pool, which file I/O and DNS share.
 * - Failed logins are counted per source address: the first `freeFailures` cost
 *   nothing, then each failure locks the address out for a time that doubles (1 s,
 *   2 s, 4 s ... up to 15 min). While locked out the password is not even hashed. A
 *   success forgets the address; so does a quiet hour.
 * - The table of addresses is capped, the least recently failing dropped first, so a
 *   spray from many addresses costs bounded memory.
 * - Every failure is logged at warn with the address and the user name given; the start
 *   of a lockout once. Attempts refused while locked out or busy are logged at debug
 *   only, so an attacker cannot flood the log.
 *
 * The answers never tell whether the user name exists: a wrong user and a wrong
 * password give the same fault and text. Time comes from the injected clock, so tests
 * move through lockouts by hand.
 */
import crypto from 'node:crypto';
import type { Clock } from '../array/clock';
import { MIN_PASSWORD_LENGTH, ProviderAccount } from '../config/account';
import type { Logger } from '../log/logger';
import { VasaFault } from './faults';
import { plainAddress } from './http/connections';

export interface LoginGuardOptions {
  /** Failed logins from one address before it is locked out. */
  freeFailures: number;
  /** The first lockout, ms; each further failure doubles it. */
  baseLockoutMs: number;
  /** The longest lockout, ms. */
  maxLockoutMs: number;
  /** An address with no failure for this long starts afresh, ms. */
  forgetAfterMs: number;
  /** Addresses remembered at once; the least recently failing is dropped past it. */
  maxAddresses: number;
  /**
   * Password hashes computed at once, provider-wide: at most libuv's default pool of 4
   * threads, so a flood never queues hashes behind one another (or file I/O behind them).
   */
  maxConcurrentHashes: number;
  /** Password hashes computed at once for one address. */
  maxConcurrentHashesPerAddress: number;
}

export const DEFAULT_LOGIN_GUARD_OPTIONS: LoginGuardOptions = {
  freeFailures: 5,
  baseLockoutMs: 1000,
  maxLockoutMs: 15 * 60 * 1000,
  forgetAfterMs: 60 * 60 * 1000,
  maxAddresses: 10_000,
  maxConcurrentHashes: 4,
  maxConcurrentHashesPerAddress: 1,
};

/** A password longer than this cannot be the account's (L12: 255) and is not hashed. */
const MAX_PASSWORD_CHARS = 255;
/** How much of a given user name goes into the log. */
const LOGGED_USER_CHARS = 64;

const WRONG = 'The user name or password of the provider account is wrong.';

interface AddressState {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

/** The address a throttle entry is kept under: the connection's, IPv4 without its IPv6-mapped prefix. */
const addressOf = (remoteAddress: string | undefined): string => plainAddress(remoteAddress) ?? 'unknown';

/** A user name as logged: quoted, truncated (control characters are escaped by the logger). */
function shownUser(user: unknown): string {
  if (typeof user !== 'string') return '(none)';
  const cut = user.length > LOGGED_USER_CHARS ? `${user.slice(0, LOGGED_USER_CHARS)}...` : user;
  return JSON.stringify(cut);
}

function seconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.ceil(s / 60)} min`;
}

/** How long (ms, by the clock) credentials just found right are taken without hashing them again. */
export const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 64;

export class LoginGuard {
  private readonly o: LoginGuardOptions;
  /** Failing addresses, least recently failing first (Map keeps insertion order). */
  private readonly table = new Map<string, AddressState>();
  private readonly inFlight = new Map<string, number>();
  private hashing = 0;
  private warnedShortPassword?: ProviderAccount;
  private readonly cacheKey = crypto.randomBytes(32);
  private readonly verified = new Map<string, number>();
  private verifiedFor?: ProviderAccount;

  constructor(
    private readonly clock: Clock,
    private readonly account: () => ProviderAccount,
    private readonly log: Logger,
    readonly opts: Partial<LoginGuardOptions> = {},
  ) {
    this.o = { ...DEFAULT_LOGIN_GUARD_OPTIONS, ...opts };
  }

  /** Addresses remembered now (for tests and the status page). */
  get trackedAddresses(): number {
    return this.table.size;
  }

  /** When `remoteAddress` may try again (ms, by the clock), or undefined when it may now. */
  lockedUntil(remoteAddress: string | undefined): number | undefined {
    const s = this.current(addressOf(remoteAddress), this.clock.now());
    return s && s.lockedUntil > this.clock.now() ? s.lockedUntil : undefined;
  }

  /**
   * Resolves when user and password are the provider account's; rejects with the
   * InvalidLogin fault otherwise, while the address is locked out (saying when to
   * retry), and when too many checks are running (saying to retry).
   */
  async verify(remoteAddress: string | undefined, user: unknown, password: unknown): Promise<void> {
    const address = addressOf(remoteAddress);
    const now = this.clock.now();
    const state = this.current(address, now);
    if (state && state.lockedUntil > now) {
      this.log.debug(`login: refused an attempt from ${address} while it is locked out`);
      throw this.lockedFault(state.lockedUntil, now);
    }
    const mine = this.inFlight.get(address) ?? 0;
    if (this.hashing >= this.o.maxConcurrentHashes || mine >= this.o.maxConcurrentHashesPerAddress) {
      this.log.debug(`login: refused an attempt from ${address}: ${this.hashing} password checks running`);
      throw new VasaFault('InvalidLogin', 'The provider is busy checking other logins; retry in a moment.', {}, true);
    }
    let ok = false;
    if (typeof user === 'string' && typeof password === 'string' && password.length <= MAX_PASSWORD_CHARS) {
      const account = this.account();
      if (this.recentlyVerified(account, user, password, now)) return;
      this.hashing++;
      this.inFlight.set(address, mine + 1);
      try {
        ok = await account.verifyAsync(user, password);
      } finally {
        this.hashing--;
        const left = (this.inFlight.get(address) ?? 1) - 1;
        if (left > 0) this.inFlight.set(address, left);
        else this.inFlight.delete(address);
      }
      if (ok) {
        this.succeeded(address, account, password);
        this.remember(account, user, password);
      }
    }
    if (!ok) this.failed(address, user);
  }

  /**
   * Credentials found right a moment ago are not hashed again for VERIFIED_TTL_MS: the
   * admin API (HTTP Basic) carries them on every request, and a client's parallel calls
   * would otherwise queue on scrypt or be told the provider is busy. Kept per account
   * object (a changed account drops them all) as an HMAC under a key of this process,
   * never the password; a wrong password always takes the throttled path.
   */
  private recentlyVerified(account: ProviderAccount, user: string, password: string, now: number): boolean {
    if (this.verifiedFor !== account) {
      this.verifiedFor = account;
      this.verified.clear();
      return false;
    }
    const key = this.credentialKey(user, password);
    const until = this.verified.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.verified.delete(key);
    return false;
  }

  private remember(account: ProviderAccount, user: string, password: string): void {
    if (this.verifiedFor !== account) {
      this.verifiedFor = account;
      this.verified.clear();
    }
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(this.credentialKey(user, password), this.clock.now() + VERIFIED_TTL_MS);
  }

  private credentialKey(user: string, password: string): string {
    return crypto.createHmac('sha256', this.cacheKey).update(user).update('\0').update(password).digest('base64');
  }

  /** The address's state, forgotten when it has been quiet long enough. */
  private current(address: string, now: number): AddressState | undefined {
    const s = this.table.get(address);
    if (s && now - s.lastFailure >= this.o.forgetAfterMs && now >= s.lockedUntil) {
      this.table.delete(address);
      return undefined;
    }
    return s;
  }

  private succeeded(address: string, account: ProviderAccount, password: string): void {
    this.table.delete(address);
    // An account set before the minimum length keeps working; the operator is told once.
    if (password.length < MIN_PASSWORD_LENGTH && this.warnedShortPassword !== account) {
      this.warnedShortPassword = account;
      this.log.warn(`login: the provider account's password is shorter than ${MIN_PASSWORD_LENGTH} characters; set a longer one with \`vvolctl settings -s\``);
    }
  }

  private failed(address: string, user: unknown): never {
    // Counted when the answer is known: time moved on while the hash ran.
    const now = this.clock.now();
    const s = this.current(address, now) ?? { failures: 0, lastFailure: now, lockedUntil: 0 };
    s.failures++;
    s.lastFailure = now;
    // Re-inserting moves the address to the end: the oldest failures are dropped first.
    this.table.delete(address);
    this.table.set(address, s);
    while (this.table.size > this.o.maxAddresses) {
      const oldest = this.table.keys().next().value as string;
      this.table.delete(oldest);
    }
    this.log.warn(`login: failed provider-account login from ${address} as user ${shownUser(user)} (${s.failures} failed in a row)`);
    const over = s.failures - this.o.freeFailures;
    if (over >= 0) {
      const ms = Math.min(this.o.baseLockoutMs * 2 ** Math.min(over, 40), this.o.maxLockoutMs);
      s.lockedUntil = now + ms;
      this.log.warn(`login: ${address} is locked out for ${seconds(ms)} after ${s.failures} failed logins in a row`);
    }
    throw new VasaFault('InvalidLogin', WRONG, {}, true);
  }

  private lockedFault(until: number, now: number): VasaFault {
    return new VasaFault('InvalidLogin', `Too many failed logins from this address: retry in ${seconds(until - now)} (after ${new Date(until).toISOString()}).`, {}, true);
  }
}
