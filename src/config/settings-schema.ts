/**
 * The provider settings (what the NEC product's SetProviderConf edits, manual 2.3.1):
 * the relation-file output interval (L11), the disk arrays' floating IP addresses
 * (L1) and the vCenter Server the provider talks to. The provider account (-s) is not
 * here: it is stored hashed in the data folder (src/config/account.ts).
 *
 * Validation is the JSON Schema in schemas/provider-settings.ts (ajv, src/config/validate.ts)
 * with the texts below; it reports every problem at once. The result is deep-frozen, so a hot reload
 * builds a new object instead of changing the one the services hold.
 */
import net from 'node:net';
import { PROVIDER_SETTINGS_SCHEMA } from './schemas/provider-settings';
import { isSealed } from './secrets';
import {
  DEFAULT_INTERVAL_MINUTES, IMAGE_BACKUP_DEFAULTS, INTERVAL_MAX, INTERVAL_MIN, INVALID_INTERVAL_MESSAGE, MAX_DISK_ARRAYS, VCENTER_FORBIDDEN_SYMBOLS,
} from './settings-limits';
import { type Failure, makeValidator } from './validate';

export * from './settings-limits';

export interface VCenterSettings {
  readonly ip: string;
  readonly httpsPort: number;
  /** vCenter Single Sign On user name. */
  readonly user: string;
  /** The SSO password, sealed with <data>/settings.key (never the clear text). */
  readonly password: string;
  /**
   * SHA-256 fingerprint of vCenter's certificate ("AB:CD:...", 32 bytes): the provider
   * trusts exactly that certificate. Absent: the certificate must verify against this
   * machine's CAs (vCenter's own VMCA certificates usually do not: pin it then).
   */
  readonly thumbprint?: string;
}

/** The SMTP server the image-backup job mails go through; none: they are written to the outbox folder. */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly user?: string;
  /** Sealed with <data>/settings.key, like the vCenter password (never the clear text). */
  readonly password?: string;
}

/** The image-backup scheduler (issue 11), applied without restart. */
export interface ImageBackupSettings {
  /** Plans that may start in one one-hour slot. */
  readonly slotCapacity: number;
  /** Archives a run writes at once (seed 003's N parallel readers). */
  readonly parallelReaders: number;
  /** Minutes of write load a run orders its VMs by. */
  readonly ioWindowMinutes: number;
  /** Chunks (1 MiB) one reader archives per second. */
  readonly readerChunksPerSecond: number;
  /** Days an immediate backup's image is kept. */
  readonly immediateRetentionDays: number;
  /** The backup store folder; null: <data>/backups. */
  readonly storeDir: string | null;
  /** A second store ("another region"), filled after the local copy; null: none. */
  readonly secondaryDir: string | null;
  readonly mail: {
    readonly smtp: SmtpSettings | null;
    readonly from: string;
    readonly to: readonly string[];
  };
}

export interface ProviderSettings {
  readonly relationIntervalMinutes: number;
  /** Floating IPv4 addresses of the managed disk arrays; empty: every array in the store. */
  readonly diskArrays: readonly string[];
  readonly vCenter: VCenterSettings | null;
  readonly imageBackup: ImageBackupSettings;
}

export const DEFAULT_IMAGE_BACKUP: ImageBackupSettings = deepFreeze({
  slotCapacity: IMAGE_BACKUP_DEFAULTS.slotCapacity,
  parallelReaders: IMAGE_BACKUP_DEFAULTS.parallelReaders,
  ioWindowMinutes: IMAGE_BACKUP_DEFAULTS.ioWindowMinutes,
  readerChunksPerSecond: IMAGE_BACKUP_DEFAULTS.readerChunksPerSecond,
  immediateRetentionDays: IMAGE_BACKUP_DEFAULTS.immediateRetentionDays,
  storeDir: null,
  secondaryDir: null,
  mail: { smtp: null, from: IMAGE_BACKUP_DEFAULTS.mailFrom, to: [] },
});

export const DEFAULT_SETTINGS: ProviderSettings = deepFreeze({
  relationIntervalMinutes: DEFAULT_INTERVAL_MINUTES,
  diskArrays: [],
  vCenter: null,
  imageBackup: DEFAULT_IMAGE_BACKUP,
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

/** A SHA-256 certificate fingerprint in the form the settings keep it: 32 upper-case hex pairs joined by colons. */
export const THUMBPRINT_PATTERN = '^([0-9A-F]{2}:){31}[0-9A-F]{2}$';

/**
 * A thumbprint as typed (any case, with colons, spaces or nothing between the pairs)
 * in the settings' form; undefined when it is not a SHA-256 fingerprint.
 */
export function normalizeThumbprint(value: string): string | undefined {
  const hex = value.replace(/^sha-?256[:=\s]*/i, '').replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/../g)?.join(':');
}

export const THUMBPRINT_PROBLEM = (value: unknown) => `The vCenter certificate thumbprint must be a SHA-256 fingerprint (64 hex digits, e.g. AB:CD:...:EF), not ${JSON.stringify(value)}; \`openssl s_client -connect <ip>:<port> </dev/null | openssl x509 -noout -fingerprint -sha256\` prints it.`;

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

const unknownSetting = (f: Failure) => `${f.property}: unknown setting (known: ${Object.keys(f.parentSchema.properties as object).join(', ')}).`;
const DUPLICATE_ITEMS = (f: Failure): string[] => {
  const list = f.data as unknown[];
  return list.filter((ip, i) => list.indexOf(ip) < i).map((ip) => `${f.path}: ${String(ip)} is listed twice.`);
};
const VCENTER_REQUIRED: Record<string, string | undefined> = {
  ip: ipv4Problem('vCenter.ip', undefined),
  user: 'vCenter.user: must be a string.',
};
const SEALED = 'vCenter.password: must be the encrypted value `settings -v` writes (a password is never stored in clear).';
const SMTP_SEALED = 'imageBackup.mail.smtp.password: must be an encrypted value sealed with <data>/settings.key (a password is never stored in clear).';
const wholeIn = (f: Failure, min: number, max: number, what: string) => `${f.path}: must be a whole number of ${what} from ${min} to ${max}, not ${JSON.stringify(f.data)}.`;

/** The texts for the checks of PROVIDER_SETTINGS_SCHEMA (see src/config/validate.ts). */
const checkSettings = makeValidator<ProviderSettings>(PROVIDER_SETTINGS_SCHEMA, {
  formats: { ipv4: (v) => net.isIPv4(v), sealed: isSealed },
  messages: {
    '#/type': () => 'The settings must be a JSON object.',
    '#/additionalProperties': unknownSetting,
    '#/properties/relationIntervalMinutes': (f) => `relationIntervalMinutes: ${INVALID_INTERVAL_MESSAGE} (L11; found ${JSON.stringify(f.data)})`,
    '#/properties/diskArrays/type': () => 'diskArrays: must be a list of IPv4 addresses.',
    '#/properties/diskArrays/items': (f) => ipv4Problem(f.path, f.data),
    '#/properties/diskArrays/uniqueItems': DUPLICATE_ITEMS,
    '#/properties/diskArrays/maxItems': (f) => `diskArrays: up to ${MAX_DISK_ARRAYS} disk arrays can be registered, not ${(f.data as unknown[]).length} (L1).`,
    '#/properties/vCenter/type': () => 'vCenter: must be an object {ip, httpsPort, user, password, thumbprint} or null.',
    '#/properties/vCenter/additionalProperties': unknownSetting,
    '#/properties/vCenter/required': (f) => (f.property === 'vCenter.password' ? SEALED : VCENTER_REQUIRED[f.property?.slice('vCenter.'.length) ?? '']),
    '#/properties/vCenter/properties/ip': (f) => ipv4Problem(f.path, f.data),
    '#/properties/vCenter/properties/httpsPort': (f) => portProblem(f.path, f.data),
    '#/properties/vCenter/properties/user': (f) => (typeof f.data === 'string' ? `vCenter.user: ${vCenterCredentialProblem('user name', f.data)}` : 'vCenter.user: must be a string.'),
    '#/properties/vCenter/properties/password': () => SEALED,
    '#/properties/vCenter/properties/thumbprint': (f) => `vCenter.thumbprint: ${THUMBPRINT_PROBLEM(f.data)}`,
    '#/properties/imageBackup/type': () => 'imageBackup: must be an object (see conf/provider-settings.jsonc).',
    '#/properties/imageBackup/additionalProperties': unknownSetting,
    '#/properties/imageBackup/properties/slotCapacity': (f) => wholeIn(f, 1, 1000, 'plans that may start in one slot'),
    '#/properties/imageBackup/properties/parallelReaders': (f) => wholeIn(f, 1, 64, 'archives written at once'),
    '#/properties/imageBackup/properties/ioWindowMinutes': (f) => wholeIn(f, 1, 1440, 'minutes of write load'),
    '#/properties/imageBackup/properties/readerChunksPerSecond': (f) => wholeIn(f, 1, 100000, 'chunks a reader archives per second'),
    '#/properties/imageBackup/properties/immediateRetentionDays': (f) => wholeIn(f, 1, 3650, 'days'),
    '#/properties/imageBackup/properties/storeDir': (f) => `${f.path}: must be an absolute folder path or null, not ${JSON.stringify(f.data)}.`,
    '#/properties/imageBackup/properties/secondaryDir': (f) => `${f.path}: must be an absolute folder path or null, not ${JSON.stringify(f.data)}.`,
    '#/properties/imageBackup/properties/mail/type': () => 'imageBackup.mail: must be an object {smtp, from, to}.',
    '#/properties/imageBackup/properties/mail/additionalProperties': unknownSetting,
    '#/properties/imageBackup/properties/mail/properties/smtp/type': () => 'imageBackup.mail.smtp: must be an object {host, port, secure, user, password} or null.',
    '#/properties/imageBackup/properties/mail/properties/smtp/additionalProperties': unknownSetting,
    '#/properties/imageBackup/properties/mail/properties/smtp/properties/host': (f) => `${f.path}: must be a host name or address, not ${JSON.stringify(f.data)}.`,
    '#/properties/imageBackup/properties/mail/properties/smtp/properties/port': (f) => portProblem(f.path, f.data),
    '#/properties/imageBackup/properties/mail/properties/smtp/properties/password': () => SMTP_SEALED,
    '#/properties/imageBackup/properties/mail/properties/from': (f) => `${f.path}: must be a mail address, not ${JSON.stringify(f.data)}.`,
    '#/properties/imageBackup/properties/mail/properties/to/items': (f) => `${f.path}: must be a mail address, not ${JSON.stringify(f.data)}.`,
    '#/properties/imageBackup/properties/mail/properties/to/uniqueItems': DUPLICATE_ITEMS,
  },
});

export type Validation = { ok: true; settings: ProviderSettings } | { ok: false; problems: string[] };

/** Checks a parsed settings document against the schema; absent fields take their defaults. Never throws. */
export function validateSettings(raw: unknown): Validation {
  const v = checkSettings(raw);
  if (!v.ok) return v;
  const { relationIntervalMinutes, diskArrays, vCenter, imageBackup } = v.value;
  const ib = imageBackup ?? DEFAULT_IMAGE_BACKUP;
  const problem = ib.storeDir !== null && ib.storeDir === ib.secondaryDir ? 'imageBackup.secondaryDir: must be another folder than imageBackup.storeDir (a second copy in the same place is none).' : undefined;
  if (problem) return { ok: false, problems: [problem] };
  return {
    ok: true,
    settings: deepFreeze({
      relationIntervalMinutes, diskArrays: [...diskArrays], vCenter: vCenter && { ...vCenter },
      imageBackup: { ...ib, mail: { smtp: ib.mail.smtp && { ...ib.mail.smtp }, from: ib.mail.from, to: [...ib.mail.to] } },
    }),
  };
}
