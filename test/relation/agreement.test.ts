/**
 * Issue 9, daemon and CLI agree: both come from the one assembly, so from the same
 * state they cover the same managed arrays and write the same vCenter into the file;
 * neither rewrites the file the other just wrote (no ping-pong).
 */
import fs from 'node:fs';
import path from 'node:path';
import { assemble } from '../../src/app/assembly';
import { registerRelationCommands } from '../../src/admin/relation-commands';
import { bootstrapArray } from '../../src/array/bootstrap';
import { DEFAULT_SETTINGS } from '../../src/config/settings-schema';
import { saveSettings, withDiskArrayAdded, withVCenter } from '../../src/config/settings';
import { readRuntime } from '../../src/sys/runtime';
import { buildArray, demoSpec, Fixture, GB, tempDir } from '../helpers/fixture';
import { runCli } from '../support/run-cli';
import { closedPort } from '../vcenter/setup';

let f: Fixture;
let conf: string;
const B_WWN = '00255CDB05318888';
const B = demoSpec({ name: 'Storage002', serial: '0000000991008888', wwn: B_WWN, ip: '192.0.2.20' });
const latest = (name: string, wwn: string) => path.join(f.dir, 'latestRelationBetweenVMandVVOL', `${wwn}_${name}`);
const files = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.xml')).sort() : []);

beforeEach(async () => {
  f = buildArray();
  bootstrapArray(f.engine, B);
  f.engine.createVvol(f.array, { pool: 0, type: 'config', sizeBytes: GB, metadata: { VMW_VmID: 'vm-a', VMW_VVolName: 'web01' } });
  f.engine.createVvol(B.name, { pool: 0, type: 'config', sizeBytes: GB, metadata: { VMW_VmID: 'vm-b', VMW_VVolName: 'db01' } });
  conf = tempDir('vvol-conf-');
  // vCenter does not answer here (nothing listens on the port): both name the VMs by the inventory the daemon read last.
  const port = await closedPort();
  saveSettings(conf, withVCenter(withDiskArrayAdded(DEFAULT_SETTINGS, '192.0.2.10'), { ip: '127.0.0.1', httpsPort: port, user: 'administrator@vsphere.local', password: 'Vc-Secret-1' }, f.dir));
  const vm = (instanceUuid: string, name: string) => ({ instanceUuid, biosUuid: null, name, datacenter: 'DC-West', powerState: 'poweredOn', folder: null, moref: 'vm-1', template: false });
  fs.writeFileSync(path.join(f.dir, 'vcenter-inventory.json'), JSON.stringify({
    version: 1, server: `127.0.0.1:${port}`,
    inventory: { server: '127.0.0.1', readAt: f.clock.now(), datacenters: ['DC-West'], vms: [vm('vm-a', 'web01'), vm('vm-b', 'db01')] },
  }));
});
afterEach(() => {
  f.close();
  fs.rmSync(f.dir, { recursive: true, force: true });
  fs.rmSync(conf, { recursive: true, force: true });
});

const runtime = () => ({ ...readRuntime({}), dataDir: f.dir, confDir: conf });
const cliWrite = () => runCli((p) => registerRelationCommands(p), ['relation', '--data', f.dir, 'write', '--json']);

async function daemonPass() {
  const a = assemble({ runtime: runtime(), role: 'daemon', clock: f.clock });
  try {
    return await a.relation.checkAndWrite();
  } finally {
    a.close();
  }
}

test('the daemon\'s pass and `relation write` cover the same managed arrays, write the same vCenter, and do not rewrite each other\'s file', async () => {
  process.env.VASA_PROVIDER_CONF = conf;
  try {
    const first = await daemonPass();
    expect(first.map((r) => r.array)).toEqual([f.array]);
    const written = files(latest(f.array, '00255CDB05310000'));
    expect(written).toHaveLength(1);
    const xml = fs.readFileSync(path.join(latest(f.array, '00255CDB05310000'), written[0]), 'utf8');
    expect(xml).toContain('vCenterServer="127.0.0.1"');
    expect(xml).toContain('<datacenter name="DC-West">');
    expect(files(latest(B.name, B_WWN))).toEqual([]);

    f.clock.advance(60_000);
    const cli = await cliWrite();
    expect(cli.code).toBe(0);
    const rows = JSON.parse(cli.out) as { array: string; changed: boolean; written?: string }[];
    expect(rows.map((r) => [r.array, r.changed, r.written ?? null])).toEqual([[f.array, false, null]]);
    expect(files(latest(f.array, '00255CDB05310000'))).toEqual(written);

    // And the other way round: a change written by the CLI is no change for the daemon.
    f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB, metadata: { VMW_VmID: 'vm-a' } });
    f.clock.advance(60_000);
    const cli2 = JSON.parse((await cliWrite()).out) as { changed: boolean }[];
    expect(cli2.map((r) => r.changed)).toEqual([true]);
    f.clock.advance(60_000);
    const again = await daemonPass();
    expect(again.map((r) => [r.changed, r.written ?? null])).toEqual([[false, null]]);
  } finally {
    delete process.env.VASA_PROVIDER_CONF;
  }
});
