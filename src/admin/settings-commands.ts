/**
 * `settings`: the NEC SetProviderConf command (manual 2.3.1) with its options and its
 * messages, plus `settings show`. The options are flags and their values positional
 * operands, as SetProviderConf takes them, so a password may begin with "-"; put `--`
 * before values that are one of the flags themselves (e.g. `settings -s admin -- -l`).
 * The running provider picks every change up without restart (src/config/watch.ts).
 *
 * The password of -s and -v may be left out: it is then typed at a prompt without echo,
 * or read from stdin's first line (issue 8 row 24: on the command line every user of
 * the machine sees it in `ps`). Given on the command line it still works, with a
 * warning on stderr.
 *
 * `settings mail` (src/admin/settings-mail.ts) sets the image-backup job mails: SMTP
 * server, sender, recipients; its password is read and sealed as -v's is.
 */
import type { Command } from 'commander';
import { credentialProblem, MIN_PASSWORD_LENGTH, ProviderAccount } from '../config/account';
import { confDir, dataDir, providerHost, providerPort, registrationAddress } from '../sys/runtime';
import {
  INVALID_INTERVAL_MESSAGE, loadSettings, settingsFile, SettingsError, SettingsErrorCode, updateSettings,
  withDiskArrayAdded, withDiskArrayRemoved, withInterval, withVCenter,
} from '../config/settings';
import { summarizeSettings, summaryLines } from '../config/settings-summary';
import { PasswordInput, readPassword } from './password-input';
import { mailLines, mailSummary, registerMailCommand } from './settings-mail';
import { CliError, EXIT, reportError } from './run';

export interface SettingsDeps {
  /** Where a password left off the command line is read from (default: process.stdin). */
  input?: PasswordInput;
}

interface Flags {
  conf: string;
  data: string;
  json?: boolean;
  /** -v: the SHA-256 thumbprint of vCenter's certificate to trust ("none": this machine's CAs). */
  thumbprint?: string;
  s?: boolean;
  a?: boolean;
  d?: boolean;
  l?: boolean;
  t?: boolean;
  v?: boolean;
}

type Mode = 's' | 'a' | 'd' | 'l' | 't' | 'v';

/** The manual's options: operands each takes, and how help shows them. */
const MODES: Record<Mode, { operands: string[]; help: string; password?: boolean }> = {
  s: { operands: ['<user>', '[<password>]'], password: true, help: `set the provider account vCenter registers with (L12: up to 255 characters, letters, digits and the manual's symbols, no spaces; a password of at least ${MIN_PASSWORD_LENGTH}); stored hashed. Without <password> it is asked for (no echo) or read from stdin` },
  a: { operands: ['<ip>'], help: 'register a disk array by its floating IPv4 address (L1: at most 4)' },
  d: { operands: ['<ip>'], help: 'unregister a disk array' },
  l: { operands: [], help: 'list the registered disk arrays' },
  t: { operands: ['<minutes>'], help: 'output interval of the VM-to-VVOL relation file, 5 to 1440 minutes (L11; default 5)' },
  v: { operands: ['<ip>', '<https-port>', '<user>', '[<password>]'], password: true, help: 'register vCenter Server (IPv4, HTTPS port, default 443, SSO user and password; these symbols are refused: " & \' , ; < = > ^ |); the password is stored encrypted. Without <password> it is asked for (no echo) or read from stdin. With --thumbprint, its certificate is trusted by its SHA-256 fingerprint' },
};

const EXIT_BY_SETTINGS_CODE: Record<SettingsErrorCode, number> = {
  INVALID_ARGUMENT: EXIT.usage,
  INVALID_FILE: EXIT.failure,
  TOO_MANY: EXIT.limit,
  ALREADY_EXISTS: EXIT.conflict,
  NOT_FOUND: EXIT.notFound,
  IO_ERROR: EXIT.failure,
};

const EPILOG = `
Messages as the NEC SetProviderConf prints them: "Set successfully!", "ADD successfully!",
"Delete successfully!"; -l prints [DISKARRAY] and one address per line. The running
provider applies every change without restart. Settings: <conf>/provider-settings.jsonc.

Examples:
  $ npm run -s cli -- settings -a 192.168.1.20
  $ npm run -s cli -- settings -l
  $ npm run -s cli -- settings -t 60
  $ npm run -s cli -- settings -v 192.168.1.5 443 administrator@vsphere.local
  $ npm run -s cli -- settings -v 192.168.1.5 443 administrator@vsphere.local --thumbprint 3F:A2:...:9C
  $ npm run -s cli -- settings -s vasaadmin
  $ printf '%s\\n' "$NEW_PASSWORD" | npm run -s cli -- settings -s vasaadmin
  $ npm run -s cli -- settings show --json
  $ npm run -s cli -- settings mail --smtp-host mail.example.com --smtp-port 587 --to ops@example.com
  (image-backup job mails: see \`settings mail --help\`)

vCenter's certificate: the provider checks it before it sends the password. Without
--thumbprint it must verify against this machine's CAs (and name the address); vCenter's
own (VMCA) certificate usually does not, so give its SHA-256 fingerprint (the refusal in
\`status\` and the log names the one presented). -v without --thumbprint keeps the one set
for the same address and port; --thumbprint none trusts the CAs again.

Passwords: leave them off the command line (where other users see them in \`ps\`): on a
terminal they are asked for without echo (the provider account's twice), otherwise the
first line of stdin is read. Given on the command line they still work, with a warning.
A value beginning with "-" goes after \`--\` (settings -s vasaadmin -- -starts-with-dash).
`;

function say(text: string | string[]): void {
  process.stdout.write(`${(Array.isArray(text) ? text : [text]).join('\n')}\n`);
}

function show(o: Flags): void {
  const s = loadSettings(o.conf);
  const summary = summarizeSettings(s, { address: registrationAddress(providerHost()), port: providerPort() });
  const account = ProviderAccount.load(o.data);
  const mail = mailSummary(s, o.data);
  if (o.json) {
    say(JSON.stringify({ file: settingsFile(o.conf), settings: summary, providerAccount: account ? { user: account.user } : null, imageBackupMail: mail }, null, 2));
    return;
  }
  say([`Settings file: ${settingsFile(o.conf)}`, ...summaryLines(summary), `Provider account: ${account ? account.user : '(not set yet: the provider makes one at first start)'}`, ...mailLines(mail)]);
}

function done(o: Flags, message: string, extra: Record<string, unknown> = {}): void {
  say(o.json ? JSON.stringify({ message, ...extra }, null, 2) : message);
}

function setAccount(o: Flags, user: string, password: string): void {
  const problems = [credentialProblem('user name', user), credentialProblem('password', password)].filter((p): p is string => !!p);
  if (problems.length) throw new CliError(problems.join(' '), EXIT.usage, 'INVALID_ARGUMENT');
  ProviderAccount.set(o.data, user, password);
  done(o, 'Set successfully!', { providerAccount: { user } });
}

const VISIBLE_PASSWORD_WARNING = 'WARNING: a password on the command line can be seen by other users of this machine (ps) and stays in the shell history; leave it out to type it at a prompt, or pipe it on stdin.\n';

/**
 * The operands with the password filled in: as given (with a warning), else read from
 * the terminal or stdin.
 */
async function withPassword(mode: Mode, values: string[], input: PasswordInput): Promise<string[]> {
  const spec = MODES[mode];
  if (!spec.password) return values;
  if (values.length === spec.operands.length) {
    process.stderr.write(VISIBLE_PASSWORD_WARNING);
    return values;
  }
  const question = mode === 's' ? `New password of the provider account "${values[0]}"` : `Password of the vCenter user "${values[2]}"`;
  const password = await readPassword({ input, output: process.stderr }, question, mode === 's');
  return [...values, password];
}

function perform(mode: Mode, values: string[], o: Flags): void {
  switch (mode) {
    case 's':
      return setAccount(o, values[0], values[1]);
    case 'a': {
      const s = updateSettings(o.conf, (cur) => withDiskArrayAdded(cur, values[0]));
      return done(o, 'ADD successfully!', { diskArrays: s.diskArrays });
    }
    case 'd': {
      const s = updateSettings(o.conf, (cur) => withDiskArrayRemoved(cur, values[0]));
      return done(o, 'Delete successfully!', { diskArrays: s.diskArrays });
    }
    case 'l': {
      const s = loadSettings(o.conf);
      return say(o.json ? JSON.stringify({ diskArrays: s.diskArrays }, null, 2) : ['[DISKARRAY]', ...s.diskArrays]);
    }
    case 't': {
      const s = updateSettings(o.conf, (cur) => withInterval(cur, values[0]));
      return done(o, 'Set successfully!', { relationIntervalMinutes: s.relationIntervalMinutes });
    }
    case 'v': {
      const [ip, httpsPort, user, password] = values;
      const s = updateSettings(o.conf, (cur) => withVCenter(cur, { ip, httpsPort, user, password, ...(o.thumbprint !== undefined ? { thumbprint: o.thumbprint } : {}) }, o.data));
      const v = s.vCenter as NonNullable<typeof s.vCenter>;
      return done(o, 'Set successfully!', { vCenter: { ip: v.ip, httpsPort: v.httpsPort, user: v.user, ...(v.thumbprint ? { thumbprint: v.thumbprint } : {}) } });
    }
  }
}

function reportSettingsError(e: SettingsError, json: boolean): number {
  const status = EXIT_BY_SETTINGS_CODE[e.code];
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code: e.code, message: e.message, facts: { problems: e.problems } } })}\n`);
  } else if (e.message === INVALID_INTERVAL_MESSAGE) {
    // L11: the manual's line, verbatim (no space after the colon).
    process.stderr.write(`ERROR:${INVALID_INTERVAL_MESSAGE}\n`);
  } else {
    for (const p of e.problems) process.stderr.write(`ERROR: ${p}\n`);
  }
  return status;
}

function chooseMode(values: string[], o: Flags): Mode | 'show' {
  const modes = (Object.keys(MODES) as Mode[]).filter((m) => o[m]);
  if (modes.length === 0 && values[0] === 'show' && values.length === 1) return 'show';
  if (modes.length !== 1) {
    throw new CliError('Give one of the options -s, -a, -d, -l, -t, -v (or the command `show` or `mail`); see `settings --help`. A value beginning with "-" goes after `--` (settings -s admin -- -secret).');
  }
  const mode = modes[0];
  if (o.thumbprint !== undefined && mode !== 'v') throw new CliError('--thumbprint goes with -v (vCenter Server) only.');
  const spec = MODES[mode];
  const fits = values.length === spec.operands.length || (spec.password && values.length === spec.operands.length - 1);
  if (!fits) {
    const usage = [`-${mode}`, ...spec.operands].join(' ');
    throw new CliError(`Usage: settings ${usage} (${values.length} value${values.length === 1 ? '' : 's'} given).`);
  }
  return mode;
}

export function registerSettingsCommands(program: Command, deps: SettingsDeps = {}): Command {
  const settings = program
    .command('settings')
    .description('provider settings, as the NEC SetProviderConf command: provider account, disk arrays, relation file interval, vCenter Server')
    .usage('-s <user> [<password>] | -a <ip> | -d <ip> | -l | -t <minutes> | -v <ip> <https-port> <user> [<password>] [--thumbprint <sha256>] | show [--json] | mail [options]')
    .option('--conf <dir>', 'configuration folder holding provider-settings.jsonc (env VASA_PROVIDER_CONF)', confDir())
    .option('--data <dir>', 'provider data folder: provider account, settings.key (env VASA_PROVIDER_DATA)', dataDir())
    .option('--json', 'print JSON instead of text')
    .option('--thumbprint <sha256>', 'with -v: the SHA-256 fingerprint of vCenter\'s certificate to trust (AB:CD:...); "none": this machine\'s CAs')
    .argument('[values...]', 'the values of the option; or `show` to print the settings (passwords redacted)')
    .allowUnknownOption()
    .addHelpText('after', EPILOG);
  for (const [m, spec] of Object.entries(MODES)) {
    settings.option(`-${m}`, spec.help);
    // Help shows the operands with the flag, as the manual writes it.
    const opt = settings.options[settings.options.length - 1];
    opt.flags = [`-${m}`, ...spec.operands].join(' ');
  }
  const input = () => deps.input ?? process.stdin;
  const fail = (e: unknown, json: boolean) => (e instanceof SettingsError ? reportSettingsError(e, json) : reportError(e, json));
  const manual = async (values: string[], o: Flags) => {
    try {
      const mode = chooseMode(values, o);
      if (mode === 'show') show(o);
      else perform(mode, await withPassword(mode, values, input()), o);
      process.exitCode = EXIT.ok;
    } catch (e) {
      process.exitCode = fail(e, !!o.json);
    }
  };
  settings.action(manual);
  registerMailCommand(settings, {
    input,
    fail,
    folders: (sub) => {
      const o = sub.optsWithGlobals<Flags>();
      return { conf: o.conf, data: o.data, json: !!o.json };
    },
    // `settings -s mail ...`: "mail" is the manual's operand (an account named mail), not the sub-command.
    manualMode: (values) => {
      const o = settings.opts<Flags>();
      return (Object.keys(MODES) as Mode[]).some((m) => o[m]) ? manual(values, o) : undefined;
    },
  });
  return settings;
}
