/**
 * Logs (issue 4 section 3): one file per UTC day under <data>/server/logs, numbered
 * parts at the size cap, files of days past the retention removed; all by the
 * injected clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/array/clock';
import { listLogFiles } from '../../src/log/log-files';
import { createLogger } from '../../src/log/logger';
import { RotatingFileTransport } from '../../src/log/rotating-file';
import { tempDir } from '../helpers/fixture';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let dir: string;
let clock: ManualClock;

beforeEach(() => {
  dir = path.join(tempDir('vvol-logs-'), 'server', 'logs');
  clock = new ManualClock(Date.UTC(2026, 0, 1, 22, 0, 0));
});
afterEach(() => fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true }));

const names = () => fs.readdirSync(dir).sort();
const read = (n: string) => fs.readFileSync(path.join(dir, n), 'utf8');

test('through winston: lines carry the clock\'s time and land in provider-YYYYMMDD.log of that UTC day', async () => {
  const log = createLogger(dir, clock, { console: false });
  log.info('first day');
  clock.advance(3 * HOUR);
  log.warn('second day', { array: 'Storage001' });
  await new Promise<void>((resolve) => {
    log.on('finish', () => resolve());
    log.end();
  });
  expect(names()).toEqual(['provider-20260101.log', 'provider-20260102.log']);
  expect(read('provider-20260101.log')).toBe('2026-01-01T22:00:00.000Z INFO first day\n');
  expect(read('provider-20260102.log')).toBe('2026-01-02T01:00:00.000Z WARN second day {"array":"Storage001"}\n');
  expect(fs.statSync(path.join(dir, 'provider-20260101.log')).mode & 0o777).toBe(0o600);
});

test('a day\'s file that reaches the size cap continues in numbered parts; a restart appends to the last part', () => {
  const line = `${'x'.repeat(39)}`; // 40 bytes with the newline
  const t = new RotatingFileTransport({ dir, clock, maxSizeBytes: 100 });
  for (let i = 0; i < 5; i++) t.writeLine(line);
  t.close();
  expect(names()).toEqual(['provider-20260101.1.log', 'provider-20260101.2.log', 'provider-20260101.log']);
  expect(read('provider-20260101.log')).toBe(`${line}\n${line}\n`);
  expect(read('provider-20260101.1.log')).toBe(`${line}\n${line}\n`);
  expect(read('provider-20260101.2.log')).toBe(`${line}\n`);
  const again = new RotatingFileTransport({ dir, clock, maxSizeBytes: 100 });
  again.writeLine(line);
  again.writeLine(line);
  again.close();
  expect(read('provider-20260101.2.log')).toBe(`${line}\n${line}\n`);
  expect(read('provider-20260101.3.log')).toBe(`${line}\n`);
  expect(listLogFiles(dir).map((f) => f.part)).toEqual([0, 1, 2, 3]);
});

test('retention: over simulated days, files older than the kept days are removed at the day change', () => {
  const t = new RotatingFileTransport({ dir, clock, retentionDays: 3, maxSizeBytes: 30 });
  // A stray file of the folder that is not ours stays.
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep me\n');
  t.writeLine('day 1, part 0 .............');
  t.writeLine('day 1, part 1 .............');
  for (let d = 2; d <= 5; d++) {
    clock.advance(DAY);
    t.writeLine(`day ${d}`);
  }
  t.close();
  // 2026-01-05 22:00: kept are the 3rd, 4th and 5th (today counts as one day).
  expect(names()).toEqual(['notes.txt', 'provider-20260103.log', 'provider-20260104.log', 'provider-20260105.log']);
  expect(read('provider-20260105.log')).toBe('day 5\n');
});

test('a log folder that cannot be written does not throw into the provider; writing resumes when it can', () => {
  const t = new RotatingFileTransport({ dir, clock });
  t.writeLine('before');
  t.close();
  fs.rmSync(dir, { recursive: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.writeFileSync(dir, 'a file where the folder was');
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(() => t.writeLine('lost')).not.toThrow();
    expect(() => t.writeLine('lost too')).not.toThrow();
    expect(err).toHaveBeenCalledTimes(1);
  } finally {
    err.mockRestore();
  }
  fs.rmSync(dir);
  t.writeLine('after');
  t.close();
  expect(read('provider-20260101.log')).toBe('after\n');
});
