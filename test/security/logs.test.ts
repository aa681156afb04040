/**
 * Issue 8 rows 16 and 22: what reaches the log. Control characters in any message or
 * field are escaped by the logger's one format, so no caller can forge a line; the
 * settings and account files are never followed through a link, and their errors name
 * file, line and column but never quote the content.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/array/clock';
import { ProviderAccount } from '../../src/config/account';
import { parseJsonc } from '../../src/config/jsonc';
import { DEFAULT_SETTINGS, loadSettings, saveSettings, settingsFile, SettingsError, withDiskArrayAdded } from '../../src/config/settings';
import { SettingsWatcher } from '../../src/config/watch';
import { createLogger, escapeControl, Logger } from '../../src/log/logger';
import { RotatingFileTransport } from '../../src/log/rotating-file';
import { tempDir } from '../helpers/fixture';

let dir: string;
beforeEach(() => {
  dir = tempDir('vvol-logs-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const SECRET = 'root:x:0:0:TOPSECRET-hash$6$abc';

async function closed(log: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    log.on('finish', () => resolve());
    log.end();
  });
}

function logLines(logs: string): string[] {
  const files = fs.readdirSync(logs).filter((f) => f.endsWith('.log'));
  return files.flatMap((f) => fs.readFileSync(path.join(logs, f), 'utf8').split('\n')).filter((l) => l !== '');
}

describe('row 16: control characters are escaped in every log message and field', () => {
  test('row 16: a newline inside a field cannot forge a log line; the file holds one line per record', async () => {
    const logs = path.join(dir, 'logs');
    const log = createLogger(logs, new ManualClock(), { console: false });
    const forged = '2026-01-01T00:00:00.000Z INFO forged';
    log.info(`queryArrays: bad arrayId "12\n${forged}"`);
    log.warn('cr and nel', { value: `7\r${forged}`, other: `8\u0085${forged}`, sep: `9\u2028${forged}\u2029` });
    log.error(`escape \u001b[31mred\u001b[0m and del \u007f`);
    await closed(log);
    const lines = logLines(logs);
    expect(lines).toHaveLength(3);
    expect(lines.filter((l) => /^\S+ INFO forged/.test(l))).toEqual([]);
    expect(lines[0]).toBe(`2026-01-01T00:00:00.000Z INFO queryArrays: bad arrayId "12\\n${forged}"`);
    expect(lines[1]).toContain('\\u0085');
    expect(lines[1]).toContain('\\u2028');
    expect(lines[1]).toContain('\\u2029');
    expect(lines[2]).toBe('2026-01-01T00:00:00.000Z ERROR escape \\u001b[31mred\\u001b[0m and del \\u007f');
    for (const l of lines) expect(l).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });

  test('row 16: the transport\'s raw writeLine escapes too', () => {
    const t = new RotatingFileTransport({ dir, clock: new ManualClock() });
    t.writeLine('one\ntwo\r\n');
    t.close();
    expect(fs.readFileSync(t.currentFile as string, 'utf8')).toBe('one\\ntwo\\r\n');
  });

  test('row 16: escapeControl names the common ones and writes the rest as \\u escapes', () => {
    expect(escapeControl('a\tb\nc\rd\u0000e\u009bf\u2028g')).toBe('a\\tb\\nc\\rd\\u0000e\\u009bf\\u2028g');
    expect(escapeControl('plain C:\\path ü €')).toBe('plain C:\\path ü €');
  });
});

describe('row 23: the settings file is never followed through a link, and never quoted', () => {
  let conf: string;
  let other: string;
  beforeEach(() => {
    conf = path.join(dir, 'conf');
    fs.mkdirSync(conf);
    other = path.join(dir, 'shadow');
    fs.writeFileSync(other, `${SECRET}\nmore secret lines\n`);
  });

  test('row 23: a settings file replaced by a symbolic link is refused unread, with a message saying why', () => {
    fs.symlinkSync(other, settingsFile(conf));
    let err: unknown;
    try {
      loadSettings(conf);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SettingsError);
    const e = err as SettingsError;
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toBe(`${settingsFile(conf)} is a symbolic link; it was not read. The provider reads this file only as a regular file of its own, since a link could point it at any other file of the system: replace the link with the file itself.`);
    expect(JSON.stringify(e.problems)).not.toContain('TOPSECRET');
    expect(JSON.stringify(e.problems)).not.toContain('root:x');
  });

  test('row 23: the running provider logs the refusal without the other file\'s bytes and keeps its settings', () => {
    saveSettings(conf, withDiskArrayAdded(DEFAULT_SETTINGS, '192.0.2.10'));
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
    const w = new SettingsWatcher({ confDir: conf, initial: loadSettings(conf), log, onChange: () => undefined });
    fs.rmSync(settingsFile(conf));
    fs.symlinkSync(other, settingsFile(conf));
    expect(w.reload().status).toBe('rejected');
    expect(w.current.diskArrays).toEqual(['192.0.2.10']);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('is a symbolic link');
    expect(logged[0]).not.toContain('root:x');
    // A broken edit of the file itself: file, line and column, not the text.
    fs.rmSync(settingsFile(conf));
    fs.writeFileSync(settingsFile(conf), `{\n  "diskArrays": ["192.0.2.10"],\n  ${SECRET}\n}\n`);
    expect(w.reload().status).toBe('rejected');
    expect(logged[1]).toBe(`settings: refused the edit of ${settingsFile(conf)}; the last good settings stay in force: ${settingsFile(conf)}: not valid JSON (comments allowed) at line 3, column 3: expected double-quoted property name`);
  });

  test('row 23: a hard link to another file and a non-regular file are refused too', () => {
    fs.linkSync(other, settingsFile(conf));
    expect(() => loadSettings(conf)).toThrow(/has 2 names \(a hard link\); it was not read/);
    fs.rmSync(settingsFile(conf));
    fs.mkdirSync(settingsFile(conf));
    expect(() => loadSettings(conf)).toThrow(/is not a regular file; it was not read/);
  });

  test('row 23: JSON errors name line and column and never quote the text (V8 quotes it by itself)', () => {
    expect(() => JSON.parse(SECRET)).toThrow(/root:x/); // what was logged before
    expect(() => parseJsonc(SECRET, '/conf/f.jsonc')).toThrow(/^\/conf\/f\.jsonc: not valid JSON \(comments allowed\) at line 1, column 1: unexpected character$/);
    const commented = '// a comment\n/* more */ { "a": 1,\n  "b": TOPSECRET }';
    expect(() => parseJsonc(commented, 'f')).toThrow('f: not valid JSON (comments allowed) at line 3, column 8: unexpected character');
    expect(() => parseJsonc('{"a": "TOPSECRET', 'f')).toThrow('f: not valid JSON (comments allowed) at line 1, column 17: unterminated string');
    expect(parseJsonc('// c\n{ "a": "// not a comment", /* x */ "b": [1] }', 'f')).toEqual({ a: '// not a comment', b: [1] });
  });

  test('row 23: the provider account file is not followed through a link either, nor quoted when damaged', () => {
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    fs.symlinkSync(other, ProviderAccount.file(data));
    expect(() => ProviderAccount.load(data)).toThrow(/is a symbolic link; it was not read/);
    fs.rmSync(ProviderAccount.file(data));
    fs.writeFileSync(ProviderAccount.file(data), SECRET);
    expect(() => ProviderAccount.load(data)).toThrow(`${ProviderAccount.file(data)} is damaged (not JSON): set the account again.`);
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
    const w = new SettingsWatcher({ confDir: dir, initial: DEFAULT_SETTINGS, log, onChange: () => undefined, dataDir: data, onAccountChange: () => undefined });
    expect(w.reloadAccount().status).toBe('rejected');
    expect(logged.join('\n')).not.toContain('root:x');
  });
});
