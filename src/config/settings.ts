/**
 * The provider settings file, <conf>/provider-settings.jsonc: read, validate, change
 * and write it. Writes are atomic (temp file, fsync, rename, fsync of the folder) and
 * keep the mode and owner of the file they replace, so `sudo vvolctl settings ...` does
 * not leave a file the daemon's own user cannot read. A missing file means the
 * defaults. Each change is checked before anything is written; a refused change
 * leaves the file as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseJsonc } from './jsonc';
import { ConfigReadError, readConfigFile } from './safe-read';
import { loadOrCreateKey, seal, unseal, keyFile } from './secrets';
import { writeFileAtomic } from '../sys/atomic-file';
import {
  DEFAULT_SETTINGS, INVALID_INTERVAL_MESSAGE, ipv4Problem, isValidInterval, MAX_DISK_ARRAYS, normalizeThumbprint, portProblem,
  ProviderSettings, THUMBPRINT_PROBLEM, validateSettings, vCenterCredentialProblem,
} from './settings-schema';

export * from './settings-schema';

export const SETTINGS_FILE = 'provider-settings.jsonc';

/** Why a settings change or file was refused; `code` chooses the CLI's exit status. */
export type SettingsErrorCode = 'INVALID_ARGUMENT' | 'INVALID_FILE' | 'TOO_MANY' | 'ALREADY_EXISTS' | 'NOT_FOUND' | 'IO_ERROR';

export class SettingsError extends Error {
  constructor(readonly code: SettingsErrorCode, message: string, readonly problems: string[] = [message], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SettingsError';
  }
}

export function settingsFile(confDir: string): string {
  return path.join(confDir, SETTINGS_FILE);
}

/** Validated, frozen settings from `text` (the file's content); throws SettingsError with every problem. */
export function parseSettings(text: string, file: string): ProviderSettings {
  let raw: unknown;
  try {
    raw = parseJsonc(text, file);
  } catch (e) {
    throw new SettingsError('INVALID_FILE', (e as Error).message);
  }
  const v = validateSettings(raw);
  if (!v.ok) {
    throw new SettingsError('INVALID_FILE', `${file} is not valid: ${v.problems.join(' ')}`, v.problems.map((p) => `${file}: ${p}`));
  }
  return v.settings;
}

/**
 * The settings in `confDir`; the defaults when there is no file. A symbolic or hard
 * link, or anything but a regular file, is refused unread (src/config/safe-read.ts):
 * errors name the file and the place of a problem, never its content.
 */
export function loadSettings(confDir: string): ProviderSettings {
  const file = settingsFile(confDir);
  let text: string;
  try {
    text = readConfigFile(file);
  } catch (e) {
    if (e instanceof ConfigReadError && e.problem === 'missing') return DEFAULT_SETTINGS;
    const code = e instanceof ConfigReadError && e.problem !== 'io' ? 'INVALID_FILE' : 'IO_ERROR';
    throw new SettingsError(code, (e as Error).message, undefined, { cause: e });
  }
  return parseSettings(text, file);
}

const HEADER = `// Provider settings (the NEC SetProviderConf settings, manual 2.3.1). Written by
// \`vvolctl settings\`; you may also edit it by hand: the running provider applies a valid
// change without restart and logs it; an invalid one is refused and the last good settings stay.
//   relationIntervalMinutes  output interval of the VM-to-VVOL relation file, 5-1440 (L11)
//   diskArrays               floating IPv4 addresses of the managed disk arrays, at most 4 (L1);
//                            empty: every disk array in the provider's store is managed
//   vCenter                  {ip, httpsPort, user, password, thumbprint} of vCenter Server, or null;
//                            the password is encrypted with <data>/settings.key: set it with
//                            \`settings -v\`; thumbprint (optional): the SHA-256 fingerprint of
//                            vCenter's certificate to trust (else this machine's CAs must)
//   imageBackup              the image-backup scheduler: slotCapacity (plans per one-hour slot),
//                            parallelReaders (archives written at once), ioWindowMinutes (write
//                            load a run orders its VMs by), readerChunksPerSecond (1 MiB chunks a
//                            reader archives a second), immediateRetentionDays, storeDir (null:
//                            <data>/backups), secondaryDir (a second copy, or null), mail {smtp
//                            {host, port, secure, user, password (sealed)} or null: mails go to
//                            <data>/outbox as .eml files; from; to: the recipients}
// The provider account is not here: \`settings -s\` stores it hashed in the data folder.
`;

export function renderSettings(s: ProviderSettings): string {
  return `${HEADER}${JSON.stringify(s, null, 2)}\n`;
}


/** Writes `s` atomically to `confDir` (validating it once more). */
export function saveSettings(confDir: string, s: ProviderSettings): void {
  const v = validateSettings(JSON.parse(JSON.stringify(s)));
  if (!v.ok) throw new SettingsError('INVALID_ARGUMENT', v.problems.join(' '), v.problems);
  const file = settingsFile(confDir);
  try {
    fs.mkdirSync(confDir, { recursive: true });
    writeFileAtomic(file, renderSettings(v.settings), { mode: 0o640, keepOwner: true });
  } catch (e) {
    throw new SettingsError('IO_ERROR', `Cannot write ${file}: ${(e as Error).message}`, undefined, { cause: e });
  }
}

/** Loads, changes and saves; `change` returns the new settings or throws SettingsError. */
export function updateSettings(confDir: string, change: (s: ProviderSettings) => ProviderSettings): ProviderSettings {
  const next = change(loadSettings(confDir));
  saveSettings(confDir, next);
  return loadSettings(confDir);
}

// ---- the SetProviderConf changes, as pure functions over settings ----

/** -t: L11. `minutes` as typed on the command line. */
export function withInterval(s: ProviderSettings, minutes: string | number): ProviderSettings {
  const n = typeof minutes === 'number' ? minutes : /^\s*\d+\s*$/.test(minutes) ? Number(minutes) : NaN;
  if (!isValidInterval(n)) throw new SettingsError('INVALID_ARGUMENT', INVALID_INTERVAL_MESSAGE);
  return { ...s, relationIntervalMinutes: n };
}

/** -a: L1 (IPv4 only, at most four). */
export function withDiskArrayAdded(s: ProviderSettings, ip: string): ProviderSettings {
  const p = ipv4Problem('The disk array address', ip);
  if (p) throw new SettingsError('INVALID_ARGUMENT', p);
  if (s.diskArrays.includes(ip)) throw new SettingsError('ALREADY_EXISTS', `The disk array ${ip} is already registered.`);
  if (s.diskArrays.length >= MAX_DISK_ARRAYS) {
    throw new SettingsError('TOO_MANY', `Up to ${MAX_DISK_ARRAYS} disk arrays can be registered; delete one first (registered: ${s.diskArrays.join(', ')}).`);
  }
  return { ...s, diskArrays: [...s.diskArrays, ip] };
}

/** -d */
export function withDiskArrayRemoved(s: ProviderSettings, ip: string): ProviderSettings {
  if (!s.diskArrays.includes(ip)) {
    throw new SettingsError('NOT_FOUND', `The disk array ${ip} is not registered (registered: ${s.diskArrays.join(', ') || 'none'}).`);
  }
  return { ...s, diskArrays: s.diskArrays.filter((a) => a !== ip) };
}

export interface VCenterInput {
  ip: string;
  httpsPort: string | number;
  user: string;
  password: string;
  /**
   * The SHA-256 thumbprint of vCenter's certificate to trust; "none": trust this
   * machine's CAs instead; undefined: keep the one set for the same address and port.
   */
  thumbprint?: string;
}

/** The thumbprint -v sets: given (checked), removed ("none"), or kept for the same server. */
function thumbprintFor(s: ProviderSettings, v: VCenterInput, port: number): { thumbprint?: string; problem?: string } {
  if (v.thumbprint === undefined) {
    const cur = s.vCenter;
    return cur?.thumbprint && cur.ip === v.ip && cur.httpsPort === port ? { thumbprint: cur.thumbprint } : {};
  }
  if (v.thumbprint.trim().toLowerCase() === 'none') return {};
  const t = normalizeThumbprint(v.thumbprint);
  return t ? { thumbprint: t } : { problem: THUMBPRINT_PROBLEM(v.thumbprint) };
}

/** -v: checks everything, then seals the password with the data folder's key. */
export function withVCenter(s: ProviderSettings, v: VCenterInput, dataDir: string): ProviderSettings {
  const port = typeof v.httpsPort === 'number' ? v.httpsPort : /^\d+$/.test(v.httpsPort) ? Number(v.httpsPort) : NaN;
  const trust = thumbprintFor(s, v, port);
  const problems = [
    ipv4Problem('The vCenter Server address', v.ip),
    portProblem('The vCenter HTTPS port', port),
    vCenterCredentialProblem('user name', v.user),
    vCenterCredentialProblem('password', v.password),
    trust.problem,
  ].filter((p): p is string => p !== undefined);
  if (problems.length) throw new SettingsError('INVALID_ARGUMENT', problems.join(' '), problems);
  const password = seal(v.password, loadOrCreateKey(dataDir));
  return { ...s, vCenter: { ip: v.ip, httpsPort: port, user: v.user, password, ...(trust.thumbprint ? { thumbprint: trust.thumbprint } : {}) } };
}

/** The vCenter password in clear, for the code that logs in to vCenter; never print it. */
export function vCenterPassword(s: ProviderSettings, dataDir: string): string | undefined {
  if (!s.vCenter) return undefined;
  if (!fs.existsSync(keyFile(dataDir))) {
    throw new SettingsError('NOT_FOUND', `The vCenter password cannot be read: ${keyFile(dataDir)} is missing. Set the vCenter credentials again with \`settings -v\`.`);
  }
  return unseal(s.vCenter.password, loadOrCreateKey(dataDir));
}
