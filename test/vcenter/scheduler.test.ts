/**
 * Issue 13, the image-backup scheduler with vCenter: plans name VMs as vCenter does; a
 * VM deleted in vCenter "no longer exists" for a run, as a VM gone from the array
 * always did; a restore powers the VM off through vCenter before its disks are
 * overwritten and leaves it off; a VM that cannot be powered off is not overwritten.
 */
import fs from 'node:fs';
import { registerImageCommands } from '../../src/admin/image-commands';
import { saveSettings } from '../../src/config/settings';
import { runCli } from '../support/run-cli';
import { bed, Bed, chunksOf, schedulerError } from '../scheduler/setup';
import { buildArray, tempDir } from '../helpers/fixture';
import { Vcsim } from '../helpers/vcsim';
import { Harness, inventoryService, VC_PASSWORD, vcSettings, useSimulator } from './setup';

let sim: Vcsim;
let b: Bed;
let h: Harness;

useSimulator((started) => {
  sim = started;
});
afterEach(async () => {
  await b.svc.stop();
  await h.service.stop();
  expect(b.f.engine.checkInvariants()).toEqual([]);
  b.f.close();
  fs.rmSync(b.f.dir, { recursive: true, force: true });
});

/** A bed whose scheduler names VMs and powers them off through the simulator; VMs made on the array and in vCenter (powered on). */
async function setUp(vms: { name: string; vsphereName?: string }[]) {
  const f = buildArray();
  h = inventoryService(f.dir, vcSettings(f.dir, { port: sim.port, thumbprint: sim.thumbprint }), { clock: f.clock });
  b = bed({ fixture: f, service: { naming: () => h.service.naming(), power: h.service } });
  const made = [];
  for (const v of vms) {
    const vm = b.vm(v.vsphereName ?? v.name, { written: 4 });
    await sim.createVm({ name: v.name, instanceUuid: vm.id, datacenter: 'DC0', powerOn: true });
    made.push(vm);
  }
  expect((await h.service.refresh()).ok).toBe(true);
  return made;
}

test('plans take vCenter\'s names; a VM deleted in vCenter no longer exists for the run, the others are backed up', async () => {
  const [web, db] = await setUp([{ name: 'web01', vsphereName: 'web-meta' }, { name: 'db01' }]);
  expect(schedulerError(() => b.plan({ vms: ['web-meta'] }))).toMatchObject({ code: 'INVALID', field: 'vms' });
  const plan = b.plan({ name: 'nightly', vms: ['web01', 'db01'] });
  await sim.deleteVm(db.id);
  expect((await h.service.refresh()).ok).toBe(true);
  b.run(3.5 * 3600_000, 60_000);
  b.settle();
  const [run] = b.svc.listRuns({ planId: plan });
  expect(run.vms.find((v) => v.vmName === 'db01')).toMatchObject({ state: 'skipped', message: 'VM db01 no longer exists; it was not backed up.' });
  expect(run.vms.find((v) => v.vmName === 'web01')).toMatchObject({ state: 'completed', vmId: web.id });
  await sim.deleteVm(web.id);
});

test('restore powers the VM off through vCenter, then overwrites its disks and leaves it off; when it cannot be powered off, the job fails and nothing is overwritten', async () => {
  const [vm] = await setUp([{ name: 'app01' }]);
  const run = b.svc.backupNow('app01');
  b.settle();
  const imageId = b.svc.getRun(run.id).vms[0].imageId as string;
  const backedUp = chunksOf(b.f, vm.disks[0]);
  b.f.engine.write(vm.disks[0], 0, ['after-backup']);
  const changed = chunksOf(b.f, vm.disks[0]);

  await sim.disablePowerOff(vm.id);
  const refused = b.svc.restore({ imageId });
  await b.svc.drain();
  const failed = b.svc.history().find((j) => j.jobId === refused.jobId);
  expect(failed).toMatchObject({ type: 'restore', status: 'Failed', vms: ['app01'] });
  expect(failed?.message).toMatch(/^The restore of VM app01 from image .* was refused: the VM could not be powered off through vCenter Server 127\.0\.0\.1 \(.*MethodDisabled.*\); nothing was overwritten\.$/);
  expect(chunksOf(b.f, vm.disks[0])).toEqual(changed);
  expect(await sim.powerState(vm.id)).toBe('poweredOn');

  await sim.enablePowerOff(vm.id);
  const r = b.svc.restore({ imageId });
  expect(r).toMatchObject({ vmName: 'app01', source: 'local', disks: [{ name: 'config' }, { name: 'app01.vmdk' }] });
  await b.svc.drain();
  expect(b.svc.history().find((j) => j.jobId === r.jobId)).toMatchObject({ status: 'Success' });
  expect(await sim.powerState(vm.id)).toBe('poweredOff');
  expect(chunksOf(b.f, vm.disks[0])).toEqual(backedUp);
  await sim.deleteVm(vm.id);
});

test('`image restore` (the CLI\'s own assembly): vCenter read once, the VM powered off through it, the command waits for the job', async () => {
  const [vm] = await setUp([{ name: 'cli01', vsphereName: 'cli-meta' }]);
  const run = b.svc.backupNow('cli01');
  b.settle();
  const imageId = b.svc.getRun(run.id).vms[0].imageId as string;
  await b.svc.stop();
  const conf = tempDir('vvol-conf-');
  saveSettings(conf, vcSettings(b.f.dir, { port: sim.port, thumbprint: sim.thumbprint }));
  process.env.VASA_PROVIDER_CONF = conf;
  try {
    const r = await runCli((p) => registerImageCommands(p), ['image', '--data', b.f.dir, 'restore', imageId]);
    expect(r.err).toContain(`restore restore-`);
    expect(r.code).toBe(0);
    expect(r.out).toContain('cli01');
    expect(await sim.powerState(vm.id)).toBe('poweredOff');
    expect(b.svc.history().find((j) => j.type === 'restore')).toMatchObject({ status: 'Success', vms: ['cli01'] });
  } finally {
    delete process.env.VASA_PROVIDER_CONF;
    fs.rmSync(conf, { recursive: true, force: true });
    await sim.deleteVm(vm.id);
  }
});
