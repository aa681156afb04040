/**
 * The provider's logger (winston): daily files under <data>/server/logs
 * (provider-YYYYMMDD.log, size-capped parts, retention; see rotating-file.ts) plus the
 * console. Made once in main and passed down; nothing logs through a global.
 */
import fs from 'node:fs';
import winston from 'winston';
import type { Clock } from '../array/clock';
import { escapeControl } from './escape';
import { RotatingFileTransport } from './rotating-file';

export { escapeControl } from './escape';

export type Logger = winston.Logger;

export interface LoggerOptions {
  console?: boolean;
  level?: string;
  /** Size cap of one log file, bytes (default 10 MiB). */
  maxSizeBytes?: number;
  /** Days of log files kept, today included (default 14). */
  retentionDays?: number;
}

/**
 * The provider's one line format: "<ISO time> <LEVEL> <message> <fields as JSON>".
 * Escaping happens here, once, for every transport: no caller needs to remember it.
 */
export function formatLine(i: Record<string, unknown>): string {
  const { level, message, timestamp, ...rest } = i;
  const extra = Object.keys(rest).length ? ` ${safeJson(rest)}` : '';
  return escapeControl(`${String(timestamp)} ${String(level).toUpperCase()} ${String(message)}${extra}`);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return '"(fields that cannot be written as JSON)"';
  }
}

export function createLogger(dir: string, clock: Clock, opts: LoggerOptions = {}): Logger {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = winston.format((info) => {
    info.timestamp = new Date(clock.now()).toISOString();
    return info;
  });
  const line = winston.format.printf((i) => formatLine(i as Record<string, unknown>));
  const transports: winston.transport[] = [
    new RotatingFileTransport({ dir, clock, maxSizeBytes: opts.maxSizeBytes, retentionDays: opts.retentionDays }),
  ];
  if (opts.console !== false) transports.push(new winston.transports.Console());
  return winston.createLogger({ level: opts.level ?? 'info', format: winston.format.combine(stamp(), line), transports });
}

/** A logger that drops everything (tests, CLI). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
