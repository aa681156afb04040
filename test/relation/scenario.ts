/**
 * Fixtures for the relation file: VMs made of VVols with the metadata vSphere writes,
 * and the helpers the tests share (validate with xmllint, parse, read zips).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { containerDisplayId, hex4 } from '../../src/array/ids';
import type { LogicalDisk } from '../../src/array/types';
import type { VvolType } from '../../src/array/models';
import { RelationLogger, RelationService, RelationOptions } from '../../src/relation/service';
import { Fixture, GB } from '../helpers/fixture';

export const XSD = path.resolve(__dirname, '..', '..', 'wsdl', 'relation.xsd');
const VMW_TYPE: Record<VvolType, string> = { config: 'Config', data: 'Data', swap: 'Swap', memory: 'Memory', other: 'Other' };

export interface Vm {
  id: string;
  name: string;
  config: LogicalDisk;
  namespace: string;
}

export function vvolMetadata(f: Fixture, vm: { id: string; namespace?: string }, type: VvolType, name: string, pool = 0): Record<string, string> {
  const wwn = f.engine.getArray(f.array).wwn;
  return {
    VMW_VmID: vm.id, VMW_VVolType: VMW_TYPE[type], VMW_VVolName: name,
    VMW_ContainerId: containerDisplayId(wwn, pool), ...(vm.namespace ? { VMW_VVolNamespace: vm.namespace } : {}),
  };
}

/** A VM as vSphere makes one: its config VVol first (the namespace), then the others. */
export function createVm(f: Fixture, id: string, name: string, pool = 0): Vm {
  const config = f.engine.createVvol(f.array, { pool, type: 'config', sizeBytes: 4 * GB, metadata: vvolMetadata(f, { id }, 'config', name, pool) }).ld;
  const wwn = f.engine.getArray(f.array).wwn;
  const namespace = `/vmfs/volumes/${containerDisplayId(wwn, pool)}/${config.vvolId}`;
  f.engine.updateVvolMetadata(config.vvolId as string, { VMW_VVolNamespace: namespace });
  return { id, name, config, namespace };
}

export function addVvol(f: Fixture, vm: Vm, type: VvolType, name: string, sizeBytes = 2 * GB, pool = 0): LogicalDisk {
  return f.engine.createVvol(f.array, { pool, type, sizeBytes, metadata: vvolMetadata(f, vm, type, name, pool) }).ld;
}

/** An LD in the backup pool (vvolbackup0, pool 3) paired as RV of `mv`. */
export function backupVolume(f: Fixture, mv: LogicalDisk): LogicalDisk {
  const rv = f.engine.createLd(f.array, { pool: 3, kind: 'ld', capacityBytes: mv.capacity });
  f.engine.pairVolumes(f.array, mv.ldn, rv.ldn);
  return rv;
}

export const VM_A = '502e0676-e510-ccdd-394c-667f6867fc01';
export const VM_CLONE = '502e0676-e510-ccdd-394c-667f6867fc02';
export const VM_GONE = '502e0676-e510-ccdd-394c-667f6867fc03';

export interface Scenario {
  web: Vm;
  data: LogicalDisk;
  swap: LogicalDisk;
  memory: LogicalDisk;
  snapshot: LogicalDisk;
  deleting: LogicalDisk;
  deletingSince: number;
  rv: LogicalDisk;
  clone: Vm;
  cloneData: LogicalDisk;
  fullClone: LogicalDisk;
  cloningSince: number;
  invalid: LogicalDisk;
  fileVvol: LogicalDisk;
}

/**
 * Everything Table D-1 can show: a VM with config/data/swap/memory VVols, a snapshot
 * of its data VVol, a backup volume (RV) of it, a fast-cloned VM, a VVol without a VM,
 * a VVol that is a datastore file (not invalid), a snapshot being deleted and a full
 * clone in progress. Nothing ticks, so background work stays in progress.
 */
export function buildScenario(f: Fixture): Scenario {
  const web = createVm(f, VM_A, 'web01');
  const data = addVvol(f, web, 'data', 'web01.vmdk');
  const swap = addVvol(f, web, 'swap', 'web01-1a2b.vswp');
  const memory = addVvol(f, web, 'memory', 'web01-Snapshot1.vmem');
  // The linked clone is made of a second disk: table 4-1 (B12) denies backup to an FEV, so
  // the disk with the backup volume cannot also be the master of fast clones.
  const linkedSource = addVvol(f, web, 'data', 'web01_1.vmdk');
  f.engine.write(data, 0, ['a', 'b', 'c']);
  const snapshot = f.engine.snapshot(data.vvolId as string);
  const doomed = f.engine.snapshot(data.vvolId as string);

  const clone = createVm(f, VM_CLONE, 'web01-clone');
  const cloneData = f.engine.fastClone(linkedSource.vvolId as string, { metadata: vvolMetadata(f, clone, 'data', 'web01-clone.vmdk') });
  f.clock.advance(60_000);
  const cloningSince = f.clock.now();
  const fullClone = f.engine.fullClone(data.vvolId as string, { metadata: vvolMetadata(f, { id: '502e0676-e510-ccdd-394c-667f6867fc09' }, 'data', 'copy.vmdk') }).ld;
  const rv = backupVolume(f, data);

  const invalid = f.engine.createVvol(f.array, { pool: 1, type: 'data', sizeBytes: GB }).ld;
  const fileVvol = f.engine.createVvol(f.array, { pool: 1, type: 'data', sizeBytes: GB, metadata: { VMW_VVolNamespace: web.namespace, VMW_VVolName: 'detached.vmdk' } }).ld;
  f.clock.advance(60_000);
  const deletingSince = f.clock.now();
  f.engine.deleteVvol(doomed.vvolId as string);
  const deleting = f.engine.getLd(f.array, doomed.ldn);
  f.clock.advance(60_000);
  return { web, data, swap, memory, snapshot, deleting, deletingSince, rv, clone, cloneData, fullClone, cloningSince, invalid, fileVvol };
}

export interface Captured extends RelationLogger {
  lines: { level: string; message: string }[];
}

export function captureLog(): Captured {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
}

export function service(f: Fixture, o: Partial<RelationOptions> = {}, log: RelationLogger = captureLog()): RelationService {
  return new RelationService(f.engine, f.clock, f.dir, log, o);
}

/** xmllint's verdict on a file against wsdl/relation.xsd. */
export function validate(file: string): { ok: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const LISTS = new Set(['VM', 'dataVVOL', 'memoryVVOL', 'snapshot', 'rv', 'fastcloneTargetVM', 'invalidVVOL', 'deletingVVOL', 'cloningVVOL', 'rvVVOLList', 'datacenter']);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = Record<string, any>;

export function parseRelation(file: string): Node {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => LISTS.has(name), parseAttributeValue: false });
  return parser.parse(fs.readFileSync(file, 'utf8')) as Node;
}

/** Reads the single entry of a zip with Python's zipfile (an independent reader). */
export function unzipWithPython(zip: string): { names: string[]; content: string; testzip: string } {
  const script = [
    'import sys, zipfile, json',
    'z = zipfile.ZipFile(sys.argv[1])',
    'names = z.namelist()',
    'print(json.dumps({"names": names, "content": z.read(names[0]).decode("utf-8"), "testzip": str(z.testzip())}))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, zip], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python zipfile failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { names: string[]; content: string; testzip: string };
}

export const ldnOf = (ld: LogicalDisk): string => hex4(ld.ldn);

/** Large stores in one transaction, with SQL (one engine call per VVol takes about a minute for 20,000): `vms` VMs of `perVm` VVols each (a config VVol, then data VVols), LD numbers from 1000h, then `orphans` VVols without a VM. */
export function seedVms(f: Fixture, arrayName: string, vms: number, perVm: number, orphans = 0): void {
  const a = f.engine.getArray(arrayName);
  // Alternate VMs between the two containers: a pool holds at most 32,768 LDs.
  const pools = [f.engine.getPool(arrayName, 0).id, f.engine.getPool(arrayName, 1).id];
  const count = vms * perVm;
  f.store.tx(() => {
    f.store.run(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO lds (array_id, ldn, name, pool_id, capacity, kind, vvol_type, vvol_id, allocation, vm_id, created_at)
       SELECT ?, 4096 + i, printf('2000%s%04X', ?, 4096 + i), CASE WHEN (i / ?) % 2 = 0 THEN ? ELSE ? END, 1073741824, 'vvol',
              CASE WHEN i % ? = 0 THEN 'config' ELSE 'data' END,
              lower(printf('naa.6%s000000000%s%04X', ?, ?, 4096 + i)), 'virtual',
              printf('502e0676-%04x-4000-8000-%012x', ?, i / ?), ?
       FROM n`,
      count, a.id, a.wwn.slice(4), perVm, pools[0], pools[1], perVm, a.wwn.slice(4, 10), a.wwn.slice(4), a.id, perVm, f.clock.now(),
    );
    const ns = `/vmfs/volumes/vvol:65cdb05000000000-5cdb05310000000${a.id}/`; // the folder name does not matter here
    f.store.run(`INSERT INTO ld_metadata (ld_id, key, value) SELECT id, 'VMW_VmID', vm_id FROM lds WHERE array_id = ? AND ldn >= 4096`, a.id);
    f.store.run(`INSERT INTO ld_metadata (ld_id, key, value) SELECT id, 'VMW_VVolType', CASE vvol_type WHEN 'config' THEN 'Config' ELSE 'Data' END FROM lds WHERE array_id = ? AND ldn >= 4096`, a.id);
    f.store.run(`INSERT INTO ld_metadata (ld_id, key, value) SELECT id, 'VMW_VVolName', CASE vvol_type WHEN 'config' THEN 'vm-' || substr(vm_id, -12) ELSE 'vm-' || substr(vm_id, -12) || '_' || (ldn % ${perVm}) || '.vmdk' END FROM lds WHERE array_id = ? AND ldn >= 4096`, a.id);
    f.store.run(`INSERT INTO ld_metadata (ld_id, key, value) SELECT id, 'VMW_VVolNamespace', ? || vm_id FROM lds WHERE array_id = ? AND ldn >= 4096`, ns, a.id);
    if (orphans > 0) {
      f.store.run(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         INSERT INTO lds (array_id, ldn, name, pool_id, capacity, kind, vvol_type, vvol_id, allocation, created_at)
         SELECT ?, ? + i, printf('2000%s%04X', ?, ? + i), ?, 1073741824, 'vvol', 'data', lower(printf('naa.6%s000000000%s%04X', ?, ?, ? + i)), 'virtual', ? FROM n`,
        orphans, a.id, 4096 + count, a.wwn.slice(4), 4096 + count, pools[1], a.wwn.slice(4, 10), a.wwn.slice(4), 4096 + count, f.clock.now(),
      );
    }
  });
  // One VVol through the engine, so the array's event sequence moves as for any change.
  f.engine.createVvol(arrayName, { pool: 0, type: 'data', sizeBytes: 1 << 30 });
}
