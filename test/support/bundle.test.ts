/**
 * The support bundle (issue 4 section 4, manual 5.1): one tar.gz with the expected
 * files, readable by /bin/tar, holding no secret; --since limits the logs; an
 * unwritable target fails with a clear message and a non-zero exit.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { registerSupportCommands } from '../../src/admin/support-commands';
import { tempDir } from '../helpers/fixture';
import { runCli } from './run-cli';
import { buildInstallation, Installation, VC_PASSWORD, WWN } from './scenario';

let inst: Installation;
let work: string;

beforeEach(() => {
  inst = buildInstallation();
  work = tempDir('vvol-bundle-');
});
afterEach(() => {
  inst.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

const collect = (...args: string[]) =>
  runCli((p) => registerSupportCommands(p, { clock: inst.clock, cwd: work, env: { VASA_PROVIDER_HOST: '192.0.2.2' } }), ['support', 'collect', '--data', inst.data, '--conf', inst.conf, ...args]);

/** Extracts with /bin/tar; returns the bundle's root folder. */
function extract(bundle: string): string {
  const into = fs.mkdtempSync(path.join(work, 'x-'));
  const r = spawnSync('/bin/tar', ['-xzf', bundle, '-C', into], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const [root] = fs.readdirSync(into);
  return path.join(into, root);
}

function files(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? files(p, base) : [path.relative(base, p)];
  }).sort();
}

test('the bundle holds the logs, configuration, relation folders, summary, store health, events and alarms', async () => {
  const out = path.join(work, 'case.tar.gz');
  const r = await collect('--out', out);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const size = fs.statSync(out).size;
  expect(r.out.split('\n')[0]).toMatch(new RegExp(`^Support bundle: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(${size} bytes, \\d+ files\\)$`));
  expect(fs.readdirSync(work)).toEqual(['case.tar.gz']);

  const root = extract(out);
  expect(path.basename(root)).toBe('vvol-provider-support-20260103120000');
  expect(files(root)).toEqual([
    'README.txt',
    'alarms.json',
    'conf/legacy.conf',
    'conf/provider-settings.jsonc',
    'data/certs/provider.crt',
    'data/files.txt',
    'data/provider-account.json',
    'data/vcenter-inventory.json',
    'events.json',
    'logs/provider-20260101.log',
    'logs/provider-20260102.log',
    'logs/provider-20260103.log',
    'manifest.json',
    `relation/RelationBetweenVMandVVOL/${WWN}_Storage001/20260102090000.zip`,
    'relation/latestRelationBetweenVMandVVOL/.state.json',
    `relation/latestRelationBetweenVMandVVOL/${WWN}_Storage001/20260103095500.xml`,
    'store/integrity.json',
    'summary.json',
    'summary.txt',
  ]);
  const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
  const json = <T>(f: string) => JSON.parse(read(f)) as T;

  // Relation files byte for byte (the zip is binary).
  expect(fs.readFileSync(path.join(root, `relation/RelationBetweenVMandVVOL/${WWN}_Storage001/20260102090000.zip`)))
    .toEqual(fs.readFileSync(path.join(inst.data, `RelationBetweenVMandVVOL/${WWN}_Storage001/20260102090000.zip`)));
  // Configuration: kept what support needs, lost the secrets.
  expect(json<Record<string, unknown>>('conf/provider-settings.jsonc')).toEqual({
    relationIntervalMinutes: 15, diskArrays: ['192.0.2.10', '192.0.2.77'],
    vCenter: { ip: '192.0.2.5', httpsPort: 443, user: 'administrator@vsphere.local', password: '<redacted>' },
    imageBackup: expect.objectContaining({ parallelReaders: 4, mail: { smtp: null, from: 'vvol-provider@localhost', to: [] } }),
  });
  expect(read('conf/legacy.conf')).toContain('vcenter.password=<redacted>');
  expect(json<Record<string, unknown>>('data/provider-account.json')).toEqual({ user: 'vasaadmin', salt: '<redacted>', hash: '<redacted>', n: 16384 });
  expect(read('data/files.txt')).toMatch(/ certs\/provider\.key$/m);
  expect(read('logs/provider-20260101.log')).toContain('with password <redacted> (also in');
  expect(read('logs/provider-20260102.log')).toBe('2026-01-02T09:00:00.000Z INFO day two: a careless debug line with <redacted>\n');
  // Summary, store health, events.
  const summary = json<Record<string, any>>('summary.json');
  expect(summary.settings.registrationUrl).toBe('https://192.0.2.2:9943/version.xml');
  expect(summary.providerAccount).toEqual({ user: 'vasaadmin' });
  expect(summary.certificate.fingerprint256).toBe(inst.certFingerprint);
  expect(summary.arrays[0]).toMatchObject({ name: 'Storage001', monitoring: 'Running', managed: true, relation: { lastWrite: '2026-01-03T09:55:00.000Z', lastResult: 'written' } });
  expect(summary.unmatchedDiskArrays).toEqual(['192.0.2.77']);
  expect(read('summary.txt')).toContain('Storage001 (M510, 192.0.2.10, WWN 00255CDB05310000): monitoring Running, managed');
  expect(json('store/integrity.json')).toEqual({ ok: true, integrityCheck: ['ok'], invariants: [] });
  const events = json<{ arrays: Record<string, { seq: number; at: string }[]> }>('events.json');
  expect(events.arrays.Storage001.length).toBeGreaterThan(0);
  expect(events.arrays.Storage001[0].at).toMatch(/^2026-01-01T/);
  expect(json<{ arrays: Record<string, unknown[]> }>('alarms.json').arrays).toHaveProperty('Storage001');
  const manifest = json<{ excluded: string[]; entries: { name: string }[] }>('manifest.json');
  expect(manifest.excluded.sort()).toEqual(['data/certs/provider.key', 'data/initial-password', 'data/settings.key']);
  expect(manifest.entries.map((e) => e.name)).toContain(`vvol-provider-support-20260103120000/summary.txt`);
});

test('no secret is in the bundle: not the passwords, the account hash or salt, the settings key or the private key', async () => {
  // The sources do hold them (a leaked log line, the key files), so the check means something.
  expect(fs.readFileSync(path.join(inst.data, 'server/logs/provider-20260102.log'), 'utf8')).toContain(VC_PASSWORD);
  const out = path.join(work, 'secrets.tar.gz');
  const r = await collect('--out', out, '--json');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out)).toMatchObject({ path: out, size: fs.statSync(out).size });
  const root = extract(out);
  const all = files(root);
  expect(all.length).toBeGreaterThan(10);
  for (const f of all) {
    const content = fs.readFileSync(path.join(root, f)).toString('latin1');
    for (const secret of inst.secrets) {
      if (content.includes(secret)) throw new Error(`${f} holds the secret ${secret.slice(0, 4)}...`);
    }
    expect(content).not.toMatch(/PRIVATE KEY-----/);
  }
  // And the archive as a whole, compressed and not.
  const tarText = spawnSync('/bin/tar', ['-xzOf', out], { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 }).stdout;
  for (const secret of inst.secrets) expect(tarText.includes(secret)).toBe(false);
});

test('--since limits the logs by file day and line time (an age or an ISO time)', async () => {
  const out = path.join(work, 'since.tar.gz');
  expect((await collect('--out', out, '--since', '2026-01-03T09:00:00Z')).code).toBe(0);
  let root = extract(out);
  expect(files(path.join(root, 'logs'))).toEqual(['provider-20260103.log']);
  expect(fs.readFileSync(path.join(root, 'logs/provider-20260103.log'), 'utf8')).toBe('2026-01-03T10:00:00.000Z INFO day three: late line\n');
  expect(JSON.parse(fs.readFileSync(path.join(root, 'manifest.json'), 'utf8')).since).toBe('2026-01-03T09:00:00.000Z');

  fs.rmSync(out);
  // 30h before 2026-01-03T12:00Z: from 2026-01-02T06:00Z; the stack line goes with its line.
  expect((await collect('--out', out, '--since', '30h')).code).toBe(0);
  root = extract(out);
  expect(files(path.join(root, 'logs'))).toEqual(['provider-20260102.log', 'provider-20260103.log']);
  expect(fs.readFileSync(path.join(root, 'logs/provider-20260103.log'), 'utf8')).toBe([
    '2026-01-03T08:00:00.000Z INFO day three: early line',
    '    at a stack frame without a timestamp',
    '2026-01-03T10:00:00.000Z INFO day three: late line',
    '',
  ].join('\n'));

  const bad = await collect('--out', out, '--since', 'yesterday');
  expect(bad.code).toBe(2);
  expect(bad.err).toBe('ERROR: --since takes an ISO time (2026-01-01T00:00:00Z) or an age (30m, 24h, 7d), not "yesterday".\n');
});

test('without --out the bundle goes to the current folder under its default name; an existing folder as --out gets it too', async () => {
  const r = await collect();
  expect(r.code).toBe(0);
  expect(fs.existsSync(path.join(work, 'vvol-provider-support-20260103120000.tar.gz'))).toBe(true);
  const sub = path.join(work, 'cases');
  fs.mkdirSync(sub);
  expect((await collect('--out', sub)).code).toBe(0);
  expect(fs.readdirSync(sub)).toEqual(['vvol-provider-support-20260103120000.tar.gz']);
});

describe('a target that cannot be written: a clear message, exit 1, nothing left behind', () => {
  test('its folder does not exist', async () => {
    const out = path.join(work, 'missing', 'b.tar.gz');
    const r = await collect('--out', out);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`ERROR: Cannot write the support bundle to ${out}: the folder does not exist (ENOENT)\n`);
  });

  test('a part of its path is a file', async () => {
    fs.writeFileSync(path.join(work, 'plain'), 'x');
    const out = path.join(work, 'plain', 'b.tar.gz');
    const r = await collect('--out', out, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err)).toEqual({ error: { code: 'NOT_WRITABLE', message: `Cannot write the support bundle to ${out}: a part of the path is not a folder (ENOTDIR)`, facts: {} } });
  });

  (process.getuid?.() === 0 ? test.skip : test)('its folder is read-only (not testable as root)', async () => {
    const ro = path.join(work, 'ro');
    fs.mkdirSync(ro, { mode: 0o500 });
    const r = await collect('--out', path.join(ro, 'b.tar.gz'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('permission denied (EACCES)');
    expect(fs.readdirSync(ro)).toEqual([]);
  });
});
