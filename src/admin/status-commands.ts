/**
 * `status`: is the provider running, which account and certificate vCenter sees, the
 * settings, the vCenter link (last refresh, or its failure with the manual's message
 * and the inventory still in use), per disk array its monitoring state and the last relation file written
 * with its outcome, and the image-backup scheduler's summary (plans, runs in flight, the
 * last finished job, images, second copies). Reads the folders only (works with the daemon stopped). Exit 0 when
 * it could report; 1 when the settings are invalid or the store cannot be read.
 */
import type { Command } from 'commander';
import { Clock, SystemClock } from '../array/clock';
import { confDir, dataDir } from '../sys/runtime';
import { summaryLines } from '../config/settings-summary';
import { EXIT, reportError } from './run';
import { bytes } from './format-scheduler';
import { vCenterStatusLines } from '../vcenter/state';
import { ArrayStatus, gatherStatus, ImageBackupRunStatus, ImageBackupStatus, ProviderStatus } from './support/provider-status';

export interface StatusDeps {
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

function daemonLine(s: ProviderStatus): string {
  const d = s.daemon;
  if (d.running) return `Daemon: running (pid ${d.pid})`;
  return d.staleLock ? `Daemon: not running (stale lock of pid ${d.pid ?? '?'} in ${d.lockFile})` : 'Daemon: not running';
}

function certLine(s: ProviderStatus): string {
  const c = s.certificate;
  if (!c) return 'Certificate: none yet (the provider makes one at first start)';
  if (c.problem) return `Certificate: ${c.file}: ${c.problem}`;
  const left = c.expired ? 'EXPIRED' : `${c.daysLeft} days left`;
  return `Certificate: SHA-256 ${c.fingerprint256}, valid until ${c.validTo} (${left})`;
}

function arrayLines(a: ArrayStatus): string[] {
  const r = a.relation;
  const rel = r?.lastWrite
    ? `last relation file ${r.lastWrite} (${r.lastResult ?? 'written'})${r.file ? ` ${r.file}` : ''}`
    : 'no relation file written yet';
  const lines = [`  ${a.name} (${a.model}, ${a.ip}, WWN ${a.wwn}): monitoring ${a.monitoring}, ${a.managed ? 'managed' : 'NOT managed (its IP is not in the settings\' disk arrays)'}`, `    ${rel}`];
  if (r?.lastError) lines.push(`    last relation error: ${r.lastError}`);
  return lines;
}

/** Runs in flight listed one per line; the rest are counted. */
const RUNS_LISTED = 10;

function runLine(r: ImageBackupRunStatus): string {
  const what = r.planName !== null ? `plan ${r.planName}` : `immediate backup of ${r.vms.join(', ') || '?'}`;
  return `    run ${r.id} (${what}) ${r.state}: ${r.percent}% (${r.chunksDone}/${r.chunksTotal} chunks), ${r.vmsDone}/${r.vmsTotal} VMs done`;
}

/** The "Image backup:" section: a few lines an operator reads at a glance. */
export function imageBackupLines(ib: ImageBackupStatus | null): string[] {
  if (!ib) return [];
  if (!ib.setUp) return ['Image backup:', `  ${ib.note} (store schema version ${ib.schemaVersion})`];
  const p = ib.plans;
  const next = p.nextRun ? `next run ${p.nextRun.at} (plan ${p.nextRun.planName})` : 'no run scheduled';
  const runs = ib.runsInFlight;
  const lines = [
    'Image backup:',
    `  Plans: ${p.total ? `${p.enabled} of ${p.total} enabled, ${next}` : 'none'}`,
    `  Runs in flight: ${runs.count || 'none'}`,
    ...runs.runs.slice(0, RUNS_LISTED).map(runLine),
    ...(runs.count > RUNS_LISTED ? [`    ... and ${runs.count - RUNS_LISTED} more (vvolctl image runs --active)`] : []),
  ];
  if (ib.restoresInFlight.count) lines.push(`  Restores in flight: ${ib.restoresInFlight.count} (${ib.restoresInFlight.vms.join(', ')})`);
  const j = ib.lastFinishedJob;
  if (!j) lines.push('  Last finished job: none yet');
  else {
    const what = j.type === 'backup' ? (j.planName !== null ? `backup, plan ${j.planName}` : `immediate backup of ${j.vms.join(', ')}`) : `restore of ${j.vms.join(', ')}`;
    lines.push(`  Last finished job: ${j.jobId} (${what}) ${j.status} at ${j.finishedAt ?? j.startedAt}${j.message && j.status !== 'Success' ? `: ${j.message}` : ''}`);
  }
  const im = ib.images;
  lines.push(im.count
    ? `  Images: ${im.count}, backup times ${im.oldestBackupTime} to ${im.newestBackupTime}, ${bytes(im.bytesStored)} stored${im.storeDir ? ` in ${im.storeDir}` : ''}`
    : `  Images: none${im.storeDir ? ` (store ${im.storeDir})` : ''}`);
  const c = ib.secondStore;
  if (c) {
    const pending = c.pending ? `${c.pending} pending (oldest written ${c.oldestPendingSince})` : 'none pending';
    const failed = c.failed ? `${c.failed} failed${c.lastFailure ? ` (last: image ${c.lastFailure.imageId}${c.lastFailure.error ? `: ${c.lastFailure.error}` : ''})` : ''}` : 'none failed';
    lines.push(`  Second store${c.dir ? ` ${c.dir}` : ''}: copies ${pending}, ${failed}`);
  }
  return lines;
}

export function statusLines(s: ProviderStatus): string[] {
  const settings = 'problems' in s.settings
    ? ['Settings: INVALID (the provider keeps its last good settings):', ...s.settings.problems.map((p) => `  ${p}`)]
    : summaryLines(s.settings);
  return [
    `vvol-provider ${s.version}`,
    daemonLine(s),
    `Data folder: ${s.dataDir}`,
    `Configuration folder: ${s.confDir}`,
    `Provider account: ${s.providerAccount ? s.providerAccount.user : '(not set yet)'}`,
    certLine(s),
    ...settings,
    ...(s.vCenter ? vCenterStatusLines(s.vCenter) : []),
    `Disk arrays in the store: ${s.arrays.length}`,
    ...s.arrays.flatMap(arrayLines),
    ...s.unmatchedDiskArrays.map((ip) => `  ${ip}: registered in the settings, but no disk array in the store has this address`),
    ...imageBackupLines(s.imageBackup),
    ...s.problems.map((p) => `Problem: ${p}`),
  ];
}

export function registerStatusCommands(program: Command, deps: StatusDeps = {}): Command {
  return program
    .command('status')
    .description('whether the provider runs, its account, certificate and settings, per disk array the monitoring state and the last relation file, and the image-backup summary')
    .option('--conf <dir>', 'configuration folder (env VASA_PROVIDER_CONF)', confDir(deps.env))
    .option('--data <dir>', 'provider data folder (env VASA_PROVIDER_DATA)', dataDir(deps.env))
    .option('--json', 'print JSON instead of text')
    .action((o: { conf: string; data: string; json?: boolean }) => {
      try {
        const s = gatherStatus({ dataDir: o.data, confDir: o.conf, clock: deps.clock ?? new SystemClock(), env: deps.env });
        process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : `${statusLines(s).join('\n')}\n`);
        process.exitCode = 'problems' in s.settings || s.problems.length ? EXIT.failure : EXIT.ok;
      } catch (e) {
        process.exitCode = reportError(e, !!o.json);
      }
    });
}
