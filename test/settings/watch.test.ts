/**
 * Live reload (issue 4 section 2): the running provider applies a valid edit of the
 * settings (interval L11, disk arrays L1, vCenter, the provider account) without
 * restart and logs what changed; an invalid edit is refused and the last good settings
 * stay. reload() does synchronously what a file event does; one test waits for the real
 * chokidar event.
 */
import fs from 'node:fs';
import { ProviderAccount } from '../../src/config/account';
import {
  DEFAULT_SETTINGS, loadSettings, ProviderSettings, saveSettings, settingsFile, updateSettings, withDiskArrayAdded,
  withDiskArrayRemoved, withInterval, withVCenter,
} from '../../src/config/settings';
import type { SettingsChange } from '../../src/config/settings-diff';
import { ReloadResult, SettingsWatcher } from '../../src/config/watch';
import { tempDir } from '../helpers/fixture';

let conf: string;
let data: string;
let logged: string[];
let applied: { settings: ProviderSettings; changes: SettingsChange[] }[];
let watcher: SettingsWatcher;

const log = {
  info: (m: string) => logged.push(`INFO ${m}`),
  warn: (m: string) => logged.push(`WARN ${m}`),
  error: (m: string) => logged.push(`ERROR ${m}`),
};

function makeWatcher(extra: Partial<ConstructorParameters<typeof SettingsWatcher>[0]> = {}): SettingsWatcher {
  return new SettingsWatcher({ confDir: conf, initial: loadSettings(conf), log, onChange: (settings, changes) => applied.push({ settings, changes }), ...extra });
}

beforeEach(() => {
  conf = tempDir('vvol-conf-');
  data = tempDir('vvol-data-');
  logged = [];
  applied = [];
  saveSettings(conf, withDiskArrayAdded(DEFAULT_SETTINGS, '192.0.2.10'));
  watcher = makeWatcher();
});
afterEach(async () => {
  await watcher.close();
  fs.rmSync(conf, { recursive: true, force: true });
  fs.rmSync(data, { recursive: true, force: true });
});

test('L11: a new output interval is applied live and logged', () => {
  updateSettings(conf, (s) => withInterval(s, 60));
  const r = watcher.reload();
  expect(r.status).toBe('applied');
  expect(watcher.current.relationIntervalMinutes).toBe(60);
  expect(applied).toHaveLength(1);
  expect(applied[0].settings.relationIntervalMinutes).toBe(60);
  expect(applied[0].changes).toEqual([{ field: 'relationIntervalMinutes', message: 'relation file output interval: 5 -> 60 minutes' }]);
  expect(logged).toEqual(['INFO settings: relation file output interval: 5 -> 60 minutes']);
  expect(Object.isFrozen(watcher.current)).toBe(true);
});

test('L1: added and removed disk arrays are applied live and logged', () => {
  updateSettings(conf, (s) => withDiskArrayRemoved(withDiskArrayAdded(withDiskArrayAdded(s, '192.0.2.11'), '192.0.2.12'), '192.0.2.10'));
  expect(watcher.reload().status).toBe('applied');
  expect(watcher.current.diskArrays).toEqual(['192.0.2.11', '192.0.2.12']);
  expect(logged).toEqual(['INFO settings: disk arrays: added 192.0.2.11, 192.0.2.12; removed 192.0.2.10 (now 192.0.2.11, 192.0.2.12)']);
});

test('vCenter changes are logged without the password', () => {
  updateSettings(conf, (s) => withVCenter(s, { ip: '192.0.2.5', httpsPort: '443', user: 'admin', password: 'Vc-Secret!2026' }, data));
  watcher.reload();
  updateSettings(conf, (s) => withVCenter(s, { ip: '192.0.2.5', httpsPort: '443', user: 'admin', password: 'Other-Secret!1' }, data));
  watcher.reload();
  expect(logged).toEqual(['INFO settings: vCenter Server: none -> 192.0.2.5:443 (user admin)', 'INFO settings: vCenter Server: password changed']);
  expect(logged.join('\n')).not.toMatch(/Secret|aes-256-gcm/);
});

test('an invalid edit is refused, logged with every problem, and the last good settings stay', () => {
  updateSettings(conf, (s) => withInterval(s, 30));
  watcher.reload();
  fs.writeFileSync(settingsFile(conf), '{ "relationIntervalMinutes": 2, "diskArrays": ["192.0.2.10", "2001:db8::1"] }\n');
  const r = watcher.reload() as Extract<ReloadResult, { status: 'rejected' }>;
  expect(r.status).toBe('rejected');
  expect(r.problems).toHaveLength(2);
  expect(watcher.current.relationIntervalMinutes).toBe(30);
  expect(watcher.current.diskArrays).toEqual(['192.0.2.10']);
  expect(applied).toHaveLength(1);
  expect(logged[logged.length - 1]).toMatch(/^WARN settings: refused the edit of .*provider-settings\.jsonc; the last good settings stay in force: .*Invalid time value\. Please set up an integer between 5 and 1440\..*IPv6 cannot be used/);
  // Broken JSON too; then a good edit is applied against the last good settings.
  fs.writeFileSync(settingsFile(conf), '{ "relationIntervalMinutes": ');
  expect(watcher.reload().status).toBe('rejected');
  saveSettings(conf, withInterval(watcher.current, 45));
  expect(watcher.reload()).toMatchObject({ status: 'applied', changes: [{ field: 'relationIntervalMinutes' }] });
});

test('an unchanged file is not applied again; a failing onChange is logged, never thrown', () => {
  expect(watcher.reload().status).toBe('unchanged');
  const failing = makeWatcher({ onChange: () => { throw new Error('relation service is gone'); } });
  updateSettings(conf, (s) => withInterval(s, 10));
  expect(failing.reload().status).toBe('applied');
  expect(logged).toContain('ERROR settings: applying the change failed: relation service is gone');
});

test('the provider account (settings -s) is picked up without restart', async () => {
  ProviderAccount.set(data, 'vasaadmin', 'First!Pass1');
  const accounts: ProviderAccount[] = [];
  const w = makeWatcher({ dataDir: data, onAccountChange: (a) => accounts.push(a) });
  expect(w.reloadAccount().status).toBe('unchanged');
  ProviderAccount.set(data, 'operator', 'Second!Pass2');
  expect(w.reloadAccount()).toEqual({ status: 'applied', user: 'operator' });
  expect(await accounts[0].verifyAsync('operator', 'Second!Pass2')).toBe(true);
  fs.writeFileSync(ProviderAccount.file(data), '{ "user": "x" }');
  expect(w.reloadAccount().status).toBe('rejected');
  expect(logged).toContain('INFO settings: provider account changed (user "operator"); new sessions log in with it');
  await w.close();
});

test('the real chokidar event: an atomic rewrite by the CLI is applied within a bounded wait', async () => {
  await watcher.close();
  watcher = makeWatcher({ debounceMs: 50 });
  await watcher.start();
  const reloaded = new Promise<ReloadResult>((resolve) => watcher.on('reload', (r: ReloadResult) => { if (r.status === 'applied') resolve(r); }));
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no reload within 10 s')), 10_000); });
  updateSettings(conf, (s) => withInterval(withDiskArrayAdded(s, '192.0.2.11'), 20));
  try {
    const r = await Promise.race([reloaded, bound]);
    expect(r).toMatchObject({ status: 'applied', settings: { relationIntervalMinutes: 20, diskArrays: ['192.0.2.10', '192.0.2.11'] } });
    expect(applied.map((a) => a.changes.map((c) => c.field))).toEqual([['relationIntervalMinutes', 'diskArrays']]);
  } finally {
    clearTimeout(timer);
  }
});
