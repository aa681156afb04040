/**
 * Large inventories stream. The VVols are seeded with SQL in one transaction rather
 * than through engine.createVvol: choosing the lowest free LD number scans the LD
 * numbers on every create (5,000 creates take ~4 s, the next 5,000 ~12 s), so 20,000
 * would take about a minute. The rows have the shape createVvol gives them.
 * RELATION_BENCH=1 also runs a provider-size case (two arrays of 50,000 VVols, 25,000
 * VMs; an array holds at most 65,535 LDs).
 */
import fsp from 'node:fs/promises';
import fs from 'node:fs';
import path from 'node:path';
import { writeRelationDocument } from '../../src/relation/document';
import { buildRelationModel } from '../../src/relation/model';
import { buildArray, demoSpec, Fixture } from '../helpers/fixture';
import { bootstrapArray } from '../../src/array/bootstrap';
import { XmlStreamWriter } from '../../src/relation/xml-writer';
import { parseRelation, service, validate } from './scenario';

/** `vms` VMs of `perVm` VVols each (a config VVol, then data VVols), LD numbers from 1000h, then `orphans` VVols without a VM. */
function seed(f: Fixture, arrayName: string, vms: number, perVm: number, orphans = 0): void {
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

let f: Fixture;
afterEach(() => f.close());

test('X4: 20,000 VVols of 5,000 VMs and 3,000 VVols without a VM stream to disk in bounded pieces and the file validates', async () => {
  f = buildArray();
  seed(f, f.array, 5000, 4, 3000);
  const started = process.hrtime.bigint();
  const [r] = await service(f).checkAndWrite();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  expect(r.error).toBeUndefined();
  const file = r.written as string;
  const size = fs.statSync(file).size;
  expect(size).toBeGreaterThan(20_000 * 100 + 3000 * 20);
  expect(seconds).toBeLessThan(10);
  expect(validate(file)).toEqual({ ok: true, output: expect.stringContaining('validates') });
  const text = fs.readFileSync(file, 'utf8');
  expect(text.match(/<VM /g)).toHaveLength(5000);
  expect(text.match(/<dataVVOL /g)).toHaveLength(15_000);
  expect(text.match(/<configVVOL /g)).toHaveLength(5000);
  expect(parseRelation(file).Information.diskArray.datacenterList.datacenter[0].unManageVVOLList.invalidVVOLList.invalidVVOL).toHaveLength(3001);

  // The same document written through a file handle that records each write: the
  // writer never hands the file system more than its buffer plus one VM.
  const model = buildRelationModel(f.engine, f.engine.getArray(f.array), { datacenter: 'Datacenter' });
  const copy = path.join(f.dir, 'copy.xml');
  const fh = await fsp.open(copy, 'w');
  const writes: number[] = [];
  const write = fh.write.bind(fh) as (...a: unknown[]) => Promise<{ bytesWritten: number }>;
  (fh as unknown as { write: typeof write }).write = (...a: unknown[]) => {
    writes.push(a[2] as number);
    return write(...a);
  };
  const flushAt = 64 * 1024;
  await writeRelationDocument(new XmlStreamWriter(fh, flushAt), f.engine, model, { startedAt: f.clock.now(), finishedAt: () => f.clock.now() }, { vCenterServer: '', pageVvols: 500 });
  await fh.close();
  expect(fs.readFileSync(copy, 'utf8')).toBe(text);
  expect(Math.max(...writes)).toBeLessThan(flushAt + 4096);
  expect(writes.length).toBeGreaterThan(size / (flushAt + 4096));
}, 30_000);

const bench = process.env.RELATION_BENCH ? test : test.skip;
bench('X4 (bench): two arrays of 50,000 VVols and 12,500 VMs each write in a few seconds', async () => {
  f = buildArray();
  bootstrapArray(f.engine, demoSpec({ name: 'Storage002', serial: '0000000991008888', wwn: '00255CDB05320000', ip: '192.0.2.11' }));
  seed(f, f.array, 12_500, 4);
  seed(f, 'Storage002', 12_500, 4);
  if (global.gc) global.gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed); }, 5);
  const started = process.hrtime.bigint();
  const results = await service(f).checkAndWrite();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  const sizes = results.map((r) => fs.statSync(r.written as string).size);
  // eslint-disable-next-line no-console
  console.log(`100,000 VVols: ${seconds.toFixed(2)} s, files ${sizes.map((s) => `${(s / 1e6).toFixed(1)} MB`).join(' + ')}, heap peak +${((peak - heapBefore) / 1e6).toFixed(0)} MB`);
  for (const r of results) expect(validate(r.written as string).ok).toBe(true);
  expect(seconds).toBeLessThan(10);
}, 300_000);
