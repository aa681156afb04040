/**
 * The provider's logger (winston): one file under <data>/server/logs plus the console.
 * Made once in main and passed down; nothing logs through a global.
 */
import fs from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import type { Clock } from '../array/clock';

export type Logger = winston.Logger;

export function createLogger(dir: string, clock: Clock, opts: { console?: boolean; level?: string } = {}): Logger {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = winston.format((info) => {
    info.timestamp = new Date(clock.now()).toISOString();
    return info;
  });
  const line = winston.format.printf((i) => {
    const { level, message, timestamp, ...rest } = i as Record<string, unknown>;
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    return `${timestamp as string} ${String(level).toUpperCase()} ${String(message)}${extra}`;
  });
  const transports: winston.transport[] = [
    new winston.transports.File({ filename: path.join(dir, 'provider.log'), maxsize: 10 * 1024 * 1024, maxFiles: 10, tailable: true }),
  ];
  if (opts.console !== false) transports.push(new winston.transports.Console());
  return winston.createLogger({ level: opts.level ?? 'info', format: winston.format.combine(stamp(), line), transports });
}

/** A logger that drops everything (tests, CLI). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
