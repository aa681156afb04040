/**
 * The provider settings (what the NEC product's SetProviderConf edits, manual 2.3.1):
 * the relation-file output interval (L11), the disk arrays' floating IP addresses
 * (L1) and the vCenter Server the provider talks to. The provider account (-s) is not
 * here: it is stored hashed in the data folder (src/config/account.ts).
 *
 * Validation reports every problem at once; the result is deep-frozen, so a hot reload
 * builds a new object instead of changing the one the services hold.
 */
import net from 'node:net';
import { isSealed } from './secrets';

/** L11, verbatim from the manual (printed after "ERROR:"). */
export const INVALID_INTERVAL_MESSAGE = 'Invalid time value. Please set up an integer between 5 and 1440.';
export const INTERVAL_MIN = 5;
export const INTERVAL_MAX = 1440;
export const DEFAULT_INTERVAL_MINUTES = 5;
/** L1: up to four disk arrays per provider. */
export const MAX_DISK_ARRAYS = 4;
export const DEFAULT_VCENTER_HTTPS_PORT = 443;
/** Manual 2.3.1: symbols that cannot be used in the vCenter user name and password. */
export const VCENTER_FORBIDDEN_SYMBOLS = ['"', '&', "'", ',', ';', '<', '=', '>', '^', '|'] as const;

export interface VCenterSettings {
  readonly ip: string;
  readonly httpsPort: number;
  /** vCenter Single Sign On user name. */
  readonly user: string;
  /** The SSO password, sealed with <data>/settings.key (never the clear text). */
  readonly password: string;
}

export interface ProviderSettings {
  readonly relationIntervalMinutes: number;
  /** Floating IPv4 addresses of the managed disk arrays; empty: every array in the store. */
  readonly diskArrays: readonly string[];
  readonly vCenter: VCenterSettings | null;
}

export const DEFAULT_SETTINGS: ProviderSettings = deepFreeze({
  relationIntervalMinutes: DEFAULT_INTERVAL_MINUTES,
  diskArrays: [],
  vCenter: null,
});

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

/** L11: whether `minutes` is an allowed output interval. */
export function isValidInterval(minutes: unknown): minutes is number {
  return typeof minutes === 'number' && Number.isInteger(minutes) && minutes >= INTERVAL_MIN && minutes <= INTERVAL_MAX;
}

/** L1: an IPv4 address a disk array or vCenter can have (dotted quad, not 0.0.0.0). */
export function ipv4Problem(what: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || !net.isIPv4(value)) {
    const hint = typeof value === 'string' && net.isIPv6(value) ? ' (IPv6 cannot be used)' : '';
    return `${what} must be an IPv4 address, not ${JSON.stringify(value)}${hint}.`;
  }
  if (value === '0.0.0.0') return `${what} must be the address of a host, not 0.0.0.0.`;
  return undefined;
}

export function portProblem(what: string, value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    return `${what} must be a port number (1-65535), not ${JSON.stringify(value)}.`;
  }
  return undefined;
}

/** Manual 2.3.1: the vCenter user name or password is refused when it holds a forbidden symbol. */
export function vCenterCredentialProblem(what: 'user name' | 'password', value: string): string | undefined {
  if (value.length === 0) return `The vCenter ${what} must not be empty.`;
  if (value.length > 255) return `The vCenter ${what} must be at most 255 characters.`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return `The vCenter ${what} must not contain control characters.`;
  const bad = VCENTER_FORBIDDEN_SYMBOLS.filter((c) => value.includes(c));
  if (bad.length) return `The vCenter ${what} must not contain the symbols ${VCENTER_FORBIDDEN_SYMBOLS.join(' ')} (found ${bad.join(' ')}).`;
  return undefined;
}

const TOP_KEYS = ['relationIntervalMinutes', 'diskArrays', 'vCenter'];
const VCENTER_KEYS = ['ip', 'httpsPort', 'user', 'password'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(o: Record<string, unknown>, known: string[], where: string): string[] {
  return Object.keys(o).filter((k) => !known.includes(k)).map((k) => `${where}${k}: unknown setting (known: ${known.join(', ')}).`);
}

function checkArrays(v: unknown, problems: string[]): string[] {
  if (!Array.isArray(v)) {
    problems.push('diskArrays: must be a list of IPv4 addresses.');
    return [];
  }
  v.forEach((ip, i) => {
    const p = ipv4Problem(`diskArrays[${i}]`, ip);
    if (p) problems.push(p);
  });
  const seen = new Set<unknown>();
  for (const ip of v) {
    if (seen.has(ip)) problems.push(`diskArrays: ${String(ip)} is listed twice.`);
    seen.add(ip);
  }
  if (v.length > MAX_DISK_ARRAYS) problems.push(`diskArrays: up to ${MAX_DISK_ARRAYS} disk arrays can be registered, not ${v.length} (L1).`);
  return v.filter((ip): ip is string => typeof ip === 'string');
}

function checkVCenter(v: unknown, problems: string[]): VCenterSettings | null {
  if (v === null || v === undefined) return null;
  if (!isObject(v)) {
    problems.push('vCenter: must be an object {ip, httpsPort, user, password} or null.');
    return null;
  }
  problems.push(...unknownKeys(v, VCENTER_KEYS, 'vCenter.'));
  const ip = ipv4Problem('vCenter.ip', v.ip);
  if (ip) problems.push(ip);
  const port = v.httpsPort ?? DEFAULT_VCENTER_HTTPS_PORT;
  const pp = portProblem('vCenter.httpsPort', port);
  if (pp) problems.push(pp);
  if (typeof v.user !== 'string') problems.push('vCenter.user: must be a string.');
  else {
    const up = vCenterCredentialProblem('user name', v.user);
    if (up) problems.push(`vCenter.user: ${up}`);
  }
  if (!isSealed(v.password)) {
    problems.push('vCenter.password: must be the encrypted value `settings -v` writes (a password is never stored in clear).');
  }
  return { ip: String(v.ip), httpsPort: port as number, user: String(v.user), password: String(v.password) };
}

export type Validation = { ok: true; settings: ProviderSettings } | { ok: false; problems: string[] };

/** Checks a parsed settings document; absent fields take their defaults. Never throws. */
export function validateSettings(raw: unknown): Validation {
  if (!isObject(raw)) return { ok: false, problems: ['The settings must be a JSON object.'] };
  const problems: string[] = unknownKeys(raw, TOP_KEYS, '');
  const interval = raw.relationIntervalMinutes ?? DEFAULT_INTERVAL_MINUTES;
  if (!isValidInterval(interval)) problems.push(`relationIntervalMinutes: ${INVALID_INTERVAL_MESSAGE} (L11; found ${JSON.stringify(interval)})`);
  const diskArrays = checkArrays(raw.diskArrays ?? [], problems);
  const vCenter = checkVCenter(raw.vCenter, problems);
  if (problems.length) return { ok: false, problems };
  return { ok: true, settings: deepFreeze({ relationIntervalMinutes: interval as number, diskArrays: [...diskArrays], vCenter }) };
}
