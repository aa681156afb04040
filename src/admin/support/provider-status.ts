/**
 * What `status` reports and the support bundle summarises, read from the folders
 * alone, so it works whether or not the daemon runs: the daemon (lock file with a live
 * pid), the provider account's user name, the certificate, the settings, and per disk
 * array its monitoring state, whether the settings manage it, and the last relation
 * file written, and the image-backup scheduler (plans, runs in flight, the last job,
 * images, second copies), and the vCenter link (its last refresh or failure, the
 * inventory in use). Every part that cannot be read says why instead of failing the whole.
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
import { ImageTable } from '../../store/image-backup/images';
import { RunTable } from '../../store/image-backup/runs';
import { missingImageBackupTables } from '../../store/image-backup/tables';
import type { HistoryEntry, RunState } from '../../scheduler/contract';
import { restoreEntry, runEntry } from '../../scheduler/history';
import { PlanStore } from '../../scheduler/plans';
import { backupJobId, toRun } from '../../scheduler/run-state';
import { imageBackupSection } from '../../scheduler/settings';
import { runProgress } from '../api/progress';
import { vCenterStatus, type VCenterStatus } from '../../vcenter/state';

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

/** A backup run not yet ended, with its progress over all its VMs. */
export interface ImageBackupRunStatus {
  id: number;
  jobId: string;
  kind: 'scheduled' | 'immediate';
  /** Null for an immediate backup. */
  planName: string | null;
  vms: string[];
  state: RunState;
  startedAt: string | null;
  percent: number;
  chunksDone: number;
  chunksTotal: number;
  vmsDone: number;
  vmsTotal: number;
}

/** The job (backup run or restore) that ended last, as the job history shows it. */
export interface ImageBackupJobStatus {
  jobId: string;
  type: HistoryEntry['type'];
  status: HistoryEntry['status'];
  planName: string | null;
  vms: string[];
  startedAt: string;
  finishedAt: string | null;
  message: string | null;
}

export interface ImageBackupSummary {
  setUp: true;
  plans: {
    /** Plans not deleted. */
    total: number;
    enabled: number;
    /** The earliest next run of an enabled plan; null when none is scheduled. */
    nextRun: { at: string; planId: number; planName: string } | null;
  };
  runsInFlight: { count: number; runs: ImageBackupRunStatus[] };
  restoresInFlight: { count: number; vms: string[] };
  lastFinishedJob: ImageBackupJobStatus | null;
  images: {
    count: number;
    oldestBackupTime: string | null;
    newestBackupTime: string | null;
    bytesRead: number;
    bytesStored: number;
    /** The backup store folder the settings name (<data>/backups by default); null when the settings cannot be read. */
    storeDir: string | null;
  };
  /** Copies to the second store; null when the settings configure none. */
  secondStore: {
    /** Null when the settings cannot be read (shown because images have copies recorded). */
    dir: string | null;
    pending: number;
    failed: number;
    /** When the image waiting longest for its copy was written. */
    oldestPendingSince: string | null;
    lastFailure: { imageId: string; at: string | null; error: string | null } | null;
  } | null;
}

/** The store predates the scheduler (migrations 9 and 10 not applied yet). */
export interface ImageBackupNotSetUp {
  setUp: false;
  schemaVersion: number;
  missingTables: string[];
  note: string;
}

export type ImageBackupStatus = ImageBackupSummary | ImageBackupNotSetUp;

export interface ProviderStatus {
  version: string;
  dataDir: string;
  confDir: string;
  daemon: DaemonStatus;
  providerAccount: { user: string } | null;
  certificate: CertificateStatus | null;
  settings: SettingsSummary | { problems: string[] };
  /** The vCenter link as the daemon last saw it; null when the settings cannot be read. */
  vCenter: VCenterStatus | null;
  arrays: ArrayStatus[];
  /** Registered in the settings, but no array in the store has the address. */
  unmatchedDiskArrays: string[];
  /** The image-backup scheduler, from the store; null when the store cannot be read (problems say why). */
  imageBackup: ImageBackupStatus | null;
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

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function jobStatus(e: HistoryEntry): ImageBackupJobStatus {
  return {
    jobId: e.jobId, type: e.type, status: e.status, planName: e.planName, vms: e.vms, startedAt: new Date(e.startedAt).toISOString(),
    finishedAt: iso(e.finishedAt), message: e.message,
  };
}

/**
 * The image-backup scheduler as the store records it: plans, runs in flight, the last
 * job that ended, the images and their second copies. Read-only, in one read
 * transaction; a store without the scheduler's tables says so instead. The scheduler's
 * mail failures are kept in the daemon's memory only, so they are not here.
 */
export function imageBackupStatus(store: Store, clock: Clock, dataDir: string, settings: ProviderSettings | undefined): ImageBackupStatus {
  return store.read(() => {
    const missing = missingImageBackupTables(store);
    if (missing.length) {
      return {
        setUp: false, schemaVersion: store.version(), missingTables: missing,
        note: 'not set up yet: the store predates the image-backup scheduler; the provider adds its tables at its next start',
      };
    }
    const runs = new RunTable(store);
    const images = new ImageTable(store);
    // The plan book reads only here; its hooks serve checks of changes, which status never makes.
    const plans = new PlanStore(store, clock, { slotCapacity: () => 1, knownVm: () => false }).list();
    const next = plans.filter((p) => p.nextRunAt !== null).sort((a, b) => (a.nextRunAt as number) - (b.nextRunAt as number) || a.id - b.id)[0];

    const active = runs.active();
    const vmsOf = runs.vmsOf(active.map((r) => r.id));
    const inFlight = active.map((row): ImageBackupRunStatus => {
      const run = toRun(row, vmsOf.get(row.id) ?? []);
      const p = runProgress(run);
      return {
        id: run.id, jobId: backupJobId(run.id), kind: run.kind, planName: run.planName, vms: run.vms.map((v) => v.vmName), state: run.state,
        startedAt: iso(run.startedAt), percent: p.percent, chunksDone: p.chunksDone, chunksTotal: p.chunksTotal, vmsDone: p.vmsDone, vmsTotal: p.vmsTotal,
      };
    });
    const restoring = images.runningRestores();

    const lastRun = runs.lastEnded();
    const lastRestore = images.lastEndedRestore();
    const runEnd = lastRun ? lastRun.finishedAt ?? lastRun.createdAt : -Infinity;
    const restoreEnd = lastRestore ? lastRestore.finishedAt ?? lastRestore.startedAt : -Infinity;
    const last = lastRun && runEnd >= restoreEnd
      ? runEntry(lastRun, toRun(lastRun, runs.vms(lastRun.id)).vms.map((v) => v.vmName))
      : lastRestore ? restoreEntry(lastRestore) : undefined;

    const totals = images.totals();
    const section = settings ? imageBackupSection(settings) : undefined;
    const copies = images.countCopies();
    const recorded = copies.pending + copies.failed + copies.ok > 0;
    let secondStore: ImageBackupSummary['secondStore'] = null;
    if (section ? section.secondaryDir !== null : recorded) {
      const oldest = images.oldestPendingCopy();
      const failed = copies.failed ? images.lastFailedCopy() : undefined;
      secondStore = {
        dir: section?.secondaryDir ?? null, pending: copies.pending, failed: copies.failed, oldestPendingSince: iso(oldest?.finishedAt),
        lastFailure: failed ? { imageId: failed.id, at: iso(failed.secondaryAt), error: failed.secondaryError } : null,
      };
    }
    return {
      setUp: true,
      plans: {
        total: plans.length, enabled: plans.filter((p) => p.enabled).length,
        nextRun: next ? { at: new Date(next.nextRunAt as number).toISOString(), planId: next.id, planName: next.name } : null,
      },
      runsInFlight: { count: inFlight.length, runs: inFlight },
      restoresInFlight: { count: restoring.length, vms: restoring.map((r) => r.vmName) },
      lastFinishedJob: last ? jobStatus(last) : null,
      images: {
        count: totals.count, oldestBackupTime: iso(totals.oldestBackupTime), newestBackupTime: iso(totals.newestBackupTime),
        bytesRead: totals.bytesRead, bytesStored: totals.bytesStored,
        storeDir: section ? section.storeDir ?? path.join(dataDir, DATA_NAMES.backups) : null,
      },
      secondStore,
    };
  });
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
  const fromStore = withStore(i.dataDir, i.clock, (engine, store) => {
    const arrays = engine.listArrays().map((a) => arrayStatus(i.dataDir, a, settings, state));
    let imageBackup: ImageBackupStatus | null = null;
    try {
      imageBackup = imageBackupStatus(store, i.clock, i.dataDir, settings);
    } catch (e) {
      problems.push(`Cannot read the image-backup scheduler's tables: ${describe(e)}`);
    }
    return { arrays, imageBackup };
  }, problems);
  const arrays = fromStore?.arrays ?? [];
  const unmatched = settings && arrays.length ? settings.diskArrays.filter((ip) => !arrays.some((a) => a.ip === ip)) : [];
  return {
    version: packageVersion(),
    dataDir: i.dataDir,
    confDir: i.confDir,
    daemon: daemonStatus(i.dataDir),
    providerAccount,
    certificate: certificateStatus(i.dataDir, i.clock.now()),
    settings: summary,
    vCenter: settings ? vCenterStatus(i.dataDir, settings.vCenter) : null,
    arrays,
    unmatchedDiskArrays: unmatched,
    imageBackup: fromStore?.imageBackup ?? null,
    problems,
  };
}
