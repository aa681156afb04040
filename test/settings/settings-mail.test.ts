/**
 * `settings mail`: the image-backup job mails (imageBackup.mail) set from the CLI. The SMTP
 * password is read like vCenter's (no-echo prompt, or stdin's first line), never from the
 * command line, and sealed with <data>/settings.key; every change goes through the
 * settings file's validator (errors name the field, exit 2, nothing written); the
 * settings watcher applies it. The manual's `settings -s mail` still means a user "mail".
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { registerSettingsCommands } from '../../src/admin/settings-commands';
import { ProviderAccount } from '../../src/config/account';
import { keyFile, loadOrCreateKey, unseal } from '../../src/config/secrets';
import { DEFAULT_IMAGE_BACKUP, loadSettings, settingsFile, vCenterPassword } from '../../src/config/settings';
import { SettingsWatcher } from '../../src/config/watch';
import { schedulerSettings } from '../../src/scheduler/settings';
import { tempDir, useConfAndData } from '../helpers/fixture';
import { runCli } from '../support/run-cli';

const SECRET = 'Smtp-Secret#2026';

let conf: string;
let data: string;
useConfAndData('vvol-mail-', (c, d) => {
  conf = c;
  data = d;
});

/** `settings mail ...` with `stdin` piped in (not a terminal); empty by default. */
const mail = (args: string[], stdin: string | Readable = '') =>
  runCli((p) => registerSettingsCommands(p, { input: typeof stdin === 'string' ? Readable.from(stdin ? [stdin] : []) : stdin }), ['settings', '--conf', conf, '--data', data, 'mail', ...args]);

const SERVER = ['--smtp-host', 'mail.example.com', '--smtp-port', '587', '--smtp-user', 'vvol', '--smtp-password', '--from', 'vvol@example.com', '--to', 'ops@example.com', '--to', 'b@example.com'];

function fakeTerminal() {
  const t = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(raw: boolean): void; raw: boolean[] };
  t.isTTY = true;
  t.raw = [];
  t.setRawMode = (raw: boolean) => {
    t.raw.push(raw);
  };
  return t;
}

const fileText = () => fs.readFileSync(settingsFile(conf), 'utf8');
const smtpOf = () => loadSettings(conf).imageBackup.mail.smtp;

describe('setting the SMTP server', () => {
  test('the password from stdin is stored sealed with <data>/settings.key; the scheduler reads it back', async () => {
    expect(await mail(SERVER, `${SECRET}\nsecond line ignored\n`)).toEqual({ code: 0, out: 'Set successfully!\n', err: '' });
    expect(fileText()).not.toContain(SECRET);
    expect(fileText()).toMatch(/"password": "aes-256-gcm:v1:/);
    expect(fs.statSync(keyFile(data)).mode & 0o777).toBe(0o600);
    const ib = loadSettings(conf).imageBackup;
    expect(ib.mail).toEqual({
      smtp: { host: 'mail.example.com', port: 587, secure: false, user: 'vvol', password: expect.stringMatching(/^aes-256-gcm:v1:/) },
      from: 'vvol@example.com',
      to: ['ops@example.com', 'b@example.com'],
    });
    // The rest of the section is untouched.
    expect({ ...ib, mail: undefined }).toEqual({ ...DEFAULT_IMAGE_BACKUP, mail: undefined });
    // What the daemon's mailer gets (src/app/assembly.ts unseals with the data folder's key).
    const key = loadOrCreateKey(data);
    expect(schedulerSettings(ib, (sealed) => unseal(sealed, key)).mail.smtp).toEqual({ host: 'mail.example.com', port: 587, secure: false, user: 'vvol', password: SECRET });
  });

  test('the vCenter password and the SMTP password share the one key of the data folder', async () => {
    expect((await runCli((p) => registerSettingsCommands(p, { input: Readable.from(['Vc-Pass!1\n']) }), ['settings', '--conf', conf, '--data', data, '-v', '192.0.2.5', '443', 'admin'])).code).toBe(0);
    const keyBefore = fs.readFileSync(keyFile(data), 'utf8');
    expect((await mail(SERVER, `${SECRET}\n`)).code).toBe(0);
    expect(fs.readFileSync(keyFile(data), 'utf8')).toBe(keyBefore);
    expect(vCenterPassword(loadSettings(conf), data)).toBe('Vc-Pass!1');
    expect(unseal(smtpOf()?.password as string, loadOrCreateKey(data))).toBe(SECRET);
  });

  test('on a terminal the password is typed without echo, once; raw mode is restored', async () => {
    const t = fakeTerminal();
    const run = mail(SERVER, t);
    setImmediate(() => t.write(`${SECRET}x\u007f\r`));
    expect(await run).toEqual({ code: 0, out: 'Set successfully!\n', err: 'Password of the SMTP user "vvol": \n' });
    expect(t.raw).toEqual([true, false]);
    expect(unseal(smtpOf()?.password as string, loadOrCreateKey(data))).toBe(SECRET);
  });

  test('options left out keep their value; --smtp-password alone replaces only the password', async () => {
    await mail(SERVER, `${SECRET}\n`);
    const sealed = smtpOf()?.password;
    expect((await mail(['--smtp-port', '465', '--smtp-secure'])).code).toBe(0);
    expect(loadSettings(conf).imageBackup.mail).toEqual({
      smtp: { host: 'mail.example.com', port: 465, secure: true, user: 'vvol', password: sealed },
      from: 'vvol@example.com',
      to: ['ops@example.com', 'b@example.com'],
    });
    expect((await mail(['--smtp-password'], 'Another-Secret!\n')).code).toBe(0);
    expect(smtpOf()?.password).not.toBe(sealed);
    expect(unseal(smtpOf()?.password as string, loadOrCreateKey(data))).toBe('Another-Secret!');
    expect((await mail(['--to', 'only@example.com', '--no-smtp-secure'])).code).toBe(0);
    expect(loadSettings(conf).imageBackup.mail.to).toEqual(['only@example.com']);
    expect(smtpOf()?.secure).toBe(false);
  });

  test('--no-smtp-password, --no-smtp-user (user and password) and --no-to remove', async () => {
    await mail(SERVER, `${SECRET}\n`);
    expect((await mail(['--no-smtp-password'])).code).toBe(0);
    expect(smtpOf()).toEqual({ host: 'mail.example.com', port: 587, secure: false, user: 'vvol' });
    await mail(['--smtp-password'], `${SECRET}\n`);
    // A server without recipients is allowed (the outbox keeps mails), with a warning: the mailer cannot send.
    expect(await mail(['--no-smtp-user', '--no-to'])).toEqual({ code: 0, out: 'Set successfully!\n', err: 'WARNING: no recipient (--to): job mails through the SMTP server fail until one is set.\n' });
    expect(smtpOf()).toEqual({ host: 'mail.example.com', port: 587, secure: false });
    expect(loadSettings(conf).imageBackup.mail.to).toEqual([]);
  });

  test('--no-smtp: mails go to the outbox folder; sender and recipients stay', async () => {
    await mail(SERVER, `${SECRET}\n`);
    expect(await mail(['--no-smtp'])).toEqual({ code: 0, out: 'Set successfully!\n', err: '' });
    expect(loadSettings(conf).imageBackup.mail).toEqual({ smtp: null, from: 'vvol@example.com', to: ['ops@example.com', 'b@example.com'] });
    expect(fileText()).not.toContain('aes-256-gcm');
    const j = JSON.parse((await mail(['--json'])).out);
    expect(j.mail).toEqual({ smtp: null, from: 'vvol@example.com', to: ['ops@example.com', 'b@example.com'], outbox: path.join(data, 'outbox') });
  });

  test('--conf and --data may follow the mail options', async () => {
    const r = await runCli((p) => registerSettingsCommands(p, { input: Readable.from([]) }), ['settings', 'mail', '--to', 'x@example.com', '--json', '--conf', conf, '--data', data]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ message: 'Set successfully!', mail: { smtp: null, to: ['x@example.com'] } });
    expect(loadSettings(conf).imageBackup.mail.to).toEqual(['x@example.com']);
  });
});

describe('showing the mail settings: the password only as set / not set', () => {
  test('settings mail (text and --json), and settings show', async () => {
    const empty = await mail([]);
    expect(empty).toEqual({
      code: 0,
      err: '',
      out: [
        `Settings file: ${settingsFile(conf)}`,
        `Job mail SMTP server: (none: mails are written to ${path.join(data, 'outbox')} as .eml files)`,
        'Job mail from: vvol-provider@localhost',
        'Job mail to: (nobody)',
        '',
      ].join('\n'),
    });
    await mail(SERVER, `${SECRET}\n`);
    const text = await mail([]);
    expect(text.out).toContain('Job mail SMTP server: mail.example.com:587, TLS from connect: no, user vvol, password set\n');
    expect(text.out).toContain('Job mail to: ops@example.com, b@example.com\n');
    expect((await mail(['show'])).out).toBe(text.out);
    const j = JSON.parse((await mail(['--json'])).out);
    expect(j).toEqual({
      file: settingsFile(conf),
      mail: { smtp: { host: 'mail.example.com', port: 587, secure: false, user: 'vvol', password: 'set' }, from: 'vvol@example.com', to: ['ops@example.com', 'b@example.com'], outbox: null },
    });
    await mail(['--no-smtp-password']);
    expect((await mail([])).out).toContain('user vvol, password not set\n');
    const all = await runCli((p) => registerSettingsCommands(p, { input: Readable.from([]) }), ['settings', '--conf', conf, '--data', data, 'show']);
    expect(all.out).toContain('Job mail SMTP server: mail.example.com:587');
    for (const out of [text.out, JSON.stringify(j), all.out]) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain('aes-256-gcm');
    }
  });
});

describe('refused changes: the field named, exit 2, nothing written, no password asked for', () => {
  async function refused(args: string[], problems: string[]) {
    await mail(['--from', 'before@example.com']);
    const before = fileText();
    const t = fakeTerminal();
    const r = await mail(args, t);
    expect(r).toEqual({ code: 2, out: '', err: problems.map((p) => `ERROR: ${p}\n`).join('') });
    expect(fileText()).toBe(before);
    expect(t.raw).toEqual([]);
    expect(fs.existsSync(keyFile(data))).toBe(false);
  }

  test('a bad port, host, sender and recipients: every problem, each naming its field', () => refused(
    ['--smtp-host', 'mail example', '--smtp-port', '70000', '--smtp-password', '--smtp-user', 'u', '--from', 'nobody', '--to', 'a@example.com', '--to', 'not-an-address', '--to', 'a@example.com'],
    [
      'imageBackup.mail.smtp.host: must be a host name or address, not "mail example".',
      'imageBackup.mail.smtp.port must be a port number (1-65535), not 70000.',
      'imageBackup.mail.from: must be a mail address, not "nobody".',
      'imageBackup.mail.to[1]: must be a mail address, not "not-an-address".',
      'imageBackup.mail.to: a@example.com is listed twice.',
    ],
  ));

  test('a port that is not a number', () => refused(['--smtp-host', 'h', '--smtp-port', 'smtp'], ['imageBackup.mail.smtp.port must be a port number (1-65535), not "smtp".']));

  test('a server without a host or a port', () => refused(['--smtp-port', '25'], ['imageBackup.mail.smtp.host: is missing.']));

  test('a password without a user', () => refused(['--smtp-host', 'h', '--smtp-port', '25', '--smtp-password'], ['imageBackup.mail.smtp.password: is used only with imageBackup.mail.smtp.user; give --smtp-user as well.']));

  test('--no-smtp with an --smtp option; a password or any value on the command line; an unknown option', async () => {
    await refused(['--no-smtp', '--smtp-host', 'h'], ['--no-smtp (job mails to the outbox folder) cannot be given with --smtp-host.']);
    const onLine = await mail(['--smtp-host', 'h', '--smtp-port', '25', '--smtp-user', 'u', '--smtp-password', SECRET]);
    expect(onLine.code).toBe(2);
    expect(onLine.err).toContain('settings mail takes options only, no values (1 given). The SMTP password is never given on the command line');
    expect(onLine.err).not.toContain(SECRET);
    await refused(['--smtp-hots', 'h'], ['Unknown option --smtp-hots of settings mail; see `settings mail --help`.']);
  });

  test('an empty password, or nothing on stdin', async () => {
    await mail(['--smtp-host', 'h', '--smtp-port', '25', '--smtp-user', 'u']);
    const before = fileText();
    expect(await mail(['--smtp-password'], '\n')).toEqual({ code: 2, out: '', err: 'ERROR: imageBackup.mail.smtp.password: must not be empty (to remove it, give --no-smtp-password).\n' });
    expect(await mail(['--smtp-password'])).toEqual({ code: 2, out: '', err: 'ERROR: No password given: stdin is empty. Type it at the prompt (run from a terminal), or pipe one line on stdin.\n' });
    expect(fileText()).toBe(before);
    expect(fs.existsSync(keyFile(data))).toBe(false);
  });

  test('an invalid settings file is not overwritten (exit 1)', async () => {
    fs.writeFileSync(settingsFile(conf), '{ "relationIntervalMinutes": 3 }');
    const r = await mail(['--no-smtp']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('relationIntervalMinutes');
    expect(fileText()).toBe('{ "relationIntervalMinutes": 3 }');
  });
});

describe('the manual\'s modes are untouched', () => {
  test('`settings -s mail` sets the provider account "mail" (password on stdin or on the line)', async () => {
    const run = (input: string, ...args: string[]) => runCli((p) => registerSettingsCommands(p, { input: Readable.from(input ? [input] : []) }), ['settings', '--conf', conf, '--data', data, ...args]);
    expect(await run('Mail-Account#1\n', '-s', 'mail')).toEqual({ code: 0, out: 'Set successfully!\n', err: '' });
    expect(await (ProviderAccount.load(data) as ProviderAccount).verifyAsync('mail', 'Mail-Account#1')).toBe(true);
    const r = await run('', '-s', 'mail', '-Other-Pass#2');
    expect(r).toMatchObject({ code: 0, out: 'Set successfully!\n' });
    expect(r.err).toContain('WARNING: a password on the command line');
    expect(await (ProviderAccount.load(data) as ProviderAccount).verifyAsync('mail', '-Other-Pass#2')).toBe(true);
    expect(loadSettings(conf).imageBackup).toEqual(DEFAULT_IMAGE_BACKUP);
  });
});

test('the running provider\'s settings watcher applies the change', async () => {
  const applied: string[] = [];
  const watcher = new SettingsWatcher({
    confDir: conf, initial: loadSettings(conf), log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    onChange: (_s, changes) => applied.push(...changes.map((c) => c.message)),
  });
  try {
    await mail(SERVER, `${SECRET}\n`);
    const r = watcher.reload();
    expect(r.status).toBe('applied');
    expect(watcher.current.imageBackup.mail.smtp?.host).toBe('mail.example.com');
    expect(applied.join('\n')).toContain('mail password changed');
    expect(applied.join('\n')).not.toContain(SECRET);
  } finally {
    await watcher.close();
  }
});
