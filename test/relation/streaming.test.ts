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
import { parseRelation, seedVms, service, validate } from './scenario';

let f: Fixture;
afterEach(() => f.close());

test('X4: 20,000 VVols of 5,000 VMs and 3,000 VVols without a VM stream to disk in bounded pieces and the file validates', async () => {
  f = buildArray();
  seedVms(f, f.array, 5000, 4, 3000);
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
  seedVms(f, f.array, 12_500, 4);
  seedVms(f, 'Storage002', 12_500, 4);
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
