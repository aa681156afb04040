/**
 * Provider settings (SetProviderConf, manual 2.3.1): the file, its validation and the
 * `settings` command group with the manual's messages. Rules L1, L11, L12, L13.
 */
import { providerPort } from '../../src/sys/runtime';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { registerSettingsCommands } from '../../src/admin/settings-commands';
import { ProviderAccount } from '../../src/config/account';
import { keyFile } from '../../src/config/secrets';
import {
  DEFAULT_IMAGE_BACKUP, DEFAULT_SETTINGS, loadSettings, saveSettings, settingsFile, SettingsError, validateSettings, vCenterPassword,
  withDiskArrayAdded, withInterval,
} from '../../src/config/settings';
import { DEFAULT_PROVIDER_PORT, summarizeSettings, summaryLines } from '../../src/config/settings-summary';
import { tempDir, useConfAndData } from '../helpers/fixture';
import { runCli } from '../support/run-cli';

let conf: string;
let data: string;
useConfAndData('vvol-', (c, d) => {
  conf = c;
  data = d;
});

// stdin is empty: a password left off the command line is not there (test/security/cli-passwords.test.ts reads it).
const settings = (...args: string[]) => runCli((p) => registerSettingsCommands(p, { input: Readable.from([]) }), ['settings', '--conf', conf, '--data', data, ...args]);
/** What a password on the command line adds to stderr (issue 8 row 24). */
const VISIBLE = 'WARNING: a password on the command line can be seen by other users of this machine (ps) and stays in the shell history; leave it out to type it at a prompt, or pipe it on stdin.\n';

describe('the settings file', () => {
  test('no file means the defaults (interval 5, no arrays, no vCenter), frozen', () => {
    const s = loadSettings(conf);
    expect(s).toEqual({ relationIntervalMinutes: 5, diskArrays: [], vCenter: null, imageBackup: DEFAULT_IMAGE_BACKUP });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.diskArrays)).toBe(true);
  });

  test('validation reports every problem at once', () => {
    const v = validateSettings({ relationIntervalMinutes: 4, diskArrays: ['10.0.0.1', 'fe80::1', '10.0.0.1', 'x', '10.0.0.2'], vCenter: { ip: '1.2.3', httpsPort: 70000, user: 'a;b', password: 'clear' }, extra: 1 });
    expect(v.ok).toBe(false);
    const problems = (v as { problems: string[] }).problems;
    expect(problems).toEqual(expect.arrayContaining([
      'extra: unknown setting (known: relationIntervalMinutes, diskArrays, vCenter, imageBackup).',
      expect.stringContaining('Invalid time value. Please set up an integer between 5 and 1440.'),
      'diskArrays[1] must be an IPv4 address, not "fe80::1" (IPv6 cannot be used).',
      'diskArrays[3] must be an IPv4 address, not "x".',
      'diskArrays: 10.0.0.1 is listed twice.',
      'diskArrays: up to 4 disk arrays can be registered, not 5 (L1).',
      'vCenter.ip must be an IPv4 address, not "1.2.3".',
      'vCenter.httpsPort must be a port number (1-65535), not 70000.',
      expect.stringContaining('vCenter.user: The vCenter user name must not contain the symbols'),
      expect.stringContaining('vCenter.password: must be the encrypted value'),
    ]));
    expect(problems).toHaveLength(10);
  });

  test('a hand-edited file with comments loads; a broken one names the file and the problems', () => {
    fs.writeFileSync(settingsFile(conf), '// mine\n{ "relationIntervalMinutes": 30, /* two */ "diskArrays": ["192.0.2.10", "192.0.2.11"] }\n');
    expect(loadSettings(conf)).toEqual({ relationIntervalMinutes: 30, diskArrays: ['192.0.2.10', '192.0.2.11'], vCenter: null, imageBackup: DEFAULT_IMAGE_BACKUP });
    fs.writeFileSync(settingsFile(conf), '{ "relationIntervalMinutes": 2000 ');
    expect(() => loadSettings(conf)).toThrow(SettingsError);
    expect(() => loadSettings(conf)).toThrow(settingsFile(conf));
  });

  test('writes are atomic and keep the mode of the file they replace; no temp file is left', () => {
    saveSettings(conf, withInterval(DEFAULT_SETTINGS, 10));
    expect(fs.statSync(settingsFile(conf)).mode & 0o777).toBe(0o640);
    fs.chmodSync(settingsFile(conf), 0o604);
    saveSettings(conf, withDiskArrayAdded(loadSettings(conf), '192.0.2.10'));
    expect(fs.statSync(settingsFile(conf)).mode & 0o777).toBe(0o604);
    expect(fs.readdirSync(conf)).toEqual(['provider-settings.jsonc']);
    expect(loadSettings(conf)).toEqual({ relationIntervalMinutes: 10, diskArrays: ['192.0.2.10'], vCenter: null, imageBackup: DEFAULT_IMAGE_BACKUP });
  });
});

describe('L11: -t sets the relation file output interval (5 to 1440 minutes)', () => {
  test.each(['5', '1440', '60'])('-t %s: "Set successfully!"', async (t) => {
    const r = await settings('-t', t);
    expect(r).toEqual({ out: 'Set successfully!\n', err: '', code: 0 });
    expect(loadSettings(conf).relationIntervalMinutes).toBe(Number(t));
  });

  test.each(['4', '1441', '0', '-5', '10.5', 'ten', ''])('-t "%s": the manual\'s error, exit 2, nothing changed', async (t) => {
    await settings('-t', '30');
    const r = await settings('-t', t);
    expect(r.err).toBe('ERROR:Invalid time value. Please set up an integer between 5 and 1440.\n');
    expect(r.out).toBe('');
    expect(r.code).toBe(2);
    expect(loadSettings(conf).relationIntervalMinutes).toBe(30);
  });
});

describe('L1: -a / -d / -l for disk arrays (IPv4 only, at most 4)', () => {
  test('"ADD successfully!", the [DISKARRAY] listing, "Delete successfully!"', async () => {
    expect(await settings('-a', '192.0.2.10')).toEqual({ out: 'ADD successfully!\n', err: '', code: 0 });
    expect((await settings('-a', '192.0.2.11')).out).toBe('ADD successfully!\n');
    expect(await settings('-l')).toEqual({ out: '[DISKARRAY]\n192.0.2.10\n192.0.2.11\n', err: '', code: 0 });
    expect(JSON.parse((await settings('-l', '--json')).out)).toEqual({ diskArrays: ['192.0.2.10', '192.0.2.11'] });
    expect(await settings('-d', '192.0.2.10')).toEqual({ out: 'Delete successfully!\n', err: '', code: 0 });
    expect((await settings('-l')).out).toBe('[DISKARRAY]\n192.0.2.11\n');
  });

  test('a fifth array is refused (exit 7) and the four stay', async () => {
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) expect((await settings('-a', ip)).code).toBe(0);
    const r = await settings('-a', '10.0.0.5');
    expect(r.code).toBe(7);
    expect(r.err).toBe('ERROR: Up to 4 disk arrays can be registered; delete one first (registered: 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4).\n');
    expect(loadSettings(conf).diskArrays).toHaveLength(4);
  });

  test('IPv6 and host names are refused (exit 2); a duplicate (exit 6); deleting an unknown address (exit 4)', async () => {
    const v6 = await settings('-a', '2001:db8::1');
    expect(v6.code).toBe(2);
    expect(v6.err).toBe('ERROR: The disk array address must be an IPv4 address, not "2001:db8::1" (IPv6 cannot be used).\n');
    expect((await settings('-a', 'array.example.com')).code).toBe(2);
    expect((await settings('-a', '192.0.2.300')).code).toBe(2);
    await settings('-a', '192.0.2.10');
    expect(await settings('-a', '192.0.2.10')).toMatchObject({ code: 6, err: 'ERROR: The disk array 192.0.2.10 is already registered.\n' });
    expect(await settings('-d', '192.0.2.99')).toMatchObject({ code: 4, err: 'ERROR: The disk array 192.0.2.99 is not registered (registered: 192.0.2.10).\n' });
  });
});

describe('-v registers vCenter Server; the password is stored encrypted, never in clear', () => {
  const PASSWORD = 'Vc-Secret!2026#x';

  test('"Set successfully!", sealed with <data>/settings.key (0600), readable back by the provider', async () => {
    expect(await settings('-v', '192.0.2.5', '443', 'administrator@vsphere.local', PASSWORD)).toEqual({ out: 'Set successfully!\n', err: VISIBLE, code: 0 });
    const text = fs.readFileSync(settingsFile(conf), 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(text).toMatch(/"password": "aes-256-gcm:v1:/);
    expect(fs.statSync(keyFile(data)).mode & 0o777).toBe(0o600);
    const s = loadSettings(conf);
    expect(s.vCenter).toMatchObject({ ip: '192.0.2.5', httpsPort: 443, user: 'administrator@vsphere.local' });
    expect(vCenterPassword(s, data)).toBe(PASSWORD);
    // Another data folder's key cannot open it.
    const other = tempDir();
    fs.writeFileSync(keyFile(other), `${Buffer.alloc(32, 7).toString('base64')}\n`);
    expect(() => vCenterPassword(s, other)).toThrow('cannot be opened');
  });

  test.each(['"', '&', "'", ',', ';', '<', '=', '>', '^', '|'])('the symbol %s is refused in the user name and the password', async (c) => {
    const u = await settings('-v', '192.0.2.5', '443', `adm${c}in`, PASSWORD);
    expect(u.code).toBe(2);
    expect(u.err).toContain('The vCenter user name must not contain the symbols " & \' , ; < = > ^ |');
    const p = await settings('-v', '192.0.2.5', '443', 'admin', `pa${c}ss`);
    expect(p.code).toBe(2);
    expect(p.err).toContain('The vCenter password must not contain the symbols');
    expect(fs.existsSync(settingsFile(conf))).toBe(false);
  });

  test('IPv4 only, a real port, three or four values', async () => {
    expect((await settings('-v', 'fe80::1', '443', 'admin', PASSWORD)).code).toBe(2);
    expect((await settings('-v', '192.0.2.5', '0', 'admin', PASSWORD)).err).toContain('The vCenter HTTPS port must be a port number (1-65535)');
    const few = await settings('-v', '192.0.2.5', '443');
    expect(few).toMatchObject({ code: 2, err: 'ERROR: Usage: settings -v <ip> <https-port> <user> [<password>] (2 values given).\n' });
  });

  test('a password beginning with "-" is a value, not an option (after `--` when it starts like a flag)', async () => {
    expect((await settings('-v', '192.0.2.5', '8443', 'admin', '-Xpass!')).code).toBe(0);
    expect(vCenterPassword(loadSettings(conf), data)).toBe('-Xpass!');
    const flagLike = await settings('-v', '192.0.2.5', '8443', 'admin', '-dash-pass!');
    expect(flagLike.code).toBe(2);
    expect(flagLike.err).toContain('A value beginning with "-" goes after `--`');
    expect((await settings('-v', '192.0.2.5', '8443', 'admin', '--', '-dash-pass!')).code).toBe(0);
    expect(vCenterPassword(loadSettings(conf), data)).toBe('-dash-pass!');
  });
});

describe('L12: -s sets the provider account, stored hashed', () => {
  test('"Set successfully!"; the account verifies; the password is nowhere in the data folder', async () => {
    const pw = 'Prov!der#Pass_99';
    expect(await settings('-s', 'vasaadmin', pw)).toEqual({ out: 'Set successfully!\n', err: VISIBLE, code: 0 });
    const acct = ProviderAccount.load(data) as ProviderAccount;
    expect(acct.user).toBe('vasaadmin');
    expect(await acct.verifyAsync('vasaadmin', pw)).toBe(true);
    for (const f of fs.readdirSync(data)) expect(fs.readFileSync(path.join(data, f), 'utf8')).not.toContain(pw);
  });

  test('spaces, characters outside the list and more than 255 characters are refused (exit 2)', async () => {
    expect(await settings('-s', 'vasa admin', 'Long-Enough-1')).toMatchObject({ code: 2, err: `${VISIBLE}ERROR: The user name must not contain spaces.\n` });
    expect((await settings('-s', 'vasaadmin', 'pässword')).code).toBe(2);
    expect((await settings('-s', 'a'.repeat(256), 'Long-Enough-1')).err).toBe(`${VISIBLE}ERROR: The user name must be at most 255 characters.\n`);
    // Issue 8 row 12: a new password has at least 8 characters.
    expect(await settings('-s', 'vasaadmin', 'Seven!7')).toMatchObject({ code: 2, err: `${VISIBLE}ERROR: The password must be at least 8 characters.\n` });
    expect((await settings('-s', 'a'.repeat(255), 'p!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')).code).toBe(0);
    expect(ProviderAccount.load(data)?.user).toBe('a'.repeat(255));
  });

  test('one option at a time, with its values', async () => {
    expect((await settings()).err).toContain('Give one of the options -s, -a, -d, -l, -t, -v');
    expect((await settings('-a', '-l')).code).toBe(2);
    expect((await settings('-s')).err).toBe('ERROR: Usage: settings -s <user> [<password>] (0 values given).\n');
    expect((await settings('-v', '192.0.2.5', '443')).err).toBe('ERROR: Usage: settings -v <ip> <https-port> <user> [<password>] (2 values given).\n');
    // Without the password and with nothing on stdin (issue 8 row 24).
    expect(await settings('-s', 'onlyuser')).toEqual({ out: '', err: 'ERROR: No password given: stdin is empty. Type it at the prompt (run from a terminal), or pipe one line on stdin.\n', code: 2 });
  });
});

describe('settings show', () => {
  test('prints the settings with the vCenter password redacted, as text and JSON', async () => {
    await settings('-t', '15');
    await settings('-a', '192.0.2.10');
    await settings('-v', '192.0.2.5', '443', 'administrator@vsphere.local', 'Vc-Secret!2026#x');
    await settings('-s', 'vasaadmin', 'Prov!der#Pass_99');
    const text = await settings('show');
    expect(text.code).toBe(0);
    expect(text.out).toContain('Relation file output interval: 15 minutes');
    expect(text.out).toContain('Disk arrays: 192.0.2.10');
    expect(text.out).toContain('vCenter Server: 192.0.2.5:443, user administrator@vsphere.local, password (set, encrypted)');
    expect(text.out).toContain('Provider account: vasaadmin');
    expect(text.out).not.toContain('Vc-Secret');
    const j = JSON.parse((await settings('show', '--json')).out);
    expect(j.settings).toMatchObject({ relationIntervalMinutes: 15, diskArrays: ['192.0.2.10'], vCenter: { ip: '192.0.2.5', httpsPort: 443, user: 'administrator@vsphere.local', password: '(set, encrypted)' } });
    expect(j.providerAccount).toEqual({ user: 'vasaadmin' });
    expect(JSON.stringify(j)).not.toContain('aes-256-gcm');
  });

  test('an invalid file: exit 1 and each problem on its own line', async () => {
    fs.writeFileSync(settingsFile(conf), '{ "relationIntervalMinutes": 3, "diskArrays": ["::1"] }');
    const r = await settings('-l');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(2);
  });
});

describe('L13: default ports', () => {
  test('the provider listens on 9943 by default and the registration URL is https://<ip>:9943/version.xml', () => {
    // The one parser of the runtime variables: unset means 9943, for the daemon and the CLI alike.
    expect(providerPort({})).toBe(9943);
    expect(providerPort({ VASA_PROVIDER_PORT: '' })).toBe(9943);
    expect(DEFAULT_PROVIDER_PORT).toBe(9943);
    const s = summarizeSettings(DEFAULT_SETTINGS, { address: '192.168.1.100' });
    expect(s.registrationUrl).toBe('https://192.168.1.100:9943/version.xml');
    expect(summaryLines(s)).toContain('Registration URL: https://192.168.1.100:9943/version.xml');
  });
});

describe('the runtime variables, read once for the daemon and the CLI', () => {
  test('VASA_PROVIDER_PORT: the same rules and the same error everywhere', () => {
    expect(providerPort({ VASA_PROVIDER_PORT: '19943' })).toBe(19943);
    expect(providerPort({ VASA_PROVIDER_PORT: '0' })).toBe(0);
    for (const bad of ['-1', '65536', '99x', '1e3', 'http']) {
      expect(() => providerPort({ VASA_PROVIDER_PORT: bad })).toThrow(`VASA_PROVIDER_PORT must be a port number (0-65535), not "${bad}".`);
    }
  });
});
