/**
 * The CLI groups `schedule` and `image` (issue 11 section 6) over a fake service: the
 * options become the plan document the API takes (checked by the same schema, so a
 * wrong option reads as the API's 400 does), the service's refusals print its message
 * and exit by their code (INVALID 2, NOT_FOUND 4, CONFLICT 6, LIMIT 7, FAILED 1), text
 * tables by default and values with --json, progress lines while `image backup --wait`
 * waits (advancing the scheduler), and the report to a file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { registerImageCommands } from '../../src/admin/image-commands';
import { registerScheduleCommands } from '../../src/admin/schedule-commands';
import type { SchedulerCliContext, SchedulerOpener } from '../../src/admin/scheduler-cli';
import { buildArray, GB } from '../helpers/fixture';
import { addVvol, createVm, VM_A } from '../relation/scenario';
import { runCli } from '../support/run-cli';
import { FakeScheduler, PLAN } from './fake-scheduler';

let fake: FakeScheduler;
let closed: number;
let ticks: number;
let dir: string;

beforeEach(() => {
  fake = new FakeScheduler();
  closed = 0;
  ticks = 0;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schedule-cli-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = 0;
});

const opener = (over: Partial<SchedulerCliContext> = {}): SchedulerOpener => () => ({
  api: fake,
  tick: () => { ticks++; fake.tick(); },
  sleep: async () => undefined,
  close: () => { closed++; },
  ...over,
});

function cli(args: string[], open: SchedulerOpener = opener()) {
  return runCli((program: Command) => {
    registerScheduleCommands(program, open);
    registerImageCommands(program, open);
  }, args);
}

const CREATE = ['schedule', 'create', '--name', 'daily-web', '--vm', 'web01', 'web02', '--start-date', '2026-01-06', '--slot', '2', '--minute', '10', '--tz', 'Europe/Berlin', '--retention', '7'];

test('schedule create: the options become the API\'s plan document; text by default, the plan with --json', async () => {
  const r = await cli(CREATE);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(fake.calls).toEqual([{ method: 'createPlan', args: [{ ...PLAN, schedule: { type: 'daily', startDate: '2026-01-06', slotHour: 2, startMinute: 10 } }] }]);
  expect(r.out.split('\n')[0]).toBe('Plan 1 (daily-web) created.');
  expect(r.out).toMatch(/^Schedule\s+: daily at 02:10 from 2026-01-06$/m);
  expect(r.out).toMatch(/^Next run \(UTC\)\s+: 2026-01-05T11:00:00Z$/m);
  expect(closed).toBe(1);

  const j = await cli(['schedule', 'create', '--json', '--name', 'monthly-db', '--vm', 'db01', '--type', 'monthly', '--ordinal', 'third', '--weekday', 'Monday', '--start-date', '2026-01-01', '--slot', '4', '--tz', 'America/New_York', '--retention', '30', '--disabled']);
  expect(j.code).toBe(0);
  const plan = JSON.parse(j.out);
  expect(plan).toMatchObject({ id: 2, name: 'monthly-db', enabled: false, schedule: { type: 'monthly', ordinal: 3, weekday: 'mon', slotHour: 4 }, timeZone: 'America/New_York' });
  expect(fake.calls[1].args[0]).toEqual({
    name: 'monthly-db', vms: ['db01'], enabled: false, timeZone: 'America/New_York', retentionDays: 30,
    schedule: { type: 'monthly', startDate: '2026-01-01', slotHour: 4, ordinal: 3, weekday: 'mon' },
  });

  const list = await cli(['schedule', 'list']);
  expect(list.out.split('\n')[0]).toMatch(/^ID\s+Name\s+Enabled\s+Schedule\s+Time zone\s+VMs\s+Retention\s+Next run \(UTC\)$/);
  expect(list.out).toContain('monthly on the third mon at 04:00 from 2026-01-01');
  expect(JSON.parse((await cli(['schedule', 'list', '--json'])).out).map((p: { name: string }) => p.name)).toEqual(['daily-web', 'monthly-db']);
});

test('wrong options: exit 2 with the API\'s message naming the field (and the option); the service is not asked', async () => {
  const cases: [string[], string][] = [
    [['--slot', '24'], 'ERROR: schedule.slotHour: must be at most 23. (--slot)'],
    [['--slot', 'two'], 'ERROR: schedule.slotHour: must be an integer. (--slot)'],
    [['--type', 'hourly'], 'ERROR: schedule.type: must be one of once, daily, weekly, monthly. (--type)'],
    [['--start-date', '6.1.2026'], 'ERROR: schedule.startDate: must be a local date YYYY-MM-DD (for once: the day it runs). (--start-date)'],
    [['--retention', '0'], 'ERROR: retentionDays: must be at least 1. (--retention)'],
    [['--ordinal', 'sixth', '--type', 'monthly'], 'ERROR: schedule.ordinal: must be one of 1, 2, 3, 4, 5, last. (--ordinal)'],
  ];
  for (const [extra, message] of cases) {
    const args = [...CREATE];
    for (let i = 0; i < extra.length; i += 2) {
      const at = args.indexOf(extra[i]);
      if (at >= 0) args[at + 1] = extra[i + 1];
      else args.push(extra[i], extra[i + 1]);
    }
    const r = await cli(args);
    expect([extra, r.code, r.err]).toEqual([extra, 2, `${message}\n`]);
  }
  const missing = await cli(['schedule', 'create', '--name', 'x', '--vm', 'web01', '--slot', '2', '--retention', '7']);
  expect([missing.code, missing.err]).toEqual([2, 'ERROR: schedule.startDate: is missing. (--start-date)\n']);
  const asJson = await cli(['schedule', 'create', '--json', '--name', 'x', '--start-date', '2026-01-06', '--slot', '2', '--retention', '7']);
  expect(asJson.code).toBe(2);
  expect(JSON.parse(asJson.err)).toEqual({ error: { code: 'INVALID', message: 'vms: is missing.', field: 'vms', details: { problems: ['vms: is missing.'] } } });
  expect((await cli(['schedule', 'show', 'abc'])).err).toBe('ERROR: id: must be an integer.\n');
  expect(fake.calls).toEqual([]);
});

test('the service\'s refusals: its message, exit by code (INVALID 2, NOT_FOUND 4, CONFLICT 6, LIMIT 7), details with --json', async () => {
  const minute = await cli([...CREATE, '--minute', '57']);
  expect(minute.code).toBe(2);
  expect(minute.err).toBe('ERROR: A start in the last 5 minutes of a slot (minute 55 to 59) is refused: the backup could not start inside its slot. Choose minute 0 to 54. (--minute)\n');

  const full = await cli([...CREATE, '--slot', '3', '--json']);
  expect(full.code).toBe(7);
  expect(JSON.parse(full.err).error).toMatchObject({ code: 'LIMIT', field: 'schedule.slotHour', details: { nearestSlotHour: 4, nearestDate: '2026-01-07' } });

  expect((await cli(CREATE)).code).toBe(0);
  const dup = await cli(CREATE);
  expect([dup.code, dup.err]).toEqual([6, 'ERROR: A plan named daily-web already exists. (--name)\n']);
  const none = await cli(['schedule', 'show', '9']);
  expect([none.code, none.err]).toEqual([4, 'ERROR: There is no plan 9.\n']);
  expect((await cli(['image', 'backup', 'nosuchvm'])).code).toBe(4);
});

test('schedule update, copy, enable, disable, delete: schedule options are laid over the plan\'s schedule', async () => {
  await cli(CREATE);
  const u = await cli(['schedule', 'update', '1', '--minute', '20', '--retention', '30']);
  expect(u.code).toBe(0);
  expect(fake.calls.at(-1)).toEqual({ method: 'updatePlan', args: [1, { retentionDays: 30, schedule: { type: 'daily', startDate: '2026-01-06', slotHour: 2, startMinute: 20 } }] });
  expect(u.out.split('\n')[0]).toBe('Plan 1 (daily-web) changed.');

  // A new type drops the old type's day fields; weekly needs its weekday.
  await cli(['schedule', 'update', '1', '--type', 'weekly', '--weekday', 'fri']);
  expect(fake.calls.at(-1)?.args[1]).toEqual({ schedule: { type: 'weekly', startDate: '2026-01-06', slotHour: 2, startMinute: 20, weekday: 'fri' } });
  await cli(['schedule', 'update', '1', '--type', 'monthly', '--month-day', '31']);
  expect(fake.calls.at(-1)?.args[1]).toEqual({ schedule: { type: 'monthly', startDate: '2026-01-06', slotHour: 2, startMinute: 20, monthDay: 31 } });
  await cli(['schedule', 'update', '1', '--ordinal', 'last', '--weekday', 'sun']);
  expect(fake.calls.at(-1)?.args[1]).toEqual({ schedule: { type: 'monthly', startDate: '2026-01-06', slotHour: 2, startMinute: 20, ordinal: 'last', weekday: 'sun' } });
  // Only the name: the schedule is not touched, the plan not even read.
  await cli(['schedule', 'update', '1', '--name', 'web-nightly']);
  expect(fake.calls.slice(-1)).toEqual([{ method: 'updatePlan', args: [1, { name: 'web-nightly' }] }]);
  const nothing = await cli(['schedule', 'update', '1']);
  expect([nothing.code, nothing.err]).toEqual([2, 'ERROR: body: must name at least one field to change. (an option to change)\n']);

  const c = await cli(['schedule', 'copy', '1', '--name', 'web-copy', '--vm', 'web01', '--json']);
  expect(c.code).toBe(0);
  expect(JSON.parse(c.out)).toMatchObject({ id: 2, name: 'web-copy', vms: ['web01'], derivedFrom: 1 });
  expect(fake.calls.at(-1)).toEqual({ method: 'createPlanFrom', args: [1, { name: 'web-copy', vms: ['web01'] }] });
  expect((await cli(['schedule', 'copy', '1', '--vm', 'web01'])).err).toBe('ERROR: name: is missing. (--name)\n');

  expect((await cli(['schedule', 'disable', '1'])).out.split('\n')[0]).toBe('Plan 1 (web-nightly) disabled: nothing starts.');
  expect(fake.plans.get(1)?.enabled).toBe(false);
  expect((await cli(['schedule', 'enable', '1', '--json'])).out).toContain('"enabled": true');
  const d = await cli(['schedule', 'delete', '2']);
  expect([d.code, d.out]).toEqual([0, 'Plan 2 deleted; its images stay until they expire.\n']);
  expect((await cli(['schedule', 'delete', '2'])).code).toBe(4);
});

test('image backup --wait prints progress lines (stderr) while it advances the scheduler, then the run; the sixth backup in 24 hours exits 7', async () => {
  const r = await cli(['image', 'backup', 'web01', '--wait']);
  expect(r.code).toBe(0);
  expect(r.err.split('\n')).toEqual([
    'run 1 archiving: 0% (0/8 chunks), 0/1 VMs done',
    'run 1 archiving: 25% (2/8 chunks), 0/1 VMs done',
    'run 1 archiving: 50% (4/8 chunks), 0/1 VMs done',
    'run 1 archiving: 75% (6/8 chunks), 0/1 VMs done',
    'run 1 completed: 100% (8/8 chunks), 1/1 VMs done',
    '',
  ]);
  expect(ticks).toBe(4);
  expect(r.out).toMatch(/^State\s+: completed$/m);
  expect(r.out).toMatch(/^0\s+web01\s+completed\s+3\s+8\/8\s+4m00s\s+8\.0 KiB\s+0 B\s+img-1$/m);

  const started = await cli(['image', 'backup', 'web02', '--json']);
  expect(JSON.parse(started.out)).toMatchObject({ id: 2, state: 'archiving', progress: { percent: 0 } });
  const waited = await cli(['image', 'run', '2', '--wait', '--json']);
  expect(JSON.parse(waited.out)).toMatchObject({ id: 2, state: 'completed', progress: { percent: 100, vmsDone: 1 } });

  for (let i = 0; i < 3; i++) expect((await cli(['image', 'backup', 'web01', '--wait'])).code).toBe(0);
  expect((await cli(['image', 'backup', 'web01'])).code).toBe(0);
  for (let i = 0; i < 4; i++) fake.tick();
  const sixth = await cli(['image', 'backup', 'web01']);
  expect(sixth.code).toBe(7);
  expect(sixth.err).toMatch(/^ERROR: VM web01 had 5 backups in the last 24 hours: the next is allowed at 2026-01-06T10:00:00.000Z\.\n$/);
});

test('a wait that does not end in time exits 1 and says the run goes on; a cancelled run exits 1', async () => {
  const stuck = opener({ tick: () => undefined, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 600))) });
  const r = await cli(['image', 'backup', 'web01', '--wait', '--timeout', '1'], stuck);
  expect(r.code).toBe(1);
  expect(r.err).toContain('ERROR: Stopped waiting after 1 s; run 1 goes on (see `vvolctl image run 1`).');
  expect((await cli(['image', 'backup', 'web01', '--wait', '--timeout', 'soon'])).err).toBe('ERROR: --timeout: must be a whole number of seconds, at least 1, not "soon".\n');

  const c = await cli(['image', 'cancel', '1']);
  expect([c.code, c.out]).toEqual([0, 'Run 1 cancelled.\n']);
  expect((await cli(['image', 'cancel', '1'])).code).toBe(6);
  const w = await cli(['image', 'run', '1', '--wait']);
  expect(w.code).toBe(1);
  expect(w.err).toBe('run 1 cancelled: 0% (0/8 chunks), 1/1 VMs done\n');
});

test('image list, show, verify, restore, runs, history and report', async () => {
  await cli(['image', 'backup', 'web01', '--wait']);
  await cli(['image', 'backup', 'db01', '--wait']);

  const list = await cli(['image', 'list']);
  expect(list.out.split('\n')[0]).toMatch(/^ID\s+VM\s+Run\s+Backup time \(UTC\)\s+Expires \(UTC\)\s+Read\s+Stored\s+Local\s+Second store$/);
  expect(JSON.parse((await cli(['image', 'list', '--vm', 'db01', '--json'])).out).map((i: { id: string }) => i.id)).toEqual(['img-2']);
  expect(fake.calls.at(-1)).toEqual({ method: 'listImages', args: [{ vmName: 'db01' }] });
  expect((await cli(['image', 'show', 'img-1'])).out).toMatch(/^web01\.vmdk\s+data\s+8\.0 KiB\s+8\s+-$/m);
  expect((await cli(['image', 'show', '../x'])).err).toBe('ERROR: id: must be an image id (letters, digits, . _ -).\n');

  expect((await cli(['image', 'verify', 'img-1'])).out).toBe('Image img-1: verified, every chunk and the manifest match their hashes.\n');
  fake.images.get('img-2')!.local = 'damaged';
  const bad = await cli(['image', 'verify', 'img-2']);
  expect([bad.code, bad.out]).toEqual([1, 'Image img-2: 1 problem(s) found:\n  chunk 3 of db01.vmdk: content does not match its hash\n']);

  const restore = await cli(['image', 'restore', 'img-1']);
  expect(restore.code).toBe(0);
  expect(restore.out).toBe('Restore restore-1: VM web01 from the local store: Success; the VM is left powered off.\n  web01.vmdk: 8 chunks\n');
  expect(JSON.parse((await cli(['image', 'restore', 'img-1', '--json'])).out)).toEqual({ jobId: 'restore-2', vmName: 'web01', disks: [{ name: 'web01.vmdk', chunks: 8 }], source: 'local', status: 'Success', message: null });
  fake.images.get('img-1')!.local = 'missing';
  const failed = await cli(['image', 'restore', 'img-1']);
  expect([failed.code, failed.err]).toEqual([1, 'ERROR: Image img-1 is missing locally and in the second store.\n']);

  expect((await cli(['image', 'runs'])).out).toMatch(/^1\s+-\s+immediate\s+completed\s+100%\s+web01\s/m);
  expect(JSON.parse((await cli(['image', 'runs', '--active', '--json'])).out)).toEqual([]);
  expect(fake.calls.at(-1)).toEqual({ method: 'listRuns', args: [{ active: true }] });
  expect((await cli(['image', 'runs', '--plan', 'x'])).err).toBe('ERROR: id: must be an integer.\n');

  const h = await cli(['image', 'history']);
  expect(h.out.split('\n')[0]).toMatch(/^Job\s+Type\s+Status\s+Plan\s+VMs\s+Started \(UTC\)\s+Duration\s+Message$/);
  expect(h.out).toMatch(/^run-1\s+backup\s+Success\s+-\s+web01\s+2026-01-05T10:00:00Z\s+4m00s$/m);
  await cli(['image', 'history', '--all']);
  expect(fake.calls.at(-1)).toEqual({ method: 'history', args: [{ days: 'all' }] });

  const out = path.join(dir, 'report.csv');
  const rep = await cli(['image', 'report', '--out', out]);
  expect(rep.out).toBe(`Report of the last 14 days written to ${out} (2 rows).\n`);
  expect(fs.readFileSync(out, 'utf8')).toBe(fake.reportCsv());
  expect((await cli(['image', 'report'])).out).toBe(fake.reportCsv());
  const del = await cli(['image', 'delete', 'img-2']);
  expect([del.code, del.out]).toEqual([0, 'Image img-2 deleted.\n']);
});

test('the default opener: the data folder\'s own service; an immediate backup waited for (the CLI advances it), its image and its mail', async () => {
  const f = buildArray();
  try {
    const vm = createVm(f, VM_A, 'web01');
    const disk = addVvol(f, vm, 'data', 'web01.vmdk', GB);
    f.engine.write(disk, 0, ['a', 'b', 'c']);
    f.engine.write(vm.config, 0, ['web01-vmx']);
    const real = (args: string[]) => runCli((program: Command) => {
      registerScheduleCommands(program);
      registerImageCommands(program);
    }, args);
    const plan = await real(['schedule', '--data', f.dir, 'create', '--json', '--name', 'nightly', '--vm', 'web01', '--start-date', '2030-01-01', '--slot', '3', '--tz', 'UTC', '--retention', '7']);
    expect([plan.code, plan.err]).toEqual([0, '']);
    expect(JSON.parse((await real(['schedule', '--data', f.dir, 'list', '--json'])).out).map((p: { name: string }) => p.name)).toEqual(['nightly']);

    const b = await real(['image', '--data', f.dir, 'backup', 'web01', '--wait', '--timeout', '60', '--json']);
    expect([b.code, JSON.parse(b.out).state]).toEqual([0, 'completed']);
    expect(b.err.trim().split('\n').at(-1)).toMatch(/^run 1 completed: 100% /);
    const images = JSON.parse((await real(['image', '--data', f.dir, 'list', '--json'])).out);
    expect(images).toEqual([expect.objectContaining({ vmName: 'web01', runId: 1, local: 'ok' })]);
    expect(JSON.parse((await real(['image', '--data', f.dir, 'verify', images[0].id, '--json'])).out).ok).toBe(true);
    // The job's mail went out before the command ended (no SMTP configured: the outbox).
    const outbox = path.join(f.dir, 'outbox');
    expect(fs.readdirSync(outbox).filter((n) => n.endsWith('.eml'))).toHaveLength(1);
  } finally {
    f.close();
    fs.rmSync(f.dir, { recursive: true, force: true });
  }
});

test('a data folder without a store: the usual error and exit status, nothing left open', async () => {
  const r = await runCli((program: Command) => registerScheduleCommands(program), ['schedule', '--data', dir, 'list']);
  expect(r.code).toBe(3);
  expect(r.err).toBe(`ERROR: There is no provider store (vvol-provider.db) in the data folder ${dir}. Start the provider once (\`npm start\`) first.\n`);
});

test('--help of both groups lists the commands and the exit statuses', async () => {
  const s = await cli(['schedule', '--help']);
  expect(s.code).toBe(0);
  for (const c of ['list [options]', 'show [options] <id>', 'create [options]', 'update [options] <id>', 'delete [options] <id>', 'enable [options] <id>', 'disable [options] <id>', 'copy [options] <id>']) expect(s.out).toContain(c);
  expect(s.out).toContain('  7  LIMIT (5 backups per VM in 24 hours, a full slot: the message says when or where instead)');
  const i = await cli(['image', '--help']);
  for (const c of ['list', 'show', 'delete', 'verify', 'restore', 'backup', 'runs', 'run', 'cancel', 'history', 'report']) expect(i.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  expect((await cli(['schedule', 'create', '--help'])).out).toContain('--ordinal <n>');
});
