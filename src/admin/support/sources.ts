/**
 * The parts of a support bundle, as manual 5.1 lists what to copy by hand: the log
 * folder, the configuration, the relation files; plus what a support engineer asks
 * for next: the store's health, recent events and alarms. Each adder writes through
 * a Sink that redacts and scrubs text (redact.ts) and records what it left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DiskArrayEngine } from '../../array/engine';
import { isArrayError } from '../../array/errors';
import { listLogFiles, parseLogFileName } from '../../log/log-files';
import type { Store } from '../../store/db';
import { isExcludedFile, redactConfigFile, redactText, scrubSecrets } from './redact';
import { filterLogLines } from './since';
import type { TarGzWriter } from './tar';

const DAY_MS = 86_400_000;
const MAX_CONFIG_BYTES = 5 * 1024 * 1024;

export class Sink {
  readonly excluded: string[] = [];
  readonly redacted: string[] = [];
  readonly problems: string[] = [];

  constructor(readonly tar: TarGzWriter, readonly root: string, private readonly secrets: readonly string[], readonly now: number) {}

  /** Adds a text entry, scrubbed of every known secret. */
  async text(name: string, text: string, mtime = this.now): Promise<void> {
    await this.tar.addFile(`${this.root}/${name}`, scrubSecrets(text, this.secrets), { mtime, mode: 0o644 });
  }

  async json(name: string, value: unknown): Promise<void> {
    await this.text(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  async raw(name: string, file: string): Promise<void> {
    await this.tar.addFileFromDisk(`${this.root}/${name}`, file);
  }
}

function walk(dir: string, depth = 4): string[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const d of names.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, d.name);
    if (d.isDirectory() && depth > 0) out.push(...walk(p, depth - 1));
    else if (d.isFile()) out.push(p);
  }
  return out;
}

/** Manual 5.1 "Log files of VASA Provider": <data>/server/logs, by day (file name) and line time when `since` is given. */
export async function addLogs(sink: Sink, logDir: string, since: number | undefined): Promise<void> {
  const rotated = new Set(listLogFiles(logDir).map((f) => f.path));
  for (const file of walk(logDir, 1)) {
    const rel = path.relative(logDir, file);
    const parsed = parseLogFileName(path.basename(file));
    const st = fs.statSync(file);
    if (since !== undefined) {
      const ends = rotated.has(file) && parsed ? parsed.dayStart + DAY_MS : st.mtimeMs;
      if (ends < since) continue;
    }
    let text = fs.readFileSync(file, 'utf8');
    if (since !== undefined) text = filterLogLines(text, since, !parsed || parsed.dayStart >= since);
    await sink.text(`logs/${rel}`, redactText(text), st.mtimeMs);
  }
}

/** Manual 5.1 "Configuration files": every file of the conf folder, secrets removed. */
export async function addConfig(sink: Sink, confDir: string, into: string): Promise<void> {
  for (const file of walk(confDir)) {
    const rel = path.relative(confDir, file);
    if (/^\..*\.tmp$/.test(path.basename(file))) continue;
    if (isExcludedFile(file)) {
      sink.excluded.push(`${into}/${rel}`);
      continue;
    }
    const st = fs.statSync(file);
    if (st.size > MAX_CONFIG_BYTES) {
      sink.problems.push(`${file} left out: larger than ${MAX_CONFIG_BYTES} bytes`);
      continue;
    }
    await sink.text(`${into}/${rel}`, redactConfigFile(file, fs.readFileSync(file, 'utf8')), st.mtimeMs);
  }
}

const DATA_CONFIG = /^(provider-account\.json|provider-uid|provider\.lock|.*\.jsonc?)$/;

/** The data folder's own configuration: the account (user kept, hash and salt not), public certificates, a listing. */
export async function addDataConfig(sink: Sink, dataDir: string, skipFolders: string[]): Promise<void> {
  const listing: string[] = [];
  for (const file of walk(dataDir, 2)) {
    const rel = path.relative(dataDir, file);
    if (skipFolders.some((f) => rel === f || rel.startsWith(`${f}${path.sep}`))) continue;
    const st = fs.statSync(file);
    listing.push(`${(st.mode & 0o777).toString(8).padStart(4, '0')} ${String(st.size).padStart(12)} ${new Date(st.mtimeMs).toISOString()} ${rel}`);
    const base = path.basename(file);
    if (isExcludedFile(file)) {
      sink.excluded.push(`data/${rel}`);
    } else if (rel.startsWith(`certs${path.sep}`) && /\.(crt|pem|cer)$/.test(base)) {
      await sink.text(`data/${rel}`, redactText(fs.readFileSync(file, 'utf8')), st.mtimeMs);
    } else if (path.dirname(rel) === '.' && DATA_CONFIG.test(base) && st.size <= MAX_CONFIG_BYTES) {
      await sink.text(`data/${rel}`, redactConfigFile(file, fs.readFileSync(file, 'utf8')), st.mtimeMs);
    }
  }
  await sink.text('data/files.txt', `# mode size mtime path (names only; contents of secrets and the store are not in the bundle)\n${listing.join('\n')}\n`);
}

/** Manual 5.1 "Configuration file (XML file) ...": both relation folders as they are. */
export async function addRelationFolders(sink: Sink, dataDir: string, folders: string[]): Promise<void> {
  for (const folder of folders) {
    const dir = path.join(dataDir, folder);
    if (!fs.existsSync(dir)) {
      sink.problems.push(`${dir} does not exist (no relation file written yet)`);
      continue;
    }
    for (const file of walk(dir, 3)) await sink.raw(`relation/${folder}/${path.relative(dir, file)}`, file);
  }
}

export interface StoreHealth {
  ok: boolean;
  integrityCheck: string[];
  invariants: string[];
}

/** SQLite's integrity check and the engine's consistency invariants (read synchronously, while the store is open). */
export function storeHealth(store: Store, engine: DiskArrayEngine): StoreHealth {
  const integrityCheck = store.integrityCheck();
  const invariants = engine.checkInvariants();
  return { ok: integrityCheck.length === 1 && integrityCheck[0] === 'ok' && invariants.length === 0, integrityCheck, invariants };
}

type Since<T> = (ref: string, after: number, limit?: number) => T[];

/** The newest `limit` entries: from last-limit, or from the oldest held when those are gone. */
function newest<T>(fn: Since<T>, ref: string, last: number, limit: number): T[] {
  try {
    return fn(ref, Math.max(last - limit, 0), limit);
  } catch (e) {
    if (isArrayError(e) && e.code === 'LOST_EVENT') return fn(ref, -1, limit);
    throw e;
  }
}

export interface RecentActivity {
  since: string | null;
  limitPerArray: number;
  events: Record<string, unknown[]>;
  alarms: Record<string, unknown[]>;
}

/** The newest events and alarms of every disk array (at most `limit` each, none before `since`). */
export function recentActivity(engine: DiskArrayEngine, since: number | undefined, limit: number): RecentActivity {
  const out: RecentActivity = { since: since === undefined ? null : new Date(since).toISOString(), limitPerArray: limit, events: {}, alarms: {} };
  const stamp = <T extends { time: number }>(list: T[]) => list.filter((e) => since === undefined || e.time >= since).map((e) => ({ at: new Date(e.time).toISOString(), ...e }));
  for (const a of engine.listArrays()) {
    const last = engine.lastSequences(a.name);
    out.events[a.name] = stamp(newest((r, x, l) => engine.eventsSince(r, x, l), a.name, last.event, limit));
    out.alarms[a.name] = stamp(newest((r, x, l) => engine.alarmsSince(r, x, l), a.name, last.alarm, limit));
  }
  return out;
}
