/**
 * Issue 13: `settings -v ... --thumbprint` pins vCenter's certificate by its SHA-256
 * fingerprint: accepted in any usual spelling and kept in one form, refused with a
 * message saying what a thumbprint is, kept by a later -v for the same server, removed
 * with "none"; shown by `settings show`; a hand-edited bad value is refused by the schema.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { registerSettingsCommands } from '../../src/admin/settings-commands';
import { loadSettings, validateSettings } from '../../src/config/settings';
import { tempDir, useConfAndData } from '../helpers/fixture';
import { runCli } from '../support/run-cli';

let conf: string;
let data: string;
useConfAndData('vvol-', (c, d) => {
  conf = c;
  data = d;
});

const settings = (...args: string[]) => runCli((p) => registerSettingsCommands(p, { input: Readable.from(['Vc-Secret-9\n']) }), ['settings', '--conf', conf, '--data', data, ...args]);
const HEX = '3fa2c4e5069b8d7a1c2e4f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4';
const PINNED = HEX.toUpperCase().match(/../g)?.join(':') as string;

test('--thumbprint: any spelling is kept as AB:CD:...; a later -v for the same server keeps it, "none" removes it; show prints it', async () => {
  expect(await settings('-v', '192.0.2.5', '443', 'administrator@vsphere.local', '--thumbprint', HEX)).toMatchObject({ out: 'Set successfully!\n', code: 0 });
  expect(loadSettings(conf).vCenter?.thumbprint).toBe(PINNED);
  expect((await settings('show')).out).toContain(`vCenter Server: 192.0.2.5:443, user administrator@vsphere.local, password (set, encrypted), certificate SHA-256 ${PINNED}`);
  // A new password for the same server: the pin stays; another port: it goes.
  expect((await settings('-v', '192.0.2.5', '443', 'administrator@vsphere.local')).code).toBe(0);
  expect(loadSettings(conf).vCenter?.thumbprint).toBe(PINNED);
  expect((await settings('-v', '192.0.2.5', '443', 'administrator@vsphere.local', '--thumbprint', `sha256:${PINNED.toLowerCase()}`)).code).toBe(0);
  expect(loadSettings(conf).vCenter?.thumbprint).toBe(PINNED);
  expect((await settings('-v', '192.0.2.5', '443', 'administrator@vsphere.local', '--thumbprint', 'none')).code).toBe(0);
  expect(loadSettings(conf).vCenter?.thumbprint).toBeUndefined();
  expect((await settings('-v', '192.0.2.5', '8443', 'administrator@vsphere.local', '--thumbprint', HEX)).code).toBe(0);
  expect((await settings('-v', '192.0.2.5', '443', 'administrator@vsphere.local')).code).toBe(0);
  expect(loadSettings(conf).vCenter?.thumbprint).toBeUndefined();
});

test('a value that is not a SHA-256 fingerprint is refused (exit 2), nothing written; --thumbprint without -v too; the schema refuses a hand-edited one', async () => {
  const r = await settings('-v', '192.0.2.5', '443', 'administrator@vsphere.local', '--thumbprint', 'AB:CD');
  expect(r.code).toBe(2);
  expect(r.err).toBe('ERROR: The vCenter certificate thumbprint must be a SHA-256 fingerprint (64 hex digits, e.g. AB:CD:...:EF), not "AB:CD"; `openssl s_client -connect <ip>:<port> </dev/null | openssl x509 -noout -fingerprint -sha256` prints it.\n');
  expect(loadSettings(conf).vCenter).toBeNull();
  expect(await settings('-t', '30', '--thumbprint', HEX)).toMatchObject({ code: 2, err: 'ERROR: --thumbprint goes with -v (vCenter Server) only.\n' });
  const v = validateSettings({ vCenter: { ip: '192.0.2.5', user: 'u', password: 'aes-256-gcm:v1:a:b:c', thumbprint: 'ab:cd' } });
  expect(v).toEqual({ ok: false, problems: [expect.stringMatching(/^vCenter\.thumbprint: The vCenter certificate thumbprint must be a SHA-256 fingerprint/)] });
});
