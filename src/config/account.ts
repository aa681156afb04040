/**
 * The provider account vCenter registers with (L12): user name and password, up to
 * 255 characters each, case-sensitive, letters, digits and the manual's symbols, no
 * spaces; a new password has at least 8 characters (issue 8 row 12: a 1-character one
 * was accepted). Stored as a salted scrypt hash in <data>/provider-account.json (0600);
 * the password itself is never written anywhere except, for a generated one, once to
 * <data>/initial-password.
 *
 * The VASA face checks passwords with verifyAsync (through src/vasa/login-guard.ts):
 * scrypt costs ~50 ms of CPU and 16 MiB, and done synchronously it stalled every other
 * call for that long per login attempt.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../sys/atomic-file';
import { readConfigFile, ConfigReadError } from './safe-read';
import { DATA_NAMES } from '../sys/layout';

const ALLOWED = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,255}$/;
export const ACCOUNT_FILE = DATA_NAMES.account;
export const INITIAL_PASSWORD_FILE = DATA_NAMES.initialPassword;
/** Shortest password a new account may have. Stored accounts with a shorter one keep working. */
export const MIN_PASSWORD_LENGTH = 8;

/** L12: why a user name or password is not acceptable, or undefined when it is. */
export function credentialProblem(what: 'user name' | 'password', value: string): string | undefined {
  if (value.length === 0) return `The ${what} must not be empty.`;
  if (what === 'password' && value.length < MIN_PASSWORD_LENGTH) return `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (value.length > 255) return `The ${what} must be at most 255 characters.`;
  if (/\s/.test(value)) return `The ${what} must not contain spaces.`;
  if (!ALLOWED.test(value)) return `The ${what} may contain only letters, digits and the symbols ! " # $ % & ' ( ) * + , - . / : ; < = > ? @ [ \\ ] ^ _ \` { | } ~.`;
  return undefined;
}

interface AccountFile {
  user: string;
  salt: string;
  hash: string;
  n: number;
}

const KEY_LENGTH = 32;
const scryptOptions = (n: number): crypto.ScryptOptions => ({ N: n, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });

/** Synchronous: only set() uses it, in the CLI and at first start, where nothing else waits. */
function hash(password: string, salt: Buffer, n: number): Buffer {
  return crypto.scryptSync(password, salt, KEY_LENGTH, scryptOptions(n));
}

/** scrypt on libuv's thread pool: the event loop goes on serving while it runs. */
function hashAsync(password: string, salt: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password, salt, KEY_LENGTH, scryptOptions(n), (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const digest = (s: string): Buffer => crypto.createHash('sha256').update(s).digest();

export class ProviderAccount {
  private constructor(private readonly data: AccountFile) {}

  get user(): string {
    return this.data.user;
  }

  static file(dataDir: string): string {
    return path.join(dataDir, ACCOUNT_FILE);
  }

  /**
   * The stored account, or undefined when there is none. The file is read only when it
   * is a regular file of its own (no link), and errors never quote its content.
   */
  static load(dataDir: string): ProviderAccount | undefined {
    const f = ProviderAccount.file(dataDir);
    let text: string;
    try {
      text = readConfigFile(f);
    } catch (e) {
      if (e instanceof ConfigReadError && e.problem === 'missing') return undefined;
      throw e;
    }
    let d: Partial<AccountFile>;
    try {
      d = JSON.parse(text) as Partial<AccountFile>;
    } catch {
      throw new Error(`${f} is damaged (not JSON): set the account again.`);
    }
    if (typeof d !== 'object' || d === null || typeof d.user !== 'string' || typeof d.salt !== 'string' || typeof d.hash !== 'string' || !d.user || !d.salt || !d.hash) {
      throw new Error(`${f} is damaged: set the account again.`);
    }
    // scrypt's cost: a power of two; a huge one would make every check fail on memory.
    const n = d.n ?? 16384;
    if (!Number.isInteger(n) || n < 2 || n > 2 ** 20 || (n & (n - 1)) !== 0) throw new Error(`${f} is damaged: set the account again.`);
    return new ProviderAccount({ user: d.user, salt: d.salt, hash: d.hash, n });
  }

  /**
   * Sets (or replaces) the account; refuses names and passwords the manual does not
   * allow and passwords shorter than MIN_PASSWORD_LENGTH.
   */
  static set(dataDir: string, user: string, password: string): ProviderAccount {
    for (const [what, v] of [['user name', user], ['password', password]] as const) {
      const p = credentialProblem(what, v);
      if (p) throw new Error(p);
    }
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const salt = crypto.randomBytes(16);
    const n = 16384;
    const d: AccountFile = { user, salt: salt.toString('base64'), hash: hash(password, salt, n).toString('base64'), n };
    writeFileAtomic(ProviderAccount.file(dataDir), `${JSON.stringify(d, null, 2)}\n`);
    return new ProviderAccount(d);
  }

  /**
   * The account of the data folder: the stored one (whatever its password's length:
   * nobody is locked out by a newer rule); else one from the given user and password
   * (main passes VASA_PROVIDER_USER and VASA_PROVIDER_PASSWORD), refused with an Error
   * naming the variable when they break a rule; else a generated password, printed
   * once through `announce` and written to <data>/initial-password (0600).
   */
  /**
   * Refuses, before anything is written, a first start whose VASA_PROVIDER_USER or
   * VASA_PROVIDER_PASSWORD would not make an acceptable account (a stored account wins,
   * so nothing is checked when one exists).
   */
  static checkFirstStart(dataDir: string, user: string | undefined, password: string | undefined): void {
    if (fs.existsSync(ProviderAccount.file(dataDir))) return;
    const problems = [
      user ? credentialProblem('user name', user) && `VASA_PROVIDER_USER: ${credentialProblem('user name', user)}` : undefined,
      password ? credentialProblem('password', password) && `VASA_PROVIDER_PASSWORD: ${credentialProblem('password', password)}` : undefined,
    ].filter((p): p is string => !!p);
    if (problems.length) throw new Error(`the provider account cannot be created: ${problems.join(' ')}`);
  }

  static ensure(dataDir: string, user: string | undefined, password: string | undefined, announce: (msg: string) => void): ProviderAccount {
    const existing = ProviderAccount.load(dataDir);
    if (existing) return existing;
    ProviderAccount.checkFirstStart(dataDir, user, password);
    if (password) return ProviderAccount.set(dataDir, user || 'vasaadmin', password);
    const generated = crypto.randomBytes(18).toString('base64url');
    const account = ProviderAccount.set(dataDir, user || 'vasaadmin', generated);
    writeFileAtomic(path.join(dataDir, INITIAL_PASSWORD_FILE), `${generated}\n`);
    announce(`generated the provider account "${account.user}" with password ${generated} (also in ${path.join(dataDir, INITIAL_PASSWORD_FILE)}); change it with the settings CLI`);
    return account;
  }

  /**
   * Whether user and password are this account's, checked without blocking the event
   * loop. Both are always compared (constant time), so the time taken does not tell
   * whether the user name was right.
   */
  async verifyAsync(user: string, password: string): Promise<boolean> {
    const expected = Buffer.from(this.data.hash, 'base64');
    const got = await hashAsync(password, Buffer.from(this.data.salt, 'base64'), this.data.n);
    const userOk = crypto.timingSafeEqual(digest(user), digest(this.data.user));
    const passwordOk = expected.length === got.length && crypto.timingSafeEqual(expected, got);
    return passwordOk && userOk;
  }
}
