/**
 * The support bundle (issue 4 section 4; manual 5.1 done by one command): one tar.gz
 * under a folder vvol-provider-support-<UTC stamp>/ holding
 *   README.txt, manifest.json          what is inside, what was left out or redacted
 *   summary.txt, summary.json          version, daemon, account user, certificate, settings, arrays
 *   logs/                              <data>/server/logs (limited by --since)
 *   conf/                              the configuration folder, secrets removed
 *   data/                              the data folder's account (no hash/salt), certificates, listing,
 *                                      the vCenter link's last inventory and outcomes (vcenter-inventory.json)
 *   relation/                          latestRelationBetweenVMandVVOL/, RelationBetweenVMandVVOL/
 *   store/integrity.json               SQLite integrity check and the engine's invariants
 *   events.json, alarms.json           recent events and alarms per disk array
 * It is written as <target>.partial-<pid> and renamed when complete, so a failed run
 * never leaves something that looks like a bundle.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../array/clock';
import { logDir, packageVersion } from '../../sys/runtime';
import { ACCOUNT_FILE } from '../../config/account';
import { keyFile } from '../../config/secrets';
import { loadSettings, vCenterPassword } from '../../config/settings';
import { statusLines } from '../status-commands';
import { ARCHIVE_RELATION_FOLDER, gatherStatus, LATEST_RELATION_FOLDER, withStore } from './provider-status';
import { addConfig, addDataConfig, addLogs, addRelationFolders, recentActivity, Sink, storeHealth } from './sources';
import { BundleTargetError, reasonOf, resolveTarget, targetExistsError } from './target';
import { TarGzWriter } from './tar';
import { dataLayout } from '../../sys/layout';

export { BundleTargetError } from './target';

export interface BundleInput {
  dataDir: string;
  confDir: string;
  clock: Clock;
  /** A file, or an existing folder for the default name; default: the current folder. */
  out?: string;
  /** Only logs (and events, alarms) from this time on, ms. */
  since?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Newest events and alarms kept per disk array. */
  eventLimit?: number;
  /** Replace an existing file at the target (default: refuse). */
  force?: boolean;
}

export interface BundleResult {
  path: string;
  size: number;
  entries: { name: string; size: number }[];
  problems: string[];
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function stampOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

function readTrimmed(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Every secret the collector can know by value, with its JSON-escaped form. */
export function knownSecrets(dataDir: string, confDir: string): string[] {
  const found: (string | undefined)[] = [readTrimmed(keyFile(dataDir)), readTrimmed(dataLayout(dataDir).initialPassword)];
  try {
    const acct = JSON.parse(fs.readFileSync(path.join(dataDir, ACCOUNT_FILE), 'utf8')) as { hash?: string; salt?: string };
    found.push(acct.hash, acct.salt);
  } catch {
    /* no account yet */
  }
  try {
    const s = loadSettings(confDir);
    found.push(s.vCenter?.password, vCenterPassword(s, dataDir));
  } catch {
    /* invalid settings or no key: the sealed value is still redacted by key name */
  }
  const all = found.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return [...new Set([...all, ...all.map((s) => JSON.stringify(s).slice(1, -1))])].sort((a, b) => b.length - a.length);
}

const README = `vvol-provider support bundle

What the NEC manual (5.1 "Collecting Logs") asks to copy by hand, in one archive:
  logs/       the provider's log folder (server/logs)
  conf/       the configuration folder; data/ the data folder's account, certificates, a file listing
              and vcenter-inventory.json (the VMs and datacenters last read from vCenter, the link's outcomes)
  relation/   latestRelationBetweenVMandVVOL/ and RelationBetweenVMandVVOL/ (the VM-to-VVOL relation files)
  summary.*   version, daemon, provider account user, certificate, settings, vCenter link, disk arrays
  store/      the store's integrity check and consistency invariants
  events.json, alarms.json   recent events and alarms of every disk array
Secrets are not included: key files and the initial password are left out, passwords,
hashes, salts and private keys are replaced by <redacted>. manifest.json lists what was
left out and every entry of the archive.
`;

async function gather(sink: Sink, i: BundleInput, eventLimit: number): Promise<void> {
  const status = gatherStatus({ dataDir: i.dataDir, confDir: i.confDir, clock: i.clock, env: i.env });
  await sink.text('README.txt', README);
  await sink.json('summary.json', { collectedAt: new Date(sink.now).toISOString(), node: process.version, platform: `${process.platform} ${process.arch}`, ...status });
  await sink.text('summary.txt', `${statusLines(status).join('\n')}\n`);
  await addLogs(sink, logDir(i.dataDir), i.since);
  await addConfig(sink, i.confDir, 'conf');
  await addDataConfig(sink, i.dataDir, ['server', LATEST_RELATION_FOLDER, ARCHIVE_RELATION_FOLDER]);
  await addRelationFolders(sink, i.dataDir, [LATEST_RELATION_FOLDER, ARCHIVE_RELATION_FOLDER]);
  // The store is read synchronously and closed before anything more is written.
  const fromStore = withStore(i.dataDir, i.clock, (engine, store) => ({
    health: storeHealth(store, engine),
    activity: recentActivity(engine, i.since, eventLimit),
  }), sink.problems);
  if (fromStore) {
    await sink.json('store/integrity.json', fromStore.health);
    const { events, alarms, ...head } = fromStore.activity;
    await sink.json('events.json', { ...head, arrays: events });
    await sink.json('alarms.json', { ...head, arrays: alarms });
  }
  await sink.json('manifest.json', {
    createdAt: new Date(sink.now).toISOString(),
    version: packageVersion(),
    since: i.since === undefined ? null : new Date(i.since).toISOString(),
    dataDir: i.dataDir,
    confDir: i.confDir,
    excluded: sink.excluded,
    redacted: ['passwords, hashes, salts, tokens and keys in configuration files', 'PEM private keys', 'known secret values in every text file'],
    problems: sink.problems,
    entries: sink.tar.entries.map((e) => ({ name: e.name, size: e.size })),
  });
}

/**
 * Moves the finished bundle to its name. Without `force` a hard link, which fails if a
 * file appeared there while the bundle was written (rename would replace it); where
 * the file system has no hard links, a last check and a rename.
 */
function publish(partial: string, target: string, force: boolean): void {
  if (force) {
    fs.renameSync(partial, target);
    return;
  }
  try {
    fs.linkSync(partial, target);
    fs.rmSync(partial, { force: true });
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw targetExistsError(target);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
  }
  if (fs.existsSync(target)) throw targetExistsError(target);
  fs.renameSync(partial, target);
}

/** Writes the bundle and prints nothing; throws BundleTargetError when the target cannot be written. */
export async function collectSupportBundle(i: BundleInput): Promise<BundleResult> {
  const now = i.clock.now();
  const stamp = stampOf(now);
  const target = resolveTarget(i.out, i.cwd ?? process.cwd(), stamp, i.force);
  const partial = `${target}.partial-${process.pid}`;
  let tar: TarGzWriter;
  try {
    tar = await TarGzWriter.create(partial);
  } catch (e) {
    throw new BundleTargetError(target, reasonOf(e));
  }
  const sink = new Sink(tar, `vvol-provider-support-${stamp}`, knownSecrets(i.dataDir, i.confDir), now);
  try {
    await gather(sink, i, i.eventLimit ?? 1000);
    await tar.finish();
    publish(partial, target, !!i.force);
  } catch (e) {
    await tar.abort();
    fs.rmSync(partial, { force: true });
    if (e instanceof BundleTargetError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code && ['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EDQUOT', 'EIO'].includes(code)) throw new BundleTargetError(target, reasonOf(e));
    throw e;
  }
  return { path: target, size: fs.statSync(target).size, entries: tar.entries, problems: sink.problems };
}
