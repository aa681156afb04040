/**
 * The provider account vCenter registers with (L12): user name and password, up to
 * 255 characters each, case-sensitive, letters, digits and the manual's symbols, no
 * spaces. Stored as a salted scrypt hash in <data>/provider-account.json (0600); the
 * password itself is never written anywhere except, for a generated one, once to
 * <data>/initial-password.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file';

const ALLOWED = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,255}$/;
export const ACCOUNT_FILE = 'provider-account.json';
export const INITIAL_PASSWORD_FILE = 'initial-password';

/** L12: why a user name or password is not acceptable, or undefined when it is. */
export function credentialProblem(what: 'user name' | 'password', value: string): string | undefined {
  if (value.length === 0) return `The ${what} must not be empty.`;
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

function hash(password: string, salt: Buffer, n: number): Buffer {
  return crypto.scryptSync(password, salt, 32, { N: n, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}


export class ProviderAccount {
  private constructor(private readonly data: AccountFile) {}

  get user(): string {
    return this.data.user;
  }

  static file(dataDir: string): string {
    return path.join(dataDir, ACCOUNT_FILE);
  }

  static load(dataDir: string): ProviderAccount | undefined {
    const f = ProviderAccount.file(dataDir);
    if (!fs.existsSync(f)) return undefined;
    const d = JSON.parse(fs.readFileSync(f, 'utf8')) as AccountFile;
    if (!d.user || !d.salt || !d.hash) throw new Error(`${f} is damaged: set the account again.`);
    return new ProviderAccount(d);
  }

  /** Sets (or replaces) the account; refuses names and passwords the manual does not allow. */
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
   * The account of the data folder: the stored one; else one from the given user and
   * password; else a generated password, printed once through `announce` and written
   * to <data>/initial-password (0600).
   */
  static ensure(dataDir: string, user: string | undefined, password: string | undefined, announce: (msg: string) => void): ProviderAccount {
    const existing = ProviderAccount.load(dataDir);
    if (existing) return existing;
    if (password) return ProviderAccount.set(dataDir, user || 'vasaadmin', password);
    const generated = crypto.randomBytes(18).toString('base64url');
    const account = ProviderAccount.set(dataDir, user || 'vasaadmin', generated);
    writeFileAtomic(path.join(dataDir, INITIAL_PASSWORD_FILE), `${generated}\n`);
    announce(`generated the provider account "${account.user}" with password ${generated} (also in ${path.join(dataDir, INITIAL_PASSWORD_FILE)}); change it with the settings CLI`);
    return account;
  }

  /** Constant-time check of a user name and password. */
  verify(user: string, password: string): boolean {
    const expected = Buffer.from(this.data.hash, 'base64');
    const got = hash(password, Buffer.from(this.data.salt, 'base64'), this.data.n);
    const userOk = crypto.timingSafeEqual(crypto.createHash('sha256').update(user).digest(), crypto.createHash('sha256').update(this.data.user).digest());
    return crypto.timingSafeEqual(expected, got) && userOk;
  }
}
