/**
 * How the provider's log files are named under <data>/server/logs: one file per UTC
 * day, provider-YYYYMMDD.log, then provider-YYYYMMDD.1.log, .2.log ... when a day's
 * file reaches the size cap. The day in the name (not the file's mtime) decides
 * retention and the support bundle's --since, so both follow the injected clock.
 */
import fs from 'node:fs';
import path from 'node:path';

export const LOG_PREFIX = 'provider';
const NAME = /^(.+)-(\d{8})(?:\.(\d+))?\.log$/;
const DAY_MS = 86_400_000;

export interface LogFile {
  name: string;
  path: string;
  /** YYYYMMDD (UTC). */
  day: string;
  part: number;
  /** Start of the day (UTC, ms). */
  dayStart: number;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function utcDay(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

export function dayStart(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)));
}

export function logFileName(day: string, part: number, prefix = LOG_PREFIX): string {
  return part === 0 ? `${prefix}-${day}.log` : `${prefix}-${day}.${part}.log`;
}

export function parseLogFileName(name: string, prefix = LOG_PREFIX): Omit<LogFile, 'path'> | undefined {
  const m = NAME.exec(name);
  if (!m || m[1] !== prefix) return undefined;
  const start = dayStart(m[2]);
  if (!Number.isFinite(start) || utcDay(start) !== m[2]) return undefined;
  return { name, day: m[2], part: m[3] === undefined ? 0 : Number(m[3]), dayStart: start };
}

/** The rotated log files in `dir`, oldest first; none when the folder is missing. */
export function listLogFiles(dir: string, prefix = LOG_PREFIX): LogFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .map((n) => parseLogFileName(n, prefix))
    .filter((f): f is Omit<LogFile, 'path'> => f !== undefined)
    .map((f) => ({ ...f, path: path.join(dir, f.name) }))
    .sort((a, b) => a.dayStart - b.dayStart || a.part - b.part);
}

/** Files to delete under a retention of `days` days (today counts as one) at time `now`. */
export function expiredLogFiles(files: LogFile[], now: number, days: number): LogFile[] {
  const oldestKept = dayStart(utcDay(now)) - (days - 1) * DAY_MS;
  return files.filter((f) => f.dayStart < oldestKept);
}
