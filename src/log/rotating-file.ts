/**
 * A winston transport writing one file per UTC day (provider-YYYYMMDD.log), a new
 * numbered part when the day's file would pass the size cap, and removing the files of
 * days older than the retention. Time comes from the injected clock, so tests move
 * through days by hand. Writes are synchronous appends: a log line is on disk (in the
 * page cache) when the call returns, a crash loses nothing already logged, and the
 * daemon's log rate (a line per VASA call) makes the cost negligible.
 *
 * A failing disk must not stop the provider: a write error is reported once on stderr
 * and the transport keeps trying with the next line (and the next file).
 *
 * Why ours and not winston-daily-rotate-file (issue 9 asked; read for 5.0.0, which
 * rotates through file-stream-rotator 0.6.1): it could name the files as we do
 * (`provider-%DATE%` with extension `.log` gives provider-YYYYMMDD.log, then .1.log,
 * .2.log), but
 *  - it reads the machine's wall clock itself (through moment, in FileStreamRotator.getDate
 *    and the retention's "oldest date"), with no way to pass a clock: the day a line lands in
 *    and the 14 days kept would follow the wall clock, not the injected one, and the
 *    tests that walk through simulated days (test/support/log-rotation.test.ts) could
 *    not run without faking the process's timers;
 *  - retention works from a `.audit.json` it writes beside the logs and prunes only the
 *    files listed there: files of an earlier run with a lost audit file stay forever,
 *    and the extra file shows in the log folder and the support bundle;
 *  - lines go through an fs.WriteStream, so a crash loses what was still buffered, where
 *    ours has each line in the file when the call returns.
 * The part of this file that is a format (the names) is in log-files.ts, shared with
 * the support bundle's reader of these files.
 */
import fs from 'node:fs';
import winston from 'winston';
import type TransportStream from 'winston-transport';
import type { Clock } from '../array/clock';
import { escapeControl } from './escape';
import { expiredLogFiles, listLogFiles, LOG_PREFIX, logFileName, utcDay } from './log-files';

export interface RotationOptions {
  dir: string;
  clock: Clock;
  /** Size cap of one file, bytes (default 10 MiB). */
  maxSizeBytes?: number;
  /** Days of files kept, today included (default 14). */
  retentionDays?: number;
  prefix?: string;
}

export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_RETENTION_DAYS = 14;

const MESSAGE = Symbol.for('message');
/** winston's Transport base class (winston-transport), taken from winston itself, which always carries it. */
const Transport = (winston as unknown as { Transport: typeof TransportStream }).Transport;

export class RotatingFileTransport extends Transport {
  private fd?: number;
  private day?: string;
  private part = 0;
  private size = 0;
  private failing = false;
  readonly maxSizeBytes: number;
  readonly retentionDays: number;
  private readonly prefix: string;

  constructor(private readonly opts: RotationOptions & TransportStream.TransportStreamOptions) {
    super(opts);
    this.maxSizeBytes = opts.maxSizeBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.retentionDays = opts.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
    this.prefix = opts.prefix ?? LOG_PREFIX;
    fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    this.once('finish', () => this.close());
  }

  /** The file written now (after the first line). */
  get currentFile(): string | undefined {
    return this.day === undefined ? undefined : `${this.opts.dir}/${logFileName(this.day, this.part, this.prefix)}`;
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const text = info[MESSAGE] ?? info.message;
    // The logger's format escaped it already; escaping again costs little and keeps a
    // transport used with another format from writing a forged line.
    this.write1(`${escapeControl(String(text))}\n`);
    setImmediate(() => this.emit('logged', info));
    next();
  }

  /** Appends one line (control characters escaped), rotating first when the day changed or the file is full. */
  writeLine(line: string): void {
    this.write1(`${escapeControl(line.endsWith('\n') ? line.slice(0, -1) : line)}\n`);
  }

  private write1(line: string): void {
    const buf = Buffer.from(line, 'utf8');
    try {
      this.rotateIfNeeded(buf.length);
      fs.writeSync(this.fd as number, buf);
      this.size += buf.length;
      this.failing = false;
    } catch (e) {
      if (!this.failing) process.stderr.write(`vvol-provider: cannot write the log in ${this.opts.dir}: ${(e as Error).message}\n`);
      this.failing = true;
      this.closeFd();
    }
  }

  private rotateIfNeeded(bytes: number): void {
    const today = utcDay(this.opts.clock.now());
    if (today !== this.day || this.fd === undefined) {
      this.closeFd();
      this.openDay(today);
      this.prune();
    }
    if (this.size > 0 && this.size + bytes > this.maxSizeBytes) {
      this.closeFd();
      this.part++;
      this.openPart();
    }
  }

  /** Continues the day's last part (a restart the same day appends to it). */
  private openDay(day: string): void {
    this.day = day;
    const parts = listLogFiles(this.opts.dir, this.prefix).filter((f) => f.day === day);
    this.part = parts.length ? parts[parts.length - 1].part : 0;
    this.openPart();
  }

  private openPart(): void {
    const file = `${this.opts.dir}/${logFileName(this.day as string, this.part, this.prefix)}`;
    fs.mkdirSync(this.opts.dir, { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }

  private prune(): void {
    for (const f of expiredLogFiles(listLogFiles(this.opts.dir, this.prefix), this.opts.clock.now(), this.retentionDays)) {
      try {
        fs.rmSync(f.path, { force: true });
      } catch {
        /* retried at the next day change */
      }
    }
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = undefined;
  }

  override close(): void {
    this.closeFd();
  }
}
