/**
 * Issue 13, the backup commands with vCenter (Appendix E): VMName and DataCenterName
 * are vCenter's; `restore` powers the VM off through vCenter before its disks are
 * overwritten and leaves it off; a VM that cannot be powered off is not restored at all;
 * vCenter set but never read gives E.2's "Failed to get information of vCenter server
 * from VASA configuration file."
 */
import fs from 'node:fs';
import { openBackupFolder, registerBackupCommands } from '../../src/admin/backup-commands';
import { MiB } from '../../src/array/models';
import { saveSettings } from '../../src/config/settings';
import type { BackupOptions } from '../../src/backup/operations';
import { VCENTER_INFO_FAILED } from '../../src/vcenter';
import { buildArray, Fixture, tempDir } from '../helpers/fixture';
import { Vcsim } from '../helpers/vcsim';
import { runCli } from '../support/run-cli';
import { Harness, inventoryService, VC_PASSWORD, vcSettings, vmInBoth, useSimulator } from './setup';

const WEB = '502e0676-e510-ccdd-394c-667f6867fc41';
let sim: Vcsim;
let f: Fixture;
let h: Harness;

useSimulator((started) => {
  sim = started;
});
afterEach(async () => {
  await h?.service.stop();
  f.close();
  fs.rmSync(f.dir, { recursive: true, force: true });
  process.exitCode = 0;
});

/** The array with web01 (named "web-old" in its VVols' metadata) in the simulator's DC1, powered on; its disk has a backup volume. */
async function setUp(o: { password?: string; id?: string } = {}) {
  f = buildArray({ engine: { copyBytesPerSec: MiB } });
  const id = o.id ?? WEB;
  const { disk } = await vmInBoth(f, sim, { id, name: 'web01', vsphereName: 'web-old', datacenter: 'DC1', powerOn: true });
  f.engine.ensureBackupVolumes(disk.vvolId as string, { generations: 1, autoDelete: false });
  f.engine.write(disk, 0, ['a', 'b', 'c']);
  h = inventoryService(f.dir, vcSettings(f.dir, { port: sim.port, thumbprint: sim.thumbprint, ...(o.password ? { password: o.password } : {}) }), { clock: f.clock });
  await h.service.refresh();
  return { id, disk };
}

const options = (): BackupOptions => ({ datacenter: 'Datacenter', vCenterServer: '127.0.0.1', naming: () => h.service.naming(), power: h.service });
const cli = (args: string[]) => runCli((p) => registerBackupCommands(p, () => ({ engine: f.engine, options: options(), close: () => undefined })), args);

test('E.1: the commands take vCenter\'s VM and datacenter names; the metadata\'s names no longer resolve', async () => {
  await setUp({ id: '502e0676-e510-ccdd-394c-667f6867fc42' });
  const rel = await cli(['backup', 'relation', 'web01', 'DC1']);
  expect(rel.code).toBe(0);
  expect(rel.out).toContain('VM Name              : web01\nVM Id                : 502e0676-e510-ccdd-394c-667f6867fc42\nDataCenter Name      : DC1\nvCenterServer        : 127.0.0.1\n');
  expect(await cli(['backup', 'relation', 'web-old', 'Datacenter'])).toMatchObject({ err: 'Specified VM(Datacenter/web-old) does not exist.\n', code: 1 });
  expect(await cli(['backup', 'relation', 'web01', 'DC0'])).toMatchObject({ err: 'Specified VM(DC0/web01) does not exist.\n', code: 1 });
  const online = await cli(['backup', 'online', 'web01', 'DC1']);
  expect(online.code).toBe(0);
  expect(online.out).toContain('Success to online backup VM(DC1/web01) without keeping consistency.');
  f.clock.advance(10_000);
  expect((await cli(['backup', 'status', 'web01', 'DC1'])).out).toContain('VM(DC1/web01)\n');
  await sim.deleteVm('502e0676-e510-ccdd-394c-667f6867fc42');
});

test('K4 with vCenter: restore powers the VM off through vCenter first and leaves it off; when it cannot be powered off nothing is restored', async () => {
  const { id, disk } = await setUp();
  expect((await cli(['backup', 'online', 'web01', 'DC1'])).code).toBe(0);
  f.clock.advance(10_000);
  f.engine.tick();
  f.engine.write(disk, 0, ['changed']);
  expect(f.engine.diskBackup(disk.id).last).toBeDefined();

  // vCenter refuses to power it off: a clear refusal, the VM runs on, no restore started, the disk as it was.
  await sim.disablePowerOff(id);
  const refused = await cli(['backup', 'restore', 'web01', 'DC1']);
  expect(refused.code).toBe(1);
  expect(refused.err.split('\n')[0]).toBe('Failed to power off VM(DC1/web01) through vCenter Server 127.0.0.1, so nothing was restored; the VM\'s disks are as they were.');
  expect(refused.err).toContain('MethodDisabled');
  expect(await sim.powerState(id)).toBe('poweredOn');
  expect(f.engine.readChunks(f.engine.getVvol(disk.vvolId as string), 0, 1)).toEqual(['changed']);
  expect(f.engine.diskBackup(disk.id).rvs.map((r) => r.state)).toEqual(['completed']);

  // vCenter can power it off again: powered off, then restored.
  await sim.enablePowerOff(id);
  const r = await cli(['backup', 'restore', 'web01', 'DC1']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out.split('\n').slice(0, 2)).toEqual(['VM(DC1/web01) was powered off through vCenter Server 127.0.0.1; it stays off.', 'Start to restore VM(DC1/web01) from the last backup.']);
  expect(await sim.powerState(id)).toBe('poweredOff');
  f.clock.advance(10_000);
  f.engine.tick();
  expect(f.engine.readChunks(f.engine.getVvol(disk.vvolId as string), 0, 3)).toEqual(['a', 'b', 'c']);
  expect(await sim.powerState(id)).toBe('poweredOff'); // it stays off
  // Already off: nothing to do in vCenter, the restore goes on.
  expect((await cli(['backup', 'restore', 'web01', 'DC1'])).out.split('\n')[0]).toBe('VM(DC1/web01) is powered off; it stays off.');
  await sim.deleteVm(id);
});

test('E.2: vCenter set but never read (wrong password): "Failed to get information of vCenter server from VASA configuration file." and why', async () => {
  await setUp({ password: 'Wrong-Password-2', id: '502e0676-e510-ccdd-394c-667f6867fc43' });
  const r = await cli(['backup', 'relation', 'web01', 'DC1']);
  expect(r.code).toBe(1);
  expect(r.err.split('\n')[0]).toBe(VCENTER_INFO_FAILED);
  expect(r.err).toContain('refused the user name or password');
  expect(r.err).not.toContain('Wrong-Password-2');
  await sim.deleteVm('502e0676-e510-ccdd-394c-667f6867fc43');
});

test('the default opener (the CLI\'s assembly) reads vCenter once and names the VMs by it', async () => {
  await setUp({ id: '502e0676-e510-ccdd-394c-667f6867fc44' });
  const conf = tempDir('vvol-conf-');
  saveSettings(conf, vcSettings(f.dir, { port: sim.port, thumbprint: sim.thumbprint }));
  process.env.VASA_PROVIDER_CONF = conf;
  try {
    const ctx = await openBackupFolder({ data: f.dir });
    ctx.close();
    const r = await runCli((p) => registerBackupCommands(p), ['backup', '--data', f.dir, 'relation', 'web01', 'DC1']);
    expect(r.err).toBe('');
    expect(r.out).toContain('DataCenter Name      : DC1\nvCenterServer        : 127.0.0.1\n');
  } finally {
    delete process.env.VASA_PROVIDER_CONF;
    fs.rmSync(conf, { recursive: true, force: true });
    await sim.deleteVm('502e0676-e510-ccdd-394c-667f6867fc44');
  }
});
