/**
 * `status`: is the provider running, which account and certificate vCenter sees, the
 * settings, and per disk array its monitoring state and the last relation file written
 * with its outcome. Reads the folders only (works with the daemon stopped). Exit 0 when
 * it could report; 1 when the settings are invalid or the store cannot be read.
 */
import type { Command } from 'commander';
import { Clock, SystemClock } from '../array/clock';
import { confDir, dataDir } from '../sys/runtime';
import { summaryLines } from '../config/settings-summary';
import { EXIT, reportError } from './run';
import { ArrayStatus, gatherStatus, ProviderStatus } from './support/provider-status';

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
    `Disk arrays in the store: ${s.arrays.length}`,
    ...s.arrays.flatMap(arrayLines),
    ...s.unmatchedDiskArrays.map((ip) => `  ${ip}: registered in the settings, but no disk array in the store has this address`),
    ...s.problems.map((p) => `Problem: ${p}`),
  ];
}

export function registerStatusCommands(program: Command, deps: StatusDeps = {}): Command {
  return program
    .command('status')
    .description('whether the provider runs, its account, certificate and settings, and per disk array the monitoring state and the last relation file')
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
