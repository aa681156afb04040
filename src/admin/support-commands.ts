/**
 * `support collect`: one tar.gz with what manual 5.1 tells users to copy for support
 * (logs, configuration, relation files) plus the store's health and recent events,
 * secrets left out or redacted (src/admin/support/). Prints the bundle's path and
 * size. Exit 0 on success, 1 when the target cannot be written (with the reason),
 * 6 when --out names an existing file (replaced only with --force), 2 for a bad
 * --since. scripts/collect-logs runs the same command.
 */
import type { Command } from 'commander';
import { Clock, SystemClock } from '../array/clock';
import { confDir, dataDir } from '../sys/runtime';
import { CliError, EXIT, reportError } from './run';
import { BundleTargetError, collectSupportBundle } from './support/bundle';
import { parseSince } from './support/since';

export interface SupportDeps {
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

interface Flags {
  conf: string;
  data: string;
  out?: string;
  since?: string;
  json?: boolean;
  force?: boolean;
}

const EPILOG = `
The bundle holds: the provider logs (server/logs), the configuration folder and the data
folder's account and certificates with passwords, hashes and keys redacted or left out,
both relation XML folders, a version and settings summary, the store's integrity check,
and recent events and alarms. --since takes an ISO time (UTC unless a zone is given) or
an age: 30m, 24h, 7d, 2w. An existing --out file is never replaced unless --force is given.

Examples:
  $ scripts/collect-logs --since 24h
  $ npm run -s cli -- support collect --out /tmp/case-1234.tar.gz --since 2026-01-01T00:00:00Z
`;

export function registerSupportCommands(program: Command, deps: SupportDeps = {}): Command {
  const support = program.command('support').description('collect what NEC support needs (manual 5.1) into one archive');
  support
    .command('collect')
    .description('write one tar.gz with logs, redacted configuration, relation files, store health, events and alarms')
    .option('--out <file>', 'the tar.gz to write, or an existing folder for the default name (default: ./vvol-provider-support-<UTC time>.tar.gz)')
    .option('--force', 'replace the --out file if it exists (default: refuse, exit 6)')
    .option('--since <time>', 'only logs, events and alarms from this time on (ISO time, or an age like 24h)')
    .option('--conf <dir>', 'configuration folder (env VASA_PROVIDER_CONF)', confDir(deps.env))
    .option('--data <dir>', 'provider data folder (env VASA_PROVIDER_DATA)', dataDir(deps.env))
    .option('--json', 'print the result as JSON')
    .addHelpText('after', EPILOG)
    .action(async (o: Flags) => {
      const clock = deps.clock ?? new SystemClock();
      try {
        let since: number | undefined;
        if (o.since !== undefined) {
          since = parseSince(o.since, clock.now());
          if (since === undefined) throw new CliError(`--since takes an ISO time (2026-01-01T00:00:00Z) or an age (30m, 24h, 7d), not "${o.since}".`);
        }
        const r = await collectSupportBundle({ dataDir: o.data, confDir: o.conf, clock, out: o.out, since, cwd: deps.cwd, env: deps.env, force: !!o.force });
        const text = [`Support bundle: ${r.path} (${r.size} bytes, ${r.entries.length} files)`, ...r.problems.map((p) => `  note: ${p}`)];
        process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : `${text.join('\n')}\n`);
        process.exitCode = EXIT.ok;
      } catch (e) {
        const mapped = !(e instanceof BundleTargetError) ? e
          : e.exists ? new CliError(e.message, EXIT.conflict, 'ALREADY_EXISTS')
            : new CliError(e.message, EXIT.failure, 'NOT_WRITABLE');
        process.exitCode = reportError(mapped, !!o.json);
      }
    });
  return support;
}
