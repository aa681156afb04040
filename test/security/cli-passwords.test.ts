/**
 * Issue 8 row 24 and the support bundle target: `settings -s` / `-v` take the password
 * from stdin or a prompt without echo instead of the command line (where `ps` shows
 * it); a password still given there works with a warning. `support collect --out`
 * never replaces an existing file unless --force is given.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { registerSettingsCommands } from '../../src/admin/settings-commands';
import { registerSupportCommands } from '../../src/admin/support-commands';
import { ProviderAccount } from '../../src/config/account';
import { loadSettings, vCenterPassword } from '../../src/config/settings';
import { tempDir, useConfAndData } from '../helpers/fixture';
import { runCli } from '../support/run-cli';
import { buildInstallation, Installation } from '../support/scenario';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'admin', 'cli.js');
const VISIBLE = 'WARNING: a password on the command line can be seen by other users of this machine (ps) and stays in the shell history; leave it out to type it at a prompt, or pipe it on stdin.\n';

let conf: string;
let data: string;
useConfAndData('vvol-cli-', (c, d) => {
  conf = c;
  data = d;
});

/** The compiled CLI, as an operator runs it, with `input` on stdin (a pipe: not a terminal). */
function vvolctl(args: string[], input: string) {
  const r = spawnSync(process.execPath, [CLI, 'settings', '--conf', conf, '--data', data, ...args], { input, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A stand-in terminal: isTTY, raw mode recorded, keys typed by the test. */
function fakeTerminal() {
  const t = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(raw: boolean): void; raw: boolean[] };
  t.isTTY = true;
  t.raw = [];
  t.setRawMode = (raw: boolean) => {
    t.raw.push(raw);
  };
  return t;
}

const settingsIn = (input: Readable, ...args: string[]) =>
  runCli((p) => registerSettingsCommands(p, { input }), ['settings', '--conf', conf, '--data', data, ...args]);

describe('row 24: passwords are read from stdin or a prompt, not taken from the command line', () => {
  test('row 24: `settings -s <user>` reads the password from stdin (one line); no warning; the account verifies', async () => {
    const r = vvolctl(['-s', 'vasaadmin'], 'From-Stdin-Pass#1\nignored second line\n');
    expect(r).toEqual({ code: 0, out: 'Set successfully!\n', err: '' });
    const acct = ProviderAccount.load(data) as ProviderAccount;
    expect(await acct.verifyAsync('vasaadmin', 'From-Stdin-Pass#1')).toBe(true);
  });

  test('row 24: `settings -v <ip> <port> <user>` reads the vCenter password from stdin (CRLF too)', () => {
    const r = vvolctl(['-v', '192.0.2.5', '443', 'administrator@vsphere.local'], 'Vc-From-Stdin!9\r\n');
    expect(r).toEqual({ code: 0, out: 'Set successfully!\n', err: '' });
    expect(vCenterPassword(loadSettings(conf), data)).toBe('Vc-From-Stdin!9');
  });

  test('row 24: a password on the command line still works, with a warning on stderr', () => {
    const r = vvolctl(['-s', 'vasaadmin', 'On-The-Line#22'], '');
    expect(r).toEqual({ code: 0, out: 'Set successfully!\n', err: VISIBLE });
  });

  test('row 24: nothing on stdin, or a short password there: refused (exit 2), nothing set', () => {
    expect(vvolctl(['-s', 'vasaadmin'], '')).toEqual({ code: 2, out: '', err: 'ERROR: No password given: stdin is empty. Type it at the prompt (run from a terminal), or pipe one line on stdin.\n' });
    expect(vvolctl(['-s', 'vasaadmin'], 'short\n')).toEqual({ code: 2, out: '', err: 'ERROR: The password must be at least 8 characters.\n' });
    expect(ProviderAccount.load(data)).toBeUndefined();
  });

  test('row 24: on a terminal the password is typed twice without echo (Backspace works), raw mode is restored', async () => {
    const t = fakeTerminal();
    const run = settingsIn(t, '-s', 'vasaadmin');
    setImmediate(() => {
      t.write('Typed-Pass#1x\u007f\r');
      setImmediate(() => t.write('Typed-Pass#1\r'));
    });
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.out).toBe('Set successfully!\n');
    expect(r.err).toBe('New password of the provider account "vasaadmin": \nNew password of the provider account "vasaadmin" (again): \n');
    expect(t.raw).toEqual([true, false, true, false]);
    expect(await (ProviderAccount.load(data) as ProviderAccount).verifyAsync('vasaadmin', 'Typed-Pass#1')).toBe(true);
  });

  test('row 24: two different passwords typed, or Ctrl-C: nothing changes', async () => {
    const t = fakeTerminal();
    const run = settingsIn(t, '-s', 'vasaadmin');
    setImmediate(() => {
      t.write('Typed-Pass#1\r');
      setImmediate(() => t.write('Typed-Pass#2\r'));
    });
    expect(await run).toMatchObject({ code: 2, out: '', err: expect.stringContaining('ERROR: The two passwords typed differ; nothing was changed.\n') });
    const c = fakeTerminal();
    const cancelled = settingsIn(c, '-v', '192.0.2.5', '443', 'admin');
    setImmediate(() => c.write('abc\u0003'));
    expect(await cancelled).toMatchObject({ code: 1, err: 'Password of the vCenter user "admin": \nERROR: Cancelled; nothing was changed.\n' });
    expect(c.raw).toEqual([true, false]);
    expect(ProviderAccount.load(data)).toBeUndefined();
    expect(loadSettings(conf).vCenter).toBeNull();
  });
});

describe('support collect --out refuses to overwrite an existing file unless --force', () => {
  let inst: Installation;
  let work: string;
  beforeEach(() => {
    inst = buildInstallation();
    work = tempDir('vvol-cli-bundle-');
  });
  afterEach(() => {
    inst.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });
  const collect = (...args: string[]) =>
    runCli((p) => registerSupportCommands(p, { clock: inst.clock, cwd: work }), ['support', 'collect', '--data', inst.data, '--conf', inst.conf, ...args]);

  test('an existing --out file: a message, exit 6, the file untouched; --force replaces it', async () => {
    const out = path.join(work, 'precious.tar.gz');
    fs.writeFileSync(out, 'keep me');
    const r = await collect('--out', out);
    expect(r).toEqual({ code: 6, out: '', err: `ERROR: Cannot write the support bundle to ${out}: the file exists; choose another --out, or give --force to replace it\n` });
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me');
    expect(fs.readdirSync(work)).toEqual(['precious.tar.gz']);
    const j = await collect('--out', out, '--json');
    expect(JSON.parse(j.err)).toMatchObject({ error: { code: 'ALREADY_EXISTS' } });
    const forced = await collect('--out', out, '--force');
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  test('the default name in a folder is not replaced either (two runs in the same second)', async () => {
    expect((await collect()).code).toBe(0);
    const [first] = fs.readdirSync(work);
    const before = fs.readFileSync(path.join(work, first));
    expect((await collect()).code).toBe(6);
    expect(fs.readFileSync(path.join(work, first))).toEqual(before);
  });
});
