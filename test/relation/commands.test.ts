import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { openDataFolder, registerRelationCommands, RelationOpener } from '../../src/admin/relation-commands';
import { buildArray, Fixture } from '../helpers/fixture';
import { addVvol, createVm, VM_A } from './scenario';
import { runCli } from '../support/run-cli';

let f: Fixture;
let closed: number;
beforeEach(() => {
  f = buildArray();
  closed = 0;
});
afterEach(() => {
  f.close();
  process.exitCode = 0;
});

/** The group run in-process (test/support/run-cli.ts), over this test's engine. */
async function cli(args: string[], open?: RelationOpener): Promise<{ out: string; err: string; code: number }> {
  return runCli((program) => registerRelationCommands(program, open ?? (() => ({ engine: f.engine, clock: f.clock, dataDir: f.dir, close: () => { closed++; } }))), args);
}

test('X1: relation write writes on a change only and says so; relation show prints the latest file', async () => {
  const vm = createVm(f, VM_A, 'web01');
  const first = await cli(['relation', 'write']);
  expect(first.code).toBe(0);
  const file = path.join(f.dir, 'latestRelationBetweenVMandVVOL', '00255CDB05310000_Storage001', '20260101000000.xml');
  expect(first.out).toBe(`Storage001 (00255CDB05310000): configuration changed; wrote ${file}\n`);
  expect(fs.existsSync(file)).toBe(true);
  expect(closed).toBe(1);

  f.clock.advance(60_000);
  const quiet = await cli(['relation', 'write']);
  expect(quiet.out).toBe(`Storage001 (00255CDB05310000): no change; latest file ${file}\n`);

  addVvol(f, vm, 'data', 'web01.vmdk');
  f.clock.advance(60_000);
  const changed = await cli(['relation', 'write', '--json']);
  const [r] = JSON.parse(changed.out) as Record<string, unknown>[];
  const next = path.join(path.dirname(file), '20260101000200.xml');
  expect(r).toMatchObject({ array: 'Storage001', wwn: '00255CDB05310000', changed: true, written: next, latest: next, pruned: [] });
  expect(r.zipped).toBe(path.join(f.dir, 'RelationBetweenVMandVVOL', '00255CDB05310000_Storage001', '20260101000000.zip'));

  expect((await cli(['relation', 'show'])).out).toBe(`Storage001 (00255CDB05310000): ${next}\n`);
  expect(JSON.parse((await cli(['relation', 'show', '--json'])).out)).toEqual([{ array: 'Storage001', wwn: '00255CDB05310000', path: next }]);
});

test('X4: relation write --datacenter names the datacenter in the file', async () => {
  const r = await cli(['relation', 'write', '--json', '--datacenter', 'DC-Osaka']);
  const [res] = JSON.parse(r.out) as { written: string }[];
  expect(fs.readFileSync(res.written, 'utf8')).toContain('<datacenter name="DC-Osaka">');
});

test('X5: relation write reports the manual message and exits 1 when the file cannot be written', async () => {
  const file = path.join(f.dir, 'plain-file');
  fs.writeFileSync(file, '');
  const r = await cli(['relation', 'write'], () => ({ engine: f.engine, clock: f.clock, dataDir: file, close: () => undefined }));
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/^Storage001 \(00255CDB05310000\): ERROR: Failed to create the file that shows the relation between storage and virtual machines\. \(.+\)\n$/);
});

test('relation show before any write, and a failing open, are reported', async () => {
  expect((await cli(['relation', 'show'])).out).toBe('Storage001 (00255CDB05310000): (no relation file yet)\n');
  const broken = await cli(['relation', 'show', '--json'], () => { throw new Error('There is no provider store'); });
  expect(broken.code).toBe(1);
  expect(JSON.parse(broken.err)).toEqual({ error: { code: 'RELATION', message: 'There is no provider store' } });
});

test('relation --data opens the data folder itself when no opener is given', async () => {
  createVm(f, VM_A, 'web01');
  const program = new Command().exitOverride();
  registerRelationCommands(program);
  let out = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  try {
    await program.parseAsync(['node', 'vvolctl', 'relation', '--data', f.dir, 'write', '--json']);
  } finally {
    o.mockRestore();
  }
  const [r] = JSON.parse(out) as { written: string }[];
  expect(r.written.startsWith(path.join(f.dir, 'latestRelationBetweenVMandVVOL', '00255CDB05310000_Storage001'))).toBe(true);
  const empty = path.join(f.dir, 'empty');
  fs.mkdirSync(empty);
  const missing = await cli(['relation', '--data', empty, 'show'], (x) => openDataFolder(x));
  expect(missing.code).toBe(1);
  expect(missing.err).toContain(`There is no provider store (vvol-provider.db) in the data folder ${empty}.`);
});
