/**
 * `settings mail`: the image-backup scheduler's job mails (the `imageBackup.mail` section of
 * conf/provider-settings.jsonc) without editing the file or sealing a password by hand:
 *
 *   settings mail                                   show them (the password only as set / not set)
 *   settings mail --smtp-host <host> --smtp-port <port> [--smtp-secure] [--smtp-user <user>]
 *                 [--smtp-password] [--from <address>] [--to <address>]...
 *   settings mail --no-smtp                         no server: mails go to <data>/outbox as .eml files
 *
 * Options left out keep their value (a change of port keeps the host, user and password).
 * The SMTP password is never taken from the command line: --smtp-password asks for it
 * without echo, or reads stdin's first line, as `settings -v` does for vCenter's; it is
 * sealed with <data>/settings.key. The result is checked by the settings file's own
 * validator (errors name the field) before anything is asked or written; the running
 * provider picks the change up through its settings watcher.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadOrCreateKey, seal } from '../config/secrets';
import {
  loadSettings, type ProviderSettings, settingsFile, SettingsError, type SmtpSettings, updateSettings, validateSettings,
} from '../config/settings';
import { DATA_NAMES } from '../sys/layout';
import { type PasswordInput, readPassword } from './password-input';
import { CliError, EXIT } from './run';

/** What the `settings` command lends the sub-command. */
export interface MailCommandHooks {
  /** Where --smtp-password reads the password (a terminal: no echo; else stdin's first line). */
  input(): PasswordInput;
  /** The conf and data folders, and --json, as `settings` resolved them (given before or after `mail`). */
  folders(sub: Command): { conf: string; data: string; json: boolean };
  /**
   * Called instead when one of the manual's modes was given, so `settings -s mail` still
   * sets an account named "mail": the values are "mail" and whatever followed it.
   */
  manualMode(values: string[]): Promise<void> | undefined;
  /** Prints an error as `settings` does; the exit status. */
  fail(e: unknown, json: boolean): number;
}

interface MailFlags {
  smtp?: boolean;
  smtpHost?: string;
  smtpPort?: string;
  smtpSecure?: boolean;
  smtpUser?: string | false;
  smtpPassword?: boolean;
  from?: string;
  to?: string[] | false;
}

/** A change to `imageBackup.mail`; what is absent is kept. */
export interface MailChange {
  /** false: no SMTP server (the outbox). */
  smtp?: false;
  host?: string;
  /** As typed: a non-number is left for the validator to name. */
  port?: string | number;
  secure?: boolean;
  /** false: no user (and so no password). */
  user?: string | false;
  /** 'new': a password is being set (sealed later); false: remove it. */
  password?: 'new' | false;
  from?: string;
  to?: readonly string[];
}

const SMTP_FLAGS: Array<[keyof MailFlags, string]> = [
  ['smtpHost', '--smtp-host'], ['smtpPort', '--smtp-port'], ['smtpSecure', '--smtp-secure'], ['smtpUser', '--smtp-user'], ['smtpPassword', '--smtp-password'],
];

const NO_PASSWORD_VALUE = 'The SMTP password is never given on the command line (other users see it in `ps`): --smtp-password asks for it without echo, or reads the first line of stdin.';

function changeFrom(f: MailFlags): MailChange | undefined {
  const given = SMTP_FLAGS.filter(([k]) => f[k] !== undefined).map(([, flag]) => flag);
  if (f.smtp === false && given.length) {
    throw new CliError(`--no-smtp (job mails to the outbox folder) cannot be given with ${given.join(', ')}.`);
  }
  const c: MailChange = {
    ...(f.smtp === false ? { smtp: false as const } : {}),
    ...(f.smtpHost !== undefined ? { host: f.smtpHost } : {}),
    ...(f.smtpPort !== undefined ? { port: /^\d{1,6}$/.test(f.smtpPort) ? Number(f.smtpPort) : f.smtpPort } : {}),
    ...(f.smtpSecure !== undefined ? { secure: f.smtpSecure } : {}),
    ...(f.smtpUser !== undefined ? { user: f.smtpUser } : {}),
    ...(f.smtpPassword !== undefined ? { password: f.smtpPassword ? ('new' as const) : (false as const) } : {}),
    ...(f.from !== undefined ? { from: f.from } : {}),
    ...(f.to !== undefined ? { to: f.to || [] } : {}),
  };
  return Object.keys(c).length ? c : undefined;
}

/**
 * The settings with `c` applied; `sealed` is the new password's sealed text (while it is
 * not read yet, the stored one stays, so the rest can be checked first).
 */
export function withMail(s: ProviderSettings, c: MailChange, sealed?: string): ProviderSettings {
  const mail = s.imageBackup.mail;
  let smtp: SmtpSettings | null = mail.smtp;
  if (c.smtp === false) smtp = null;
  else if (c.host !== undefined || c.port !== undefined || c.secure !== undefined || c.user !== undefined || c.password !== undefined) {
    const next: { -readonly [K in keyof SmtpSettings]: SmtpSettings[K] } = { ...(smtp ?? ({} as SmtpSettings)) };
    if (c.host !== undefined) next.host = c.host;
    if (c.port !== undefined) next.port = c.port as number; // a string is reported by the validator
    if (c.secure !== undefined) next.secure = c.secure;
    if (c.user === false) {
      delete next.user;
      delete next.password;
    } else if (c.user !== undefined) next.user = c.user;
    if (c.password === false) delete next.password;
    else if (sealed !== undefined) next.password = sealed;
    if (c.password === 'new' && next.user === undefined) {
      const p = 'imageBackup.mail.smtp.password: is used only with imageBackup.mail.smtp.user; give --smtp-user as well.';
      throw new SettingsError('INVALID_ARGUMENT', p);
    }
    smtp = next;
  }
  return {
    ...s,
    imageBackup: { ...s.imageBackup, mail: { smtp, from: c.from ?? mail.from, to: c.to ? [...c.to] : mail.to } },
  };
}

/** The settings file's own validation of `s` (a SettingsError naming each field), without writing. */
function check(s: ProviderSettings): void {
  const v = validateSettings(JSON.parse(JSON.stringify(s)));
  if (!v.ok) throw new SettingsError('INVALID_ARGUMENT', v.problems.join(' '), v.problems);
}

export interface MailSummary {
  smtp: { host: string; port: number; secure: boolean; user: string | null; password: 'set' | 'not set' } | null;
  from: string;
  to: string[];
  /** Where the mails are written when there is no SMTP server. */
  outbox: string | null;
}

export function mailSummary(s: ProviderSettings, dataDir: string): MailSummary {
  const { smtp, from, to } = s.imageBackup.mail;
  return {
    smtp: smtp && { host: smtp.host, port: smtp.port, secure: smtp.secure, user: smtp.user ?? null, password: smtp.password ? 'set' : 'not set' },
    from,
    to: [...to],
    outbox: smtp ? null : path.join(path.resolve(dataDir), DATA_NAMES.outbox),
  };
}

export function mailLines(m: MailSummary): string[] {
  const server = m.smtp
    ? `${m.smtp.host}:${m.smtp.port}, TLS from connect: ${m.smtp.secure ? 'yes' : 'no'}, user ${m.smtp.user ?? '(none)'}, password ${m.smtp.password}`
    : `(none: mails are written to ${m.outbox} as .eml files)`;
  return [`Job mail SMTP server: ${server}`, `Job mail from: ${m.from}`, `Job mail to: ${m.to.length ? m.to.join(', ') : '(nobody)'}`];
}

function say(text: string | string[]): void {
  process.stdout.write(`${(Array.isArray(text) ? text : [text]).join('\n')}\n`);
}

async function setMail(c: MailChange, where: { conf: string; data: string; json: boolean }, input: PasswordInput): Promise<void> {
  // Everything but the password is checked before it is asked for, and before settings.key is made.
  check(withMail(loadSettings(where.conf), c));
  let sealed: string | undefined;
  if (c.password === 'new') {
    const user = c.user || loadSettings(where.conf).imageBackup.mail.smtp?.user;
    const password = await readPassword({ input, output: process.stderr }, `Password of the SMTP user "${user}"`);
    if (!password) throw new SettingsError('INVALID_ARGUMENT', 'imageBackup.mail.smtp.password: must not be empty (to remove it, give --no-smtp-password).');
    // Sealed the way `settings -v` seals vCenter's: the data folder's key (src/config/secrets.ts).
    sealed = seal(password, loadOrCreateKey(where.data));
  }
  const s = updateSettings(where.conf, (cur) => withMail(cur, c, sealed));
  // The mailer refuses to send without one (src/scheduler/notify/mailer.ts); the outbox keeps them regardless.
  if (s.imageBackup.mail.smtp && !s.imageBackup.mail.to.length) process.stderr.write('WARNING: no recipient (--to): job mails through the SMTP server fail until one is set.\n');
  say(where.json ? JSON.stringify({ message: 'Set successfully!', mail: mailSummary(s, where.data) }, null, 2) : 'Set successfully!');
}

function showMail(where: { conf: string; data: string; json: boolean }): void {
  const m = mailSummary(loadSettings(where.conf), where.data);
  say(where.json ? JSON.stringify({ file: settingsFile(where.conf), mail: m }, null, 2) : [`Settings file: ${settingsFile(where.conf)}`, ...mailLines(m)]);
}

const collect = (value: string, previous: unknown): string[] => [...(Array.isArray(previous) ? previous : []), value];

const EPILOG = `
Without options: the mail settings (the password only as "set" or "not set").
Options left out keep their value. The password is asked for without echo, or the first
line of stdin is read; it is stored encrypted with <data>/settings.key. The running
provider applies the change without restart.

Examples:
  $ npm run -s cli -- settings mail --smtp-host mail.example.com --smtp-port 587 --smtp-user vvol --smtp-password --from vvol@example.com --to ops@example.com --to backup@example.com
  $ printf '%s\\n' "$SMTP_PASSWORD" | npm run -s cli -- settings mail --smtp-password
  $ npm run -s cli -- settings mail --no-smtp
  $ npm run -s cli -- settings mail --json
`;

/** Adds `mail` to the `settings` command. */
export function registerMailCommand(settings: Command, hooks: MailCommandHooks): Command {
  const mail = settings
    .command('mail')
    .description('the image-backup job mails: SMTP server (or the outbox folder), sender and recipients; without options, show them')
    .option('--smtp-host <host>', 'SMTP server host name or address')
    .option('--smtp-port <port>', 'SMTP server port (1-65535)')
    .option('--smtp-secure', 'TLS from the start of the connection (port 465 usually)')
    .option('--no-smtp-secure', 'plain connection, upgraded with STARTTLS when the server offers it')
    .option('--smtp-user <user>', 'SMTP user to log in as')
    .option('--no-smtp-user', 'log in as nobody (removes the user and the password)')
    .option('--smtp-password', 'set the SMTP password: asked for without echo, or read from stdin (never on the command line)')
    .option('--no-smtp-password', 'remove the SMTP password')
    .option('--no-smtp', 'no SMTP server: job mails are written to <data>/outbox as .eml files')
    .option('--from <address>', 'sender address')
    .option('--to <address>', 'a recipient; repeat for more (replaces the list)', collect)
    .option('--no-to', 'no recipients')
    .option('--conf <dir>', 'configuration folder (as for settings)')
    .option('--data <dir>', 'provider data folder holding settings.key (as for settings)')
    .option('--json', 'print JSON instead of text')
    // Unknown options and values are refused below, after `settings -s mail ...` is told apart.
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', EPILOG);
  mail.action(async (_o: unknown, cmd: Command) => {
    const rerouted = hooks.manualMode(['mail', ...cmd.args]);
    if (rerouted) return rerouted;
    const where = hooks.folders(cmd);
    try {
      const unknown = cmd.args.find((a) => a.startsWith('-'));
      if (unknown) throw new CliError(`Unknown option ${unknown.split('=')[0]} of settings mail; see \`settings mail --help\`.`);
      const change = changeFrom(cmd.opts<MailFlags>());
      if (cmd.args.length && !(cmd.args.length === 1 && cmd.args[0] === 'show' && !change)) {
        throw new CliError(`settings mail takes options only, no values (${cmd.args.length} given). ${NO_PASSWORD_VALUE}`);
      }
      if (change) await setMail(change, where, hooks.input());
      else showMail(where);
      process.exitCode = EXIT.ok;
    } catch (e) {
      process.exitCode = hooks.fail(e, where.json);
    }
    return undefined;
  });
  return mail;
}
