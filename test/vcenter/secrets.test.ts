/**
 * Issue 13: the vCenter password never appears in a log, the state file, `status` or
 * the support bundle, neither a wrong one nor the right one, whatever the link did (a
 * refused login, a good one, a relation pass, a VM powered off). The daemon's assembly
 * writes its real log file; the bundle is collected and unpacked with /bin/tar.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assemble } from '../../src/app/assembly';
import { ManualClock } from '../../src/array/clock';
import { collectSupportBundle } from '../../src/admin/support/bundle';
import { gatherStatus } from '../../src/admin/support/provider-status';
import { statusLines } from '../../src/admin/status-commands';
import { loadSettings, saveSettings } from '../../src/config/settings';
import { createLogger } from '../../src/log/logger';
import { readRuntime } from '../../src/sys/runtime';
import { tempDir } from '../helpers/fixture';
import { Vcsim } from '../helpers/vcsim';
import { VC_PASSWORD, vcSettings, useSimulator } from './setup';

const WRONG = 'Wrong-Vc-Password-77';
const VM = '502e0676-e510-ccdd-394c-667f6867fd01';
let sim: Vcsim;
let root: string;

useSimulator(async (started) => {
  sim = started;
  await sim.createVm({ name: 'web01', instanceUuid: VM, datacenter: 'DC0', powerOn: true });
});
beforeEach(() => {
  root = tempDir('vvol-vc-secrets-');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function textsUnder(dir: string): { file: string; text: string }[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? textsUnder(p) : [{ file: p, text: fs.readFileSync(p).toString('latin1') }];
  });
}

test('the password is in no log line, state file, status text or support bundle entry', async () => {
  const data = path.join(root, 'data');
  const conf = path.join(root, 'conf');
  fs.mkdirSync(conf, { recursive: true });
  fs.copyFileSync(path.join(__dirname, '..', '..', 'conf', 'demo-array.jsonc'), path.join(conf, 'demo-array.jsonc'));
  fs.mkdirSync(data, { recursive: true });
  saveSettings(conf, vcSettings(data, { port: sim.port, thumbprint: sim.thumbprint, password: WRONG }));
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0));
  let logger: ReturnType<typeof createLogger> | undefined;
  const a = assemble({
    runtime: { ...readRuntime({}), dataDir: data, confDir: conf }, role: 'daemon', clock,
    log: (layout) => (logger = createLogger(layout.logs, clock, { console: false })),
  });
  try {
    // A refused login (the wrong password), then the right one: a refresh, a relation pass, a VM powered off.
    expect((await a.vcenter.refresh()).error?.kind).toBe('login');
    saveSettings(conf, vcSettings(data, { port: sim.port, thumbprint: sim.thumbprint }));
    a.applySettings(loadSettings(conf));
    clock.advance(60_000);
    expect((await a.vcenter.refresh()).ok).toBe(true);
    await a.relation.checkAndWrite();
    expect(await a.vcenter.powerOff(VM, 'web01')).toBe('powered-off');
    a.engine.tick();
  } finally {
    a.close();
    await new Promise<void>((resolve) => {
      logger?.on('finish', () => resolve());
      logger?.end();
    });
  }
  const logs = textsUnder(path.join(data, 'server', 'logs'));
  expect(logs.map((l) => l.text).join('\n')).toContain('vCenter: Failed to create the file that shows the relation between storage and virtual machines because login to vCenter Server failed.');
  expect(logs.map((l) => l.text).join('\n')).toContain('vCenter: VM web01 (');

  const status = statusLines(gatherStatus({ dataDir: data, confDir: conf, clock })).join('\n');
  expect(status).toContain(`vCenter link: 127.0.0.1:${sim.port}, user administrator@vsphere.local, certificate pinned to SHA-256 ${sim.thumbprint}`);
  expect(status).toContain('  last refresh 2026-06-01T08:01:00.000Z: 1 VM(s) in 2 datacenter(s) (DC0, DC1), read 2026-06-01T08:01:00.000Z');

  const bundle = path.join(root, 'bundle.tar.gz');
  await collectSupportBundle({ dataDir: data, confDir: conf, clock, out: bundle });
  const into = path.join(root, 'x');
  fs.mkdirSync(into);
  expect(spawnSync('/bin/tar', ['-xzf', bundle, '-C', into]).status).toBe(0);
  const entries = textsUnder(into);
  expect(entries.map((e) => path.basename(e.file))).toEqual(expect.arrayContaining(['vcenter-inventory.json', 'alarms.json', 'summary.txt']));
  expect(entries.find((e) => e.file.endsWith('alarms.json'))?.text).toContain('nec.vcenter.loginFailed');

  const everything = [...logs, ...entries, { file: 'status', text: status }, ...textsUnder(data)];
  for (const secret of [VC_PASSWORD, WRONG]) {
    expect(everything.filter((e) => e.text.includes(secret)).map((e) => e.file)).toEqual([]);
  }
});
