/**
 * The `backup` CLI group (Appendix E.1): the commands print the manual's blocks and
 * messages and exit 0 or 1 (K1, K5); the default opener needs a provider store.
 */
import { openBackupFolder, registerBackupCommands } from '../../src/admin/backup-commands';
import { MiB } from '../../src/array/models';
import { buildArray, Fixture, tempDir } from '../helpers/fixture';
import { addVvol, createVm } from '../relation/scenario';
import { runCli } from '../support/run-cli';

let f: Fixture;
let closed: number;
beforeEach(() => {
  f = buildArray({ engine: { copyBytesPerSec: MiB } });
  closed = 0;
});
afterEach(() => {
  f.close();
  process.exitCode = 0;
});

/** The group run in-process (test/support/run-cli.ts), over this test's engine. */
async function cli(args: string[]): Promise<{ out: string; err: string; code: number }> {
  return runCli((program) => registerBackupCommands(program, () => ({ engine: f.engine, options: { datacenter: 'Datacenter', vCenterServer: '' }, close: () => { closed++; } })), args);
}

test('K1, K5: backup online / relation / status / cancel / restore through the CLI, exit 0 and 1 with E.2\'s messages', async () => {
  const vm = createVm(f, '502e0676-e510-ccdd-394c-667f6867fc21', 'app01');
  const data = addVvol(f, vm, 'data', 'app01.vmdk');
  f.engine.ensureBackupVolumes(data.vvolId as string, { generations: 1, autoDelete: false });
  f.engine.write(data, 0, ['a', 'b', 'c']);

  const missing = await cli(['backup', 'relation', 'nosuch', 'Datacenter']);
  expect(missing).toEqual({ out: '', err: 'Specified VM(Datacenter/nosuch) does not exist.\n', code: 1 });
  const rel = await cli(['backup', 'relation', 'app01', 'Datacenter']);
  expect(rel.code).toBe(0);
  expect(rel.out).toContain('VM Name              : app01\n');

  const online = await cli(['backup', 'online', 'app01', 'Datacenter']);
  expect(online.code).toBe(0);
  expect(online.out.split('\n').slice(0, 3)).toEqual(['Start to check information of specified VM.', 'Start to back up the specified VM.', 'Success to online backup VM(Datacenter/app01) without keeping consistency.']);
  expect(online.out).toContain('config-vvol:\n');
  expect(online.out).toContain('  Backup State: no backup\n'); // the config VVol has no backup volume
  const again = await cli(['backup', 'online', 'app01', 'Datacenter']);
  expect(again).toMatchObject({ err: 'Failed to back up for VM(Datacenter/app01). Backup is already running.\n', code: 1 });

  f.clock.advance(10_000); // the CLI ticks the engine first
  const status = await cli(['backup', 'status']);
  expect(status.out).toContain('VM(Datacenter/app01)\n');
  expect(status.out).toContain('  Backup State: Backup completed\n');
  expect((await cli(['backup', 'cancel', 'app01', 'Datacenter'])).code).toBe(1);
  expect((await cli(['backup', 'restore', 'app01', 'Datacenter', '--disk', 'app01.vmdk'])).code).toBe(0);
  expect(closed).toBe(7);
});

test('the default opener refuses a folder without a provider store', async () => {
  await expect(openBackupFolder({ data: tempDir() })).rejects.toThrow(/There is no provider store/);
});
