/**
 * What `status` reports and the support bundle summarises, read from the folders
 * alone, so it works whether or not the daemon runs: the daemon (lock file with a live
 * pid), the provider account's user name, the certificate, the settings, and per disk
 * array its monitoring state, whether the settings manage it, and the last relation
 * file written. Every part that cannot be read says why instead of failing the whole.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../array/clock';
import { DiskArrayEngine } from '../../array/engine';
import type { DiskArray } from '../../array/types';
import { ProviderAccount } from '../../config/account';
import { packageVersion, providerHost, providerPort, readRuntime, registrationAddress } from '../../sys/runtime';
import { assemble, Assembly } from '../../app/assembly';
import { readRelationState, RelationStatus, relationStatus } from '../../relation/status';
import type { RelationState } from '../../relation/state';

export type { RelationStatus };
import { loadSettings, SettingsError } from '../../config/settings';
import type { ProviderSettings } from '../../config/settings-schema';
import { isManagedArray, SettingsSummary, summarizeSettings } from '../../config/settings-summary';
import { Store, STORE_FILE } from '../../store/db';
import { dataFolderHolder } from '../../store/lock';
import { CERT_NAMES, DATA_NAMES, RELATION_NAMES } from '../../sys/layout';

export const LOCK_FILE = DATA_NAMES.lockNote;
export const LATEST_RELATION_FOLDER = DATA_NAMES.relationLatest;
export const ARCHIVE_RELATION_FOLDER = DATA_NAMES.relationArchive;
export const RELATION_STATE_FILE = RELATION_NAMES.state;
export const CERT_FILE = path.join(DATA_NAMES.certs, CERT_NAMES.cert);

export interface DaemonStatus {
  running: boolean;
  pid?: number;
  lockFile: string;
  /** A lock left by a daemon that is gone (killed); the next start takes it over. */
  staleLock?: boolean;
}

export interface CertificateStatus {
  file: string;
  fingerprint256?: string;
  subject?: string;
  validTo?: string;
  expired?: boolean;
  daysLeft?: number;
  problem?: string;
}

export interface ArrayStatus {
  name: string;
  model: string;
  serial: string;
  wwn: string;
  ip: string;
  monitoring: string;
  /** Whether the settings' disk array list includes it (an empty list manages every array). */
  managed: boolean;
  relation: RelationStatus | null;
}

export interface ProviderStatus {
  version: string;
  dataDir: string;
  confDir: string;
  daemon: DaemonStatus;
  providerAccount: { user: string } | null;
  certificate: CertificateStatus | null;
  settings: SettingsSummary | { problems: string[] };
  arrays: ArrayStatus[];
  /** Registered in the settings, but no array in the store has the address. */
  unmatchedDiskArrays: string[];
  problems: string[];
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));


/**
 * Whether a daemon runs on the folder, asked of the OS lock it holds (a pid file can lie:
 * a killed daemon's stays behind, a deleted one hides a live daemon). A lock note left
 * without a holder is reported as stale; the next start takes the folder at once.
 */
export function daemonStatus(dataDir: string): DaemonStatus {
  const lockFile = path.join(dataDir, LOCK_FILE);
  const holder = dataFolderHolder(dataDir);
  if (holder.held) return { running: true, pid: holder.pid, lockFile };
  let note: string;
  try {
    note = fs.readFileSync(lockFile, 'utf8');
  } catch {
    return { running: false, lockFile };
  }
  const pid = parseInt(note, 10);
  return Number.isInteger(pid) && pid > 0 ? { running: false, pid, lockFile, staleLock: true } : { running: false, lockFile, staleLock: true };
}

export function certificateStatus(dataDir: string, now: number): CertificateStatus | null {
  const file = path.join(dataDir, CERT_FILE);
  if (!fs.existsSync(file)) return null;
  try {
    const x = new crypto.X509Certificate(fs.readFileSync(file));
    const validTo = Date.parse(x.validTo);
    return {
      file,
      fingerprint256: x.fingerprint256,
      subject: x.subject.replace(/\n/g, ', '),
      validTo: new Date(validTo).toISOString(),
      expired: validTo <= now,
      daysLeft: Math.floor((validTo - now) / 86_400_000),
    };
  } catch (e) {
    return { file, problem: `cannot read the certificate: ${describe(e)}` };
  }
}

/** Runs fn against the data folder's store, read-only; undefined (with a problem) when there is none. */
export function withStore<T>(dataDir: string, clock: Clock, fn: (engine: DiskArrayEngine, store: Store) => T, problems: string[]): T | undefined {
  if (!fs.existsSync(path.join(dataDir, STORE_FILE))) {
    problems.push(`There is no provider store (${STORE_FILE}) in ${dataDir}: the provider has not been started on this data folder.`);
    return undefined;
  }
  let a: Assembly | undefined;
  try {
    a = assemble({ runtime: { ...readRuntime({}), dataDir }, role: 'cli', readonly: true, clock });
    return fn(a.engine, a.store);
  } catch (e) {
    problems.push(`Cannot read the store: ${describe(e)}`);
    return undefined;
  } finally {
    a?.close();
  }
}

function arrayStatus(dataDir: string, a: DiskArray, settings: ProviderSettings | undefined, state: RelationState): ArrayStatus {
  return {
    name: a.name, model: a.model, serial: a.serial, wwn: a.wwn, ip: a.ip, monitoring: a.monitoring,
    managed: settings ? isManagedArray(settings, a.ip) : true,
    relation: relationStatus(dataDir, a, state),
  };
}

export interface StatusInput {
  dataDir: string;
  confDir: string;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
}

export function gatherStatus(i: StatusInput): ProviderStatus {
  const problems: string[] = [];
  let settings: ProviderSettings | undefined;
  let summary: ProviderStatus['settings'];
  try {
    settings = loadSettings(i.confDir);
    summary = summarizeSettings(settings, { address: registrationAddress(providerHost(i.env)), port: providerPort(i.env) });
  } catch (e) {
    summary = { problems: e instanceof SettingsError ? e.problems : [describe(e)] };
  }
  let providerAccount: ProviderStatus['providerAccount'] = null;
  try {
    const acct = ProviderAccount.load(i.dataDir);
    providerAccount = acct ? { user: acct.user } : null;
  } catch (e) {
    problems.push(describe(e));
  }
  // The relation room's own status reader: the daemon's last success and failure.
  const state = readRelationState(i.dataDir);
  const arrays = withStore(i.dataDir, i.clock, (engine) => engine.listArrays().map((a) => arrayStatus(i.dataDir, a, settings, state)), problems) ?? [];
  const unmatched = settings && arrays.length ? settings.diskArrays.filter((ip) => !arrays.some((a) => a.ip === ip)) : [];
  return {
    version: packageVersion(),
    dataDir: i.dataDir,
    confDir: i.confDir,
    daemon: daemonStatus(i.dataDir),
    providerAccount,
    certificate: certificateStatus(i.dataDir, i.clock.now()),
    settings: summary,
    arrays,
    unmatchedDiskArrays: unmatched,
    problems,
  };
}
