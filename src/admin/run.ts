/**
 * How one CLI command runs: open the store the daemon also uses (no lock: SQLite WAL
 * lets both work), build the engine, advance background tasks once, run the command,
 * print its result as text or JSON, close the store. Errors become `ERROR: <message>`
 * on stderr and an exit status from one small table.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { DiskArrayEngine } from '../array/engine';
import { ArrayError, ArrayErrorCode, Facts, isArrayError } from '../array/errors';
import type { DiskArray } from '../array/types';
import { assemble, type Assembly } from '../app/assembly';
import { SettingsError } from '../config/settings';
import { type Store, StoreError, STORE_FILE } from '../store/db';
import { readRuntime, Runtime, RuntimeError } from '../sys/runtime';

export interface GlobalOptions {
  data: string;
  json?: boolean;
  array?: string;
}

/** Exit statuses of the CLI; `array --help` prints this table (EXIT_TABLE). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  noData: 3,
  notFound: 4,
  gated: 5,
  conflict: 6,
  limit: 7,
} as const;

const EXIT_BY_CODE: Record<ArrayErrorCode, number> = {
  INVALID_ARGUMENT: EXIT.usage,
  NOT_FOUND: EXIT.notFound,
  LICENCE_LOCKED: EXIT.gated,
  NOT_MONITORED: EXIT.gated,
  CONFIG_LOCKED: EXIT.gated,
  ALREADY_EXISTS: EXIT.conflict,
  IN_USE: EXIT.conflict,
  BUSY: EXIT.conflict,
  FAILED_PRECONDITION: EXIT.conflict,
  NOT_CANCELLABLE: EXIT.conflict,
  INCOMPATIBLE: EXIT.conflict,
  OUT_OF_RESOURCE: EXIT.limit,
  TOO_MANY: EXIT.limit,
  SNAPSHOT_TOO_MANY: EXIT.limit,
  NOT_SUPPORTED: EXIT.failure,
  LOST_EVENT: EXIT.failure,
  IO_ERROR: EXIT.failure,
  STORE_ERROR: EXIT.failure,
};

export const EXIT_TABLE = [
  'Exit status:',
  '  0  success',
  '  1  failed (NOT_SUPPORTED, IO_ERROR, LOST_EVENT, store failure), or `check` found problems',
  '  2  usage error or INVALID_ARGUMENT',
  '  3  the data folder holds no store or no disk array',
  '  4  NOT_FOUND (array, pool, LD, VVol, task, pair)',
  '  5  LICENCE_LOCKED, NOT_MONITORED, CONFIG_LOCKED',
  '  6  ALREADY_EXISTS, IN_USE, BUSY, FAILED_PRECONDITION, NOT_CANCELLABLE, INCOMPATIBLE',
  '  7  OUT_OF_RESOURCE, TOO_MANY, SNAPSHOT_TOO_MANY',
].join('\n');

export function exitCodeOf(code: ArrayErrorCode): number {
  return EXIT_BY_CODE[code] ?? EXIT.failure;
}

/** A failure of the CLI itself (no store, a missing option found late), with its exit status. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string;
  constructor(message: string, exitCode: number = EXIT.usage, code = 'USAGE') {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
  }
}

/** One item of a batch that failed (bind, unbind) while the others went on. */
export interface ItemFailure {
  item: string;
  error: ArrayError;
}

export interface Output {
  /** What --json prints: the domain values. */
  value: unknown;
  /** What is printed otherwise. */
  text: string | string[];
  /** Printed to stderr as `WARNING: ...`; the command still succeeds. */
  warnings?: string[];
  /** Items that failed; the exit status is the first one's. */
  failures?: ItemFailure[];
  /** An exit status other than 0 without an error (e.g. `check` found problems). */
  exitCode?: number;
}

function noDataMessage(dir: string, what: string): string {
  return `${what} in the data folder ${dir}. Start the provider once (\`npm start\`) to create the demo disk array, or register one with \`vvolctl array register\`.`;
}

/** The error of a data folder whose store holds no disk array (exit 3). */
export function noArrayError(dir: string): CliError {
  return new CliError(noDataMessage(dir, 'No disk array is registered'), EXIT.noData, 'NO_ARRAY');
}

/** What a command gets: the engine and the global options. */
export class Session {
  private resolved?: DiskArray;
  constructor(readonly engine: DiskArrayEngine, readonly opts: GlobalOptions) {}

  /** The array the command targets: --array, or the only registered one. */
  array(): DiskArray {
    if (!this.resolved) {
      if (!this.opts.array && this.engine.listArrays().length === 0) {
        throw noArrayError(this.opts.data);
      }
      this.resolved = this.engine.resolveArray(this.opts.array);
    }
    return this.resolved;
  }

  /** The array's name, the reference engine calls take. */
  get ref(): string {
    return this.array().name;
  }
}

function openEngine(opts: GlobalOptions, createStore: boolean): { store: Store; engine: DiskArrayEngine } {
  if (!createStore && !fs.existsSync(path.join(opts.data, STORE_FILE))) {
    throw new CliError(noDataMessage(opts.data, `There is no provider store (${STORE_FILE})`), EXIT.noData, 'NO_STORE');
  }
  const a = assemble({ runtime: cliRuntime(opts.data), role: 'cli' });
  return { store: a.store, engine: a.engine };
}

/**
 * The daemon's assembly for a command that works on what vCenter sees (relation, backup),
 * handed to `use` and closed afterwards; the data folder must already hold a store.
 */
export function withManagedAssembly<T>(data: string, use: (a: Assembly) => T): T & { close(): void } {
  if (!fs.existsSync(path.join(data, STORE_FILE))) {
    throw new Error(`There is no provider store (${STORE_FILE}) in the data folder ${data}. Start the provider once (\`npm start\`) first.`);
  }
  const a = assemble({ runtime: cliRuntime(data), role: 'cli' });
  try {
    return { ...use(a), close: () => a.close() };
  } catch (e) {
    a.close();
    throw e;
  }
}

/** The runtime of a CLI command: the variables as the daemon reads them, with --data for the data folder. */
export function cliRuntime(data: string, env: NodeJS.ProcessEnv = process.env): Runtime {
  return { ...readRuntime(env), dataDir: path.resolve(data) };
}

function errorJson(code: string, message: string, facts: Facts = {}, item?: string): string {
  return JSON.stringify({ error: { code, message, facts, ...(item === undefined ? {} : { item }) } });
}

/** Prints an error the way the CLI always does; returns the exit status it stands for. */
export function reportError(e: unknown, json: boolean): number {
  let code: string;
  let message: string;
  let facts: Facts = {};
  let status: number;
  if (isArrayError(e)) {
    ({ code, message, facts } = e);
    status = exitCodeOf(e.code);
  } else if (e instanceof CliError) {
    ({ code, message } = e);
    status = e.exitCode;
  } else if (e instanceof RuntimeError || e instanceof SettingsError) {
    code = 'USAGE';
    message = e instanceof SettingsError ? `the settings are not valid: ${(e.problems ?? [e.message]).join('; ')}` : e.message;
    status = EXIT.usage;
  } else if (e instanceof StoreError) {
    code = 'STORE_ERROR';
    message = e.message;
    status = EXIT.failure;
  } else {
    code = 'INTERNAL';
    message = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    status = EXIT.failure;
    if (process.env.VVOLCTL_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  }
  process.stderr.write(json ? `${errorJson(code, message, facts)}\n` : `ERROR: ${message}\n`);
  return status;
}

function print(out: Output, json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify(out.value, null, 2)}\n`);
  else {
    const lines = Array.isArray(out.text) ? out.text : [out.text];
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  }
  for (const w of out.warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
  for (const f of out.failures ?? []) {
    process.stderr.write(json ? `${errorJson(f.error.code, f.error.message, f.error.facts, f.item)}\n` : `ERROR: ${f.item}: ${f.error.message}\n`);
  }
  if (out.failures?.length) return exitCodeOf(out.failures[0].error.code);
  return out.exitCode ?? EXIT.ok;
}

/**
 * Runs a command body against the engine. `createStore` lets `array register` start
 * from an empty data folder; every other command needs an existing store. Store.open
 * refuses (STORE_ERROR, exit 1) a store it cannot trust: empty in a used data folder,
 * damaged at its first page, or with a lost WAL after an unclean stop.
 */
export function run(cmd: Command, body: (s: Session) => Output, o: { createStore?: boolean; tick?: boolean } = {}): void {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const json = !!opts.json;
  let store: Store | undefined;
  try {
    const opened = openEngine(opts, !!o.createStore);
    store = opened.store;
    // Without the daemon, background tasks still progress: each CLI call advances them
    // (not `check`, which looks at the store as it is, and would fail on a damaged one).
    if (o.tick !== false) opened.engine.tick();
    process.exitCode = print(body(new Session(opened.engine, opts)), json);
  } catch (e) {
    process.exitCode = reportError(e, json);
  } finally {
    store?.close();
  }
}

/** A plain-object copy of an error, for JSON output of batch results. */
export function errorValue(e: ArrayError): { code: string; message: string; facts: Facts } {
  return { code: e.code, message: e.message, facts: e.facts };
}
