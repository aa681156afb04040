import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { hex4 } from '../../src/array/ids';
import { xmlTime } from '../../src/relation/paths';
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { addVvol, backupVolume, buildScenario, createVm, ldnOf, Node, parseRelation, Scenario, service, validate, VM_A, VM_CLONE, VM_GONE } from './scenario';

let f: Fixture;
beforeEach(() => {
  f = buildArray();
});
afterEach(() => f.close());

async function writeOnce(o = {}): Promise<string> {
  const [r] = await service(f, o).checkAndWrite();
  expect(r.error).toBeUndefined();
  expect(r.written).toBeDefined();
  return r.written as string;
}

function datacenter(doc: Node): Node {
  return doc.Information.diskArray.datacenterList.datacenter[0];
}

function vmNamed(doc: Node, name: string): Node {
  const vm = (datacenter(doc).validVVOLList.VM as Node[]).find((v) => v['@name'] === name);
  expect(vm).toBeDefined();
  return vm as Node;
}

describe('X4: the file has every tag and attribute of Table D-1, in its nesting, and validates against wsdl/relation.xsd', () => {
  let s: Scenario;
  let file: string;
  let doc: Node;
  let text: string;
  beforeEach(async () => {
    s = buildScenario(f);
    file = await writeOnce();
    doc = parseRelation(file);
    text = fs.readFileSync(file, 'utf8');
  });

  test('X4: xmllint accepts the file against the schema', () => {
    const v = validate(file);
    expect(v.output).toContain('validates');
    expect(v.ok).toBe(true);
  });

  test('X4: Information and diskArray carry the file and disk array attributes', () => {
    const info = doc.Information;
    const start = xmlTime(f.clock.now());
    expect(info['@startTimestamp']).toBe(start);
    expect(info['@finishTimestamp']).toBe(start);
    expect(info['@infoType']).toBe('RelationBetweenVMandVVOL');
    expect(info['@fileVersion']).toBe('1.0');
    expect(info['@vCenterServer']).toBe('');
    const a = f.engine.getArray(f.array);
    expect(info.diskArray).toMatchObject({ '@Ip': a.ip, '@serialNumber': a.serial, '@name': a.name, '@WWN': a.wwn, '@model': a.model });
    expect(datacenter(doc)['@name']).toBe('Datacenter');
  });

  test('X4: a VM lists its config, data (with snapshot and rv), swap and memory VVOLs by LD number, name and namespace', () => {
    const vm = vmNamed(doc, 'web01');
    expect(vm['@id']).toBe(VM_A);
    expect(vm.configVVOL).toEqual({ '@Id': ldnOf(s.web.config), '@name': 'web01' });
    const [data] = vm.dataList.dataVVOL as Node[];
    expect(data['@id']).toBe(ldnOf(s.data));
    expect(data['@name']).toBe('web01.vmdk');
    expect(data['@namespace']).toBe(s.web.namespace);
    expect(data.snapshot).toEqual([{ '@id': ldnOf(s.snapshot) }]);
    expect(data.rv).toEqual([{ '@id': ldnOf(s.rv) }]);
    expect(vm.swapVVOL).toEqual({ '@id': ldnOf(s.swap), '@name': 'web01-1a2b.vswp', '@namespace': s.web.namespace });
    expect(vm.memoryList.memoryVVOL).toEqual([{ '@id': ldnOf(s.memory), '@name': 'web01-Snapshot1.vmem', '@namespace': s.web.namespace }]);
  });

  test('X4: a fast-cloned VM names its source, and the source lists its clones', () => {
    const source = vmNamed(doc, 'web01');
    const clone = vmNamed(doc, 'web01-clone');
    expect(clone['@id']).toBe(VM_CLONE);
    expect(clone.fastcloneSourceVM).toEqual({ '@name': 'web01' });
    expect(clone.dataList.dataVVOL[0]['@id']).toBe(ldnOf(s.cloneData));
    expect(source.fastcloneTargetList.fastcloneTargetVM).toEqual([{ '@name': 'web01-clone' }]);
    expect(source.fastcloneSourceVM).toBeUndefined();
  });

  test('B13: VVols without a VM, being deleted and being cloned are unmanaged, with their start times', () => {
    const u = datacenter(doc).unManageVVOLList;
    expect(u.invalidVVOLList.invalidVVOL).toEqual([{ '@id': ldnOf(s.invalid) }]);
    expect(u.actionVVOLList.deletingVVOL).toEqual([{ '@id': ldnOf(s.deleting), '@deletingTime': xmlTime(s.deletingSince) }]);
    expect(u.actionVVOLList.cloningVVOL).toEqual([{ '@id': ldnOf(s.fullClone), '@cloningTime': xmlTime(s.cloningSince) }]);
  });

  test('B13: a VVol shown as a file in the datastore (it has a namespace) is not invalid (A.2), and LDs are listed once', () => {
    expect(text).not.toContain(`id="${ldnOf(s.fileVvol)}"`);
    const ids = [...text.matchAll(/ (?:id|Id)="([0-9A-F]{4})"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    // The deleting snapshot is not also a snapshot child, the full clone not also a VM member.
    expect(ids.filter((i) => i === ldnOf(s.deleting))).toHaveLength(1);
    expect(ids.filter((i) => i === ldnOf(s.fullClone))).toHaveLength(1);
  });

  test('X4: every tag and attribute name of Table D-1 occurs', () => {
    const tags = ['Information', 'diskArray', 'datacenterList', 'datacenter', 'validVVOLList', 'VM', 'configVVOL', 'dataList', 'dataVVOL', 'snapshot', 'rv',
      'swapVVOL', 'memoryList', 'memoryVVOL', 'fastcloneSourceVM', 'fastcloneTargetList', 'fastcloneTargetVM', 'unManageVVOLList', 'invalidVVOLList',
      'invalidVVOL', 'actionVVOLList', 'deletingVVOL', 'cloningVVOL'];
    for (const t of tags) expect(text).toMatch(new RegExp(`<${t}[ />]`));
    const attrs = ['startTimestamp', 'finishTimestamp', 'infoType', 'fileVersion', 'vCenterServer', 'Ip', 'serialNumber', 'WWN', 'model', 'namespace', 'deletingTime', 'cloningTime'];
    for (const a of attrs) expect(text).toContain(` ${a}="`);
  });
});

test('B13: a backup volume whose VM was deleted is listed in rvVVOLList with its type and the VM it backed up', async () => {
  const gone = createVm(f, VM_GONE, 'old-vm');
  const disk = addVvol(f, gone, 'data', 'old-vm.vmdk');
  const rv = backupVolume(f, disk);
  const spare = f.engine.createLd(f.array, { pool: 3, kind: 'ld', capacityBytes: GB });
  const svc = service(f);
  const first = parseRelation((await svc.checkAndWrite())[0].written as string);
  expect(vmNamed(first, 'old-vm').dataList.dataVVOL[0].rv).toEqual([{ '@id': ldnOf(rv) }]);
  // The VM is deleted, its backup volume stays (Backup Volume Automatic Deleted = No).
  f.engine.deleteVvol(disk.vvolId as string);
  f.engine.deleteVvol(gone.config.vvolId as string);
  f.clock.advance(5 * 60_000);
  const [r] = await svc.checkAndWrite();
  expect(validate(r.written as string).ok).toBe(true);
  const u = datacenter(parseRelation(r.written as string)).unManageVVOLList;
  expect(u.rvVVOLList).toEqual([
    { '@id': ldnOf(rv), '@type': 'vmdk-VVOL', '@mvVMid': VM_GONE },
    { '@id': hex4(spare.ldn), '@type': '---', '@mvVMid': '' },
  ]);
  expect(datacenter(parseRelation(r.written as string)).validVVOLList).toBe('');
});

test('X4: an empty array gives a valid file with empty lists', async () => {
  const file = await writeOnce();
  expect(validate(file).ok).toBe(true);
  const dc = datacenter(parseRelation(file));
  expect(dc.validVVOLList).toBe('');
  expect(dc.unManageVVOLList).toEqual({ invalidVVOLList: '', actionVVOLList: '' });
});

test('X4: names with markup, quotes and control characters are escaped and the file stays valid', async () => {
  const name = 'a<b> & "c" \'d\'\ttab\nline\u0001';
  const vm = createVm(f, VM_A, name);
  addVvol(f, vm, 'data', 'x&y.vmdk');
  const file = await writeOnce({ datacenter: 'DC "east" & <west>' });
  expect(validate(file).ok).toBe(true);
  // An independent parser reads back exactly what was stored (the forbidden U+0001 becomes U+FFFD).
  const script = 'import sys, json, xml.etree.ElementTree as ET\nr = ET.parse(sys.argv[1]).getroot()\n' +
    'print(json.dumps([r.find("diskArray/datacenterList/datacenter").get("name"), [v.get("name") for v in r.iter("VM")], [d.get("name") for d in r.iter("dataVVOL")]]))';
  const out = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
  expect(out.stderr).toBe('');
  expect(JSON.parse(out.stdout)).toEqual(['DC "east" & <west>', [name.replace('\u0001', '\uFFFD')], ['x&y.vmdk']]);
});

test('X4: the vCenterServer and datacenter options are written', async () => {
  createVm(f, VM_A, 'web01');
  const file = await writeOnce({ datacenter: 'DC-Tokyo', vCenterServer: '192.0.2.50' });
  const doc = parseRelation(file);
  expect(doc.Information['@vCenterServer']).toBe('192.0.2.50');
  expect(datacenter(doc)['@name']).toBe('DC-Tokyo');
});

test('X4: a VM whose config VVol is on another array is named by its UUID', async () => {
  const vm = { id: VM_A, name: 'x', config: undefined, namespace: '/vmfs/volumes/vvol:elsewhere/naa.600000000000000000000000000000ff' } as unknown as Parameters<typeof addVvol>[1];
  addVvol(f, vm, 'data', 'remote.vmdk');
  const doc = parseRelation(await writeOnce());
  const only = datacenter(doc).validVVOLList.VM[0];
  expect(only['@name']).toBe(VM_A);
  expect(only.configVVOL).toBeUndefined();
});
