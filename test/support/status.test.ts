/**
 * `status` (issue 4 section 5): whether the daemon runs, the account and certificate
 * vCenter sees, the settings with the registration URL (L13), and per disk array its
 * monitoring state and the last relation file with its outcome.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assemble } from '../../src/app/assembly';
import { registerStatusCommands } from '../../src/admin/status-commands';
import { acquireDataLock } from '../../src/store/lock';
import { readRuntime } from '../../src/sys/runtime';
import type { ProviderStatus } from '../../src/admin/support/provider-status';
import { settingsFile } from '../../src/config/settings';
import { tempDir } from '../helpers/fixture';
import { runCli } from './run-cli';
import { buildInstallation, Installation, WWN } from './scenario';

let inst: Installation;
beforeEach(() => {
  inst = buildInstallation();
});
afterEach(() => inst.cleanup());

const status = (...args: string[]) =>
  runCli((p) => registerStatusCommands(p, { clock: inst.clock, env: { VASA_PROVIDER_HOST: '192.0.2.2' } }), ['status', '--data', inst.data, '--conf', inst.conf, ...args]);

test('text: daemon, account, certificate, settings with the registration URL, arrays with monitoring state and last relation file', async () => {
  const r = await status();
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const lines = r.out.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^vvol-provider \d+\.\d+\.\d+$/);
  expect(lines).toEqual(expect.arrayContaining([
    'Daemon: not running',
    'Provider account: vasaadmin',
    `Certificate: SHA-256 ${inst.certFingerprint}, valid until 2027-01-01T00:00:00.000Z (362 days left)`,
    'Relation file output interval: 15 minutes',
    'Disk arrays: 192.0.2.10, 192.0.2.77',
    'vCenter Server: 192.0.2.5:443, user administrator@vsphere.local, password (set, encrypted)',
    'Registration URL: https://192.0.2.2:9943/version.xml',
    'Disk arrays in the store: 1',
    `  Storage001 (M510, 192.0.2.10, WWN ${WWN}): monitoring Running, managed`,
    `    last relation file 2026-01-03T09:55:00.000Z (written) ${path.join(inst.data, 'latestRelationBetweenVMandVVOL', `${WWN}_Storage001`, '20260103095500.xml')}`,
    '  192.0.2.77: registered in the settings, but no disk array in the store has this address',
  ]));
  expect(r.out).not.toMatch(/VcSso|aes-256-gcm/);
});

test('the daemon: running while a process holds the folder\'s OS lock; a lock note left without a holder is stale', async () => {
  const lock = path.join(inst.data, 'provider.lock');
  const held = acquireDataLock(inst.data);
  try {
    expect((await status()).out).toContain(`Daemon: running (pid ${process.pid})`);
    // Row 20: deleting the note does not hide the holder.
    fs.rmSync(lock);
    expect((await status()).out).toContain('Daemon: running');
  } finally {
    held.release();
  }
  expect((await status()).out).toContain('Daemon: not running');
  const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
  fs.writeFileSync(lock, `${gone}\nvvol-provider\n`);
  expect((await status()).out).toContain(`Daemon: not running (stale lock of pid ${gone} in ${lock})`);
  fs.rmSync(lock);
});

test('--json; a relation write that really fails is what status reports, through the relation room\'s reader', async () => {
  // The archive folder of the array is a file: the next write cannot archive the previous file (X5).
  const archive = path.join(inst.data, 'RelationBetweenVMandVVOL', `${WWN}_Storage001`);
  fs.rmSync(archive, { recursive: true, force: true });
  fs.writeFileSync(archive, 'in the way');
  inst.clock.set(Date.UTC(2026, 0, 3, 11, 0, 0));
  const a = assemble({ runtime: { ...readRuntime({}), dataDir: inst.data, confDir: inst.conf }, role: 'cli', clock: inst.clock });
  try {
    const [r] = await a.relation.checkAndWrite();
    expect(r.error).toBe('Failed to create the file that shows the relation between storage and virtual machines.');
  } finally {
    a.close();
  }
  inst.clock.set(Date.UTC(2026, 0, 3, 12, 0, 0));
  const r = await status('--json');
  expect(r.code).toBe(0);
  const s = JSON.parse(r.out) as ProviderStatus;
  expect(s.daemon).toEqual({ running: false, lockFile: path.join(inst.data, 'provider.lock') });
  expect(s.providerAccount).toEqual({ user: 'vasaadmin' });
  expect(s.certificate).toMatchObject({ fingerprint256: inst.certFingerprint, expired: false, validTo: '2027-01-01T00:00:00.000Z' });
  expect(s.settings).toMatchObject({ relationIntervalMinutes: 15, registrationUrl: 'https://192.0.2.2:9943/version.xml', vCenter: { password: '(set, encrypted)' } });
  expect(s.arrays).toEqual([{
    name: 'Storage001', model: 'M510', serial: '0000000991007777', wwn: WWN, ip: '192.0.2.10', monitoring: 'Running', managed: true,
    relation: expect.objectContaining({
      lastWrite: '2026-01-03T09:55:00.000Z', lastResult: 'failed', lastFailureAt: '2026-01-03T11:00:00.000Z',
      lastError: expect.stringMatching(/^Failed to create the file that shows the relation between storage and virtual machines\. \(.+\)$/),
    }),
  }]);
  expect((await status()).out).toContain('    last relation error: Failed to create the file that shows the relation between storage and virtual machines.');
});

test('an array whose address is not in the settings is reported as not managed; an expired certificate says so', async () => {
  fs.writeFileSync(settingsFile(inst.conf), '{ "diskArrays": ["192.0.2.99"] }');
  inst.clock.set(Date.UTC(2027, 5, 1));
  const out = (await status()).out;
  expect(out).toContain("monitoring Running, NOT managed (its IP is not in the settings' disk arrays)");
  expect(out).toMatch(/valid until 2027-01-01T00:00:00.000Z \(EXPIRED\)/);
});

test('invalid settings or a data folder without a store: reported, exit 1', async () => {
  fs.writeFileSync(settingsFile(inst.conf), '{ "relationIntervalMinutes": 1 }');
  const bad = await status();
  expect(bad.code).toBe(1);
  expect(bad.out).toContain('Settings: INVALID (the provider keeps its last good settings):');
  const empty = tempDir('vvol-empty-');
  const r = await runCli((p) => registerStatusCommands(p, { clock: inst.clock }), ['status', '--data', empty, '--conf', inst.conf]);
  expect(r.code).toBe(1);
  expect(r.out).toContain(`Problem: There is no provider store (vvol-provider.db) in ${empty}`);
  expect(r.out).toContain('Certificate: none yet');
  fs.rmSync(empty, { recursive: true, force: true });
});
