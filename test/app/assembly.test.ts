/**
 * Issue 9, the one assembly: the daemon's takes the data folder and makes the demo array
 * from the same conf folder as the settings (VASA_PROVIDER_CONF); a CLI's shares the
 * store without the lock; a settings change reaches the managed scope and every service.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assemble } from '../../src/app/assembly';
import { ManualClock } from '../../src/array/clock';
import { DEFAULT_SETTINGS } from '../../src/config/settings-schema';
import { loadSettings, saveSettings } from '../../src/config/settings';
import { DataFolderLockedError } from '../../src/store/lock';
import { readRuntime } from '../../src/sys/runtime';
import { tempDir } from '../helpers/fixture';

const INSTALL_CONF = path.join(__dirname, '..', '..', 'conf');
let data: string;
let conf: string;

beforeEach(() => {
  data = tempDir('vvol-asm-data-');
  conf = tempDir('vvol-asm-conf-');
  // A conf folder of one's own: the demo array renamed, settings with an interval of 10.
  const demo = fs.readFileSync(path.join(INSTALL_CONF, 'demo-array.jsonc'), 'utf8').replace(/"name":\s*"Storage001"/, '"name": "LabArray9"');
  fs.writeFileSync(path.join(conf, 'demo-array.jsonc'), demo);
  saveSettings(conf, { ...DEFAULT_SETTINGS, relationIntervalMinutes: 10 });
});
afterEach(() => {
  fs.rmSync(data, { recursive: true, force: true });
  fs.rmSync(conf, { recursive: true, force: true });
});

const runtime = () => ({ ...readRuntime({}), dataDir: data, confDir: conf });

test('the daemon\'s assembly makes the demo array from its own conf folder, holds the folder, and hands settings to the scope and the services', () => {
  const clock = new ManualClock();
  const a = assemble({ runtime: runtime(), role: 'daemon', clock });
  try {
    expect(a.demoCreated).toEqual(['LabArray9']);
    expect(a.engine.listArrays().map((x) => x.name)).toEqual(['LabArray9']);
    expect(a.services.map((s) => s.name)).toEqual(['store checkpoints', 'vcenter', 'relation', 'image-backup']);
    expect(a.relation.options.intervalMinutes).toBe(10);
    // A second daemon on the same folder is refused; a CLI command shares the store.
    expect(() => assemble({ runtime: runtime(), role: 'daemon', clock })).toThrow(DataFolderLockedError);
    const cli = assemble({ runtime: runtime(), role: 'cli', clock });
    expect(cli.engine.listArrays().map((x) => x.name)).toEqual(['LabArray9']);
    expect(cli.settings.get().relationIntervalMinutes).toBe(10);
    cli.close();
    // A settings change (what the watcher hands over): the scope and the relation writer follow.
    const ip = a.engine.listArrays()[0].ip;
    a.applySettings({ ...loadSettings(conf), relationIntervalMinutes: 30, diskArrays: ['192.0.2.250'] });
    expect(a.managed.listArrays()).toEqual([]);
    expect(a.relation.options.intervalMinutes).toBe(30);
    a.applySettings({ ...a.settings.get(), diskArrays: ['192.0.2.250', ip] });
    expect(a.managed.listArrays().map((x) => x.name)).toEqual(['LabArray9']);
  } finally {
    a.close();
  }
  // Closed: the folder is free again.
  assemble({ runtime: runtime(), role: 'daemon', clock }).close();
});

test('a CLI assembly reads the settings only when asked, so array commands work beside an invalid settings edit', () => {
  assemble({ runtime: runtime(), role: 'daemon', clock: new ManualClock() }).close();
  fs.writeFileSync(path.join(conf, 'provider-settings.jsonc'), '{ "relationIntervalMinutes": 1 }');
  const cli = assemble({ runtime: runtime(), role: 'cli', clock: new ManualClock() });
  try {
    expect(cli.engine.listArrays()).toHaveLength(1);
    expect(() => cli.settings.get()).toThrow(/5 and 1440/);
  } finally {
    cli.close();
  }
});
