/**
 * How a `schedule` or `image` command runs: open the data folder's assembly (the same
 * image-backup service the daemon and the admin API use), run the command against the
 * service, print its result as text or `--json`, close. A SchedulerError prints the
 * service's own message (the API's 400/404/409/429/422 answers say the same) and exits
 * by its code: INVALID 2, NOT_FOUND 4, CONFLICT 6, LIMIT 7, FAILED 1. Other errors
 * (no store, invalid settings) are reported as every vvolctl command reports them.
 *
 * Waiting (`image backup --wait`, `image run --wait`, `image restore`): the command
 * polls the run and prints a progress line whenever it changes, to stderr (stdout stays
 * the result, for --json and pipes). While waiting it advances the scheduler itself
 * (the service's tick), so it finishes without a daemon too; beside a running daemon
 * that is safe, since each run is advanced by one process at a time (its owner, and an
 * immediate backup belongs to the process that started it until that one exits).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type ImageBackupApi, type Run, SchedulerError } from '../scheduler/contract';
import { STORE_FILE } from '../store/db';
import { FINAL_RUN_STATES } from './api/progress';
import { RequestChecks } from './api/validation';
import { progressLine } from './format-scheduler';
import { CliError, EXIT, reportError, withManagedAssembly } from './run';

export interface SchedulerCliContext {
  api: ImageBackupApi;
  /** Advances the scheduler once (due slots, archives, retention); absent when the service has no tick. */
  tick?: () => void | Promise<void>;
  /** Waits between two polls (default: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Waits for the job mails handed over during the command (a CLI process must not exit before they are out). */
  settle?: () => Promise<void>;
  close(): void;
}

export type SchedulerOpener = (o: { data: string }) => SchedulerCliContext | Promise<SchedulerCliContext>;

type Ticking = ImageBackupApi & { tick?: () => void | Promise<void>; settleMail?: () => Promise<void> };

/**
 * The default opener: the daemon's assembly over the data folder (store shared through
 * WAL). With vCenter settings the VM names are read once first (the daemon's saved
 * inventory while it is current), as the backup commands do.
 */
export async function openSchedulerFolder(o: { data: string }): Promise<SchedulerCliContext> {
  if (!fs.existsSync(path.join(o.data, STORE_FILE))) {
    throw new CliError(`There is no provider store (${STORE_FILE}) in the data folder ${o.data}. Start the provider once (\`npm start\`) first.`, EXIT.noData, 'NO_STORE');
  }
  let refresh: () => Promise<unknown> = () => Promise.resolve();
  const ctx = withManagedAssembly(o.data, (a) => {
    refresh = () => a.vcenter.freshNaming(a.cliInventoryAgeMs(), a.relation.options.datacenter);
    const api: Ticking = a.imageBackup;
    return {
      api,
      ...(typeof api.tick === 'function' ? { tick: () => api.tick?.() } : {}),
      ...(typeof api.settleMail === 'function' ? { settle: () => api.settleMail?.() ?? Promise.resolve() } : {}),
    };
  });
  try {
    await refresh();
  } catch (e) {
    ctx.close();
    throw e;
  }
  return ctx;
}

export const EXIT_BY_SCHEDULER_CODE: Record<SchedulerError['code'], number> = {
  INVALID: EXIT.usage, NOT_FOUND: EXIT.notFound, CONFLICT: EXIT.conflict, LIMIT: EXIT.limit, FAILED: EXIT.failure,
};

export const SCHEDULER_EXIT_TABLE = [
  'Exit status:',
  '  0  success',
  '  1  FAILED, a run that did not complete, a verify that found problems, other failures',
  '  2  usage error or INVALID (the message names the field)',
  '  3  the data folder holds no store',
  '  4  NOT_FOUND (plan, run, image, VM)',
  '  6  CONFLICT (a backup or restore of the VM runs, a run has ended ...)',
  '  7  LIMIT (5 backups per VM in 24 hours, a full slot: the message says when or where instead)',
].join('\n');

/** What a command prints: the value for --json, lines otherwise, and its exit status. */
export interface CliOutput {
  value: unknown;
  text: string[];
  exitCode?: number;
}

export interface CommandEnv {
  ctx: SchedulerCliContext;
  json: boolean;
  checks: RequestChecks;
  /** Prints a progress line (stderr). */
  progress(line: string): void;
}

/** The CLI's option names of the fields a message may name, for a hint after it. */
const OPTION_OF: Record<string, string> = {
  name: '--name', vms: '--vm', enabled: '--disabled', timeZone: '--tz', retentionDays: '--retention',
  'schedule.type': '--type', 'schedule.startDate': '--start-date', 'schedule.slotHour': '--slot', 'schedule.startMinute': '--minute',
  'schedule.weekday': '--weekday', 'schedule.monthDay': '--month-day', 'schedule.ordinal': '--ordinal', body: 'an option to change',
};

function optionHint(field: string | undefined): string {
  if (!field) return '';
  const key = Object.hasOwn(OPTION_OF, field) ? field : field.replace(/\[\d+\]$/, '');
  return Object.hasOwn(OPTION_OF, key) ? ` (${OPTION_OF[key]})` : '';
}

/** Prints a SchedulerError as the CLI does (the service's message; JSON: code, message, field, details); returns the exit status. */
export function reportSchedulerError(e: unknown, json: boolean): number {
  if (!(e instanceof SchedulerError)) return reportError(e, json);
  const body = { error: { code: e.code, message: e.message, field: e.field ?? null, details: e.details ?? {} } };
  process.stderr.write(json ? `${JSON.stringify(body)}\n` : `ERROR: ${e.message}${optionHint(e.field)}\n`);
  return EXIT_BY_SCHEDULER_CODE[e.code] ?? EXIT.failure;
}

function print(out: CliOutput, json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify(out.value, null, 2)}\n`);
  else if (out.text.length) process.stdout.write(`${out.text.join('\n')}\n`);
  return out.exitCode ?? EXIT.ok;
}

/** Runs one command of the `schedule` or `image` group. */
export async function runScheduler(cmd: Command, open: SchedulerOpener, body: (env: CommandEnv) => CliOutput | Promise<CliOutput>): Promise<void> {
  const opts = cmd.optsWithGlobals<{ data: string; json?: boolean }>();
  const json = !!opts.json;
  let ctx: SchedulerCliContext | undefined;
  try {
    ctx = await open({ data: opts.data });
    const env: CommandEnv = { ctx, json, checks: new RequestChecks(), progress: (line) => process.stderr.write(`${line}\n`) };
    process.exitCode = print(await body(env), json);
  } catch (e) {
    process.exitCode = reportSchedulerError(e, json);
  } finally {
    await ctx?.settle?.().catch(() => undefined);
    ctx?.close();
  }
}

/** A plan or run id argument, checked as the API checks its path (`id: must be an integer.`). */
export function numericId(env: CommandEnv, raw: string): number {
  return env.checks.parameters({ id: { required: true, description: '', schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } } }, { id: raw }, 'path').id as number;
}

/** `--timeout <seconds>` as milliseconds. */
export function timeoutMs(raw: string | undefined, fallbackSeconds: number): number {
  if (raw === undefined) return fallbackSeconds * 1000;
  if (!/^[0-9]{1,7}$/.test(raw) || Number(raw) < 1) throw new CliError(`--timeout: must be a whole number of seconds, at least 1, not ${JSON.stringify(raw)}.`);
  return Number(raw) * 1000;
}

const POLL_MS = 1000;

/**
 * Follows a run until it ends, printing a progress line whenever it changes; advances
 * the scheduler between polls. Gives up (exit 1) after `limitMs` of waiting: the run goes on.
 */
export async function followRun(env: CommandEnv, runId: number, limitMs: number): Promise<Run> {
  const sleep = env.ctx.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = process.hrtime.bigint();
  let last = '';
  for (;;) {
    const run = env.ctx.api.getRun(runId);
    const line = progressLine(run);
    if (line !== last) env.progress(line);
    last = line;
    if (FINAL_RUN_STATES.has(run.state)) return run;
    if (Number(process.hrtime.bigint() - started) / 1e6 >= limitMs) {
      throw new CliError(`Stopped waiting after ${Math.round(limitMs / 1000)} s; run ${runId} goes on (see \`vvolctl image run ${runId}\`).`, EXIT.failure, 'TIMEOUT');
    }
    await env.ctx.tick?.();
    await sleep(POLL_MS);
  }
}
