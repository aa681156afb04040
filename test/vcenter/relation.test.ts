/**
 * Issue 13, the relation file with vCenter (Appendix C, Table D-1): VM names and
 * datacenters are vCenter's (the VM whose instance UUID is the VVols' VMW_VmID),
 * vCenterServer is the configured address, in-process and in the daemon's worker
 * thread alike (the inventory crosses as plain data); a VM renamed in vCenter makes a
 * new file, a VM deleted in vCenter leaves its VVols unmanaged; without any inventory
 * the file is not written (B.1) and the earlier one stays.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/array/clock';
import { RelationFailure, RelationOptions, RelationService } from '../../src/relation/service';
import { RELATION_LOGIN_FAILED } from '../../src/vcenter';
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { Vcsim } from '../helpers/vcsim';
import { hex4 } from '../../src/array/ids';
import { addVvol, captureLog, createVm, Node, parseRelation, validate } from '../relation/scenario';
import { Harness, inventoryService, VC_PASSWORD, vcSettings, vmInBoth, useSimulator } from './setup';

const WEB = '502e0676-e510-ccdd-394c-667f6867fb01';
const DB = '502e0676-e510-ccdd-394c-667f6867fb02';
const GONE = '502e0676-e510-ccdd-394c-667f6867fb03';
const MIN = 60_000;

let sim: Vcsim;
const open: { f: Fixture; h: Harness }[] = [];

useSimulator(async (started) => {
  sim = started;
  await sim.createVm({ name: 'web01', instanceUuid: WEB, datacenter: 'DC0', powerOn: true });
  await sim.createVm({ name: 'db01', instanceUuid: DB, datacenter: 'DC1' });
});
afterEach(async () => {
  for (const { f, h } of open.splice(0)) {
    await h.service.stop();
    f.close();
    fs.rmSync(f.dir, { recursive: true, force: true });
  }
});

/** An array with web01 (named "web-old" in its metadata), db01, and a VM vCenter does not know; a link to the simulator. */
function setUp(o: { password?: string } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 3, 1, 9, 0, 0));
  const f = buildArray({ clock });
  const web = createVm(f, WEB, 'web-old');
  const webDisk = addVvol(f, web, 'data', 'web01.vmdk');
  const db = createVm(f, DB, 'db01');
  addVvol(f, db, 'data', 'db01.vmdk');
  // A VM vCenter does not know: a config VVol (a namespace, shown in the datastore browser) and a disk that is not.
  createVm(f, GONE, 'orphan01');
  const orphanDisk = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 2 * GB, metadata: { VMW_VmID: GONE, VMW_VVolType: 'Data', VMW_VVolName: 'orphan01.vmdk' } }).ld;
  const h = inventoryService(f.dir, vcSettings(f.dir, { port: sim.port, thumbprint: sim.thumbprint, ...(o.password ? { password: o.password } : {}) }), { clock });
  open.push({ f, h });
  return { f, h, webDisk, orphanDisk };
}

const relation = (f: Fixture, h: Harness, o: Partial<RelationOptions> = {}, log = captureLog()) =>
  new RelationService(f.engine, f.clock, f.dir, log, { vCenterServer: '127.0.0.1', vmNaming: (dc) => h.service.freshNaming(0, dc), ...o });

const datacenters = (doc: Node): Node[] => doc.Information.diskArray.datacenterList.datacenter as Node[];
const vmNames = (dc: Node): string[] => ((dc.validVVOLList?.VM ?? []) as Node[]).map((v) => v['@name'] as string);

test('X4 with vCenter: every datacenter of vCenter, each with its VMs by vCenter\'s names, vCenterServer, unmanaged VVols once; in-process and in the worker thread alike; valid against relation.xsd', async () => {
  const files: string[] = [];
  for (const inWorker of [false, true]) {
    const { f, h, orphanDisk } = setUp();
    const [r] = await relation(f, h, { inWorker }).checkAndWrite();
    expect(r).toMatchObject({ changed: true, written: expect.any(String) });
    files.push(fs.readFileSync(r.written as string, 'utf8'));
    const v = validate(r.written as string);
    expect(v.output).toContain('validates');
    expect(v.ok).toBe(true);
    const doc = parseRelation(r.written as string);
    expect(doc.Information['@vCenterServer']).toBe('127.0.0.1');
    const [dc0, dc1] = datacenters(doc);
    expect(datacenters(doc).map((d) => d['@name'])).toEqual(['DC0', 'DC1']);
    expect(vmNames(dc0)).toEqual(['web01']);
    expect(dc0.validVVOLList.VM[0]['@id']).toBe(WEB);
    expect(dc0.validVVOLList.VM[0].configVVOL['@name']).toBe('web-old'); // the VVol keeps vSphere's VMW_VVolName
    expect(vmNames(dc1)).toEqual(['db01']);
    // The VM vCenter does not know is no VM: its disk is an invalid VVOL (its config VVol is a namespace: A.2), listed once, in DC0.
    expect((dc0.unManageVVOLList.invalidVVOLList.invalidVVOL as Node[]).map((x) => x['@id'])).toEqual([hex4(orphanDisk.ldn)]);
    expect(dc1.unManageVVOLList).toEqual({ invalidVVOLList: '', actionVVOLList: '' });
  }
  expect(files[1]).toBe(files[0]);
});

test('X1 with vCenter: a VM renamed in vCenter makes a new file, an unchanged inventory none; a VM deleted in vCenter is no VM of the file any more', async () => {
  const { f, h, webDisk } = setUp();
  const s = relation(f, h);
  await s.checkAndWrite();
  f.clock.advance(5 * MIN);
  expect((await s.checkAndWrite())[0].changed).toBe(false);

  await sim.renameVm(DB, 'db01-renamed');
  f.clock.advance(5 * MIN);
  const [renamed] = await s.checkAndWrite();
  expect(renamed.changed).toBe(true);
  expect(vmNames(datacenters(parseRelation(renamed.written as string))[1])).toEqual(['db01-renamed']);
  await sim.renameVm(DB, 'db01');

  const temp = '502e0676-e510-ccdd-394c-667f6867fb09';
  const { disk } = await vmInBoth(f, sim, { id: temp, name: 'temp01', datacenter: 'DC0' });
  f.clock.advance(5 * MIN);
  const [added] = await s.checkAndWrite();
  expect(vmNames(datacenters(parseRelation(added.written as string))[0])).toEqual(['temp01', 'web01']);
  await sim.deleteVm(temp);
  f.clock.advance(5 * MIN);
  const [deleted] = await s.checkAndWrite();
  expect(deleted.changed).toBe(true);
  const dc0 = datacenters(parseRelation(deleted.written as string))[0];
  // Gone from vCenter: no VM holds its VVols any more (they carry vSphere's namespace, so they are not invalid either: A.2).
  expect(vmNames(dc0)).toEqual(['web01']);
  expect(fs.readFileSync(deleted.written as string, 'utf8')).not.toContain(`id="${hex4(disk.ldn)}"`);
  expect(dc0.validVVOLList.VM[0].dataList.dataVVOL.map((d: Node) => d['@id'])).toEqual([hex4(webDisk.ldn)]);
});

test('B.1: vCenter set but never read (wrong password): no file, the manual\'s message with the cause, the failure handler called; the earlier file stays', async () => {
  const { f, h } = setUp({ password: 'Wrong-Password-1' });
  // An earlier file, written before the link (metadata names).
  const before = await new RelationService(f.engine, f.clock, f.dir, captureLog(), { vCenterServer: '127.0.0.1' }).checkAndWrite();
  const failures: RelationFailure[] = [];
  const log = captureLog();
  f.clock.advance(5 * MIN);
  const [r] = await relation(f, h, { onFailure: (x) => failures.push(x) }, log).checkAndWrite();
  expect(r.error).toBe(RELATION_LOGIN_FAILED);
  expect(r.cause).toContain(`refused the user name or password of "administrator@vsphere.local" (InvalidLogin)`);
  expect(failures).toEqual([{ array: f.array, wwn: f.engine.getArray(f.array).wwn, message: RELATION_LOGIN_FAILED, cause: r.cause }]);
  expect(log.lines.map((l) => l.message)).toContain(`${RELATION_LOGIN_FAILED} (${f.array}: ${r.cause})`);
  const latest = path.dirname(before[0].written as string);
  expect(fs.readdirSync(latest).filter((n) => n.endsWith('.xml'))).toEqual([path.basename(before[0].written as string)]);
  expect(log.lines.map((l) => l.message).join('\n')).not.toContain('Wrong-Password-1');
});
