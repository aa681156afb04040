/**
 * The RV backup routes of the admin API (/vms, /unmanaged-vvols, /pools) behind the
 * management screens, on the real HTTPS server with a management-screen session: the
 * manual's messages, word for word the same as the `backup` CLI prints for the same
 * request (one implementation: BackupOperations), the HTTP status chosen per refusal,
 * bodies validated naming the field, the backup script's quoting proven by running it,
 * and every answer as the OpenAPI document says.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openApiDocument } from '../../src/admin/api';
import { registerBackupCommands } from '../../src/admin/backup-commands';
import { backupScript } from '../../src/admin/backup-script';
import { answerChecker, type Doc } from '../admin/openapi-check';
import { runCli } from '../support/run-cli';
import { type Answer, type BedVm, call, DC, login, makeVm, OPTIONS, run, startWebBed, type WebBed } from './setup';

const check = answerChecker(openApiDocument() as Doc);
let b: WebBed;
let s: { cookie: string; csrf: string };
let web: BedVm;
let db: BedVm;

beforeAll(async () => {
  b = await startWebBed();
  web = makeVm(b.f, 'web01', 1);
  db = makeVm(b.f, 'db01', 2, 0);
  s = await login(b.t.port);
});
afterAll(async () => {
  await b?.close();
});

/** Calls the API with the session and checks the answer against the document. */
async function api(method: string, p: string, documented: string, body?: unknown): Promise<Answer> {
  const r = await call(b.t.port, {
    path: `/api/v1${p}`, method,
    headers: { Cookie: s.cookie, ...(method === 'GET' ? {} : { 'X-CSRF-Token': s.csrf }), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(check(documented, method.toLowerCase(), { status: r.status, contentType: (r.headers['content-type'] as string | undefined) ?? null, text: r.body, json: r.json })).toEqual([]);
  return r;
}

/** The same command through the CLI, on the same engine. */
const cli = (args: string[]) => runCli((program: Command) => registerBackupCommands(program, () => ({ engine: b.f.engine, options: OPTIONS, close: () => undefined })), ['backup', ...args]);
const lines = (text: string) => text.split('\n').filter(Boolean);
const states = (v: BedVm) => b.f.engine.diskBackup(v.data.id).rvs.map((r) => r.state);

test('the VM list and a VM\'s backup information: policy, generations, state, times; per disk its LD, RVs and states', async () => {
  const list = await api('GET', '/vms', '/vms');
  // The provider's clock time of the answer (what the screens show as "Last updated"), not the machine's.
  expect(list.headers['x-provider-time']).toBe(String(b.f.clock.now()));
  expect(list.json).toEqual([
    expect.objectContaining({ name: 'db01', datacenter: DC, policySet: false, generations: 0, state: 'none', stateText: '-', lastBackupAt: null, busy: false }),
    expect.objectContaining({ name: 'web01', datacenter: DC, policySet: true, generations: 2, state: 'none', lastBackupAt: null, previousBackupAt: null }),
  ]);
  const one = await api('GET', `/vms/${DC}/web01`, '/vms/{datacenter}/{vm}');
  expect(one.json.disks.map((d: { role: string; ldName: string; diskFile: string }) => [d.role, d.ldName, d.diskFile])).toEqual([
    ['config', web.vm.config.name, 'web01'], ['data', web.data.name, 'web01.vmdk'],
  ]);
  expect(one.json.disks[1].generations.map((g: { generation: number; poolName: string; stateText: string }) => [g.generation, g.poolName, g.stateText])).toEqual([[1, 'vvolbackup0', '-'], [2, 'vvolbackup0', '-']]);
  const missing = await api('GET', `/vms/${DC}/nosuch`, '/vms/{datacenter}/{vm}');
  expect([missing.status, missing.json.field, missing.json.error]).toEqual([404, 'vm', 'Specified VM(Datacenter/nosuch) does not exist.']);
});

test('online backup: the manual\'s messages as the CLI prints them; the state moves by the clock to "Backup completed"', async () => {
  const r = await api('POST', `/vms/${DC}/web01/backup`, '/vms/{datacenter}/{vm}/backup');
  expect(r.status).toBe(202);
  expect(r.json.messages.slice(0, 3)).toEqual(['Start to check information of specified VM.', 'Start to back up the specified VM.', 'Success to online backup VM(Datacenter/web01) without keeping consistency.']);
  const detail = await api('GET', `/vms/${DC}/web01`, '/vms/{datacenter}/{vm}');
  expect(detail.json).toMatchObject({ state: 'backing-up', busy: true, stateText: 'Backing up (Time remaining: 0 hours 1 minutes)' });
  expect(detail.json.disks[1].generations[0].stateText).toBe('Backing up (Time remaining: 0 hours 1 minutes)');
  // A second backup while one runs: the same refusal on both faces.
  const again = await api('POST', `/vms/${DC}/web01/backup`, '/vms/{datacenter}/{vm}/backup');
  expect([again.status, again.json.code, again.json.error]).toEqual([409, 'CONFLICT', 'Failed to back up for VM(Datacenter/web01). Backup is already running.']);
  const againCli = await cli(['online', 'web01', DC]);
  expect([againCli.code, lines(againCli.err)]).toEqual([1, [again.json.error]]);
  expect(lines(againCli.out)).toEqual(again.json.details.messages);
  run(b.f, 15);
  const done = await api('GET', '/vms', '/vms');
  const w = done.json.find((v: { name: string }) => v.name === 'web01');
  expect(w).toMatchObject({ state: 'completed', stateText: 'Backup completed', busy: false, remainingMs: null });
  expect(w.lastBackupAt).toBe(b.f.engine.diskBackup(web.vm.config.id).last?.backedUpAt);
  expect(states(web)).toEqual(['completed', 'none']);
});

test('refusals: no backup policy (409), unknown VM or datacenter (404, field vm), as the CLI words them', async () => {
  const noPolicy = await api('POST', `/vms/${DC}/db01/backup`, '/vms/{datacenter}/{vm}/backup');
  expect([noPolicy.status, noPolicy.json.error]).toEqual([409, 'The backup policy of VM(Datacenter/db01) is not set.']);
  expect(lines((await cli(['online', 'db01', DC])).err)).toEqual([noPolicy.json.error]);
  const other = await api('POST', '/vms/Other/web01/cancel', '/vms/{datacenter}/{vm}/cancel');
  expect([other.status, other.json.field, other.json.error]).toEqual([404, 'vm', 'Specified VM(Other/web01) does not exist.']);
  expect(lines((await cli(['cancel', 'web01', 'Other'])).err)).toEqual([other.json.error]);
  expect(states(db)).toEqual([]);
});

test('cancel: the running backup stops and its backup volume reads "Backup failed"; nothing to cancel is refused as the CLI says', async () => {
  const started = await api('POST', `/vms/${DC}/web01/backup`, '/vms/{datacenter}/{vm}/backup');
  expect(started.status).toBe(202);
  run(b.f, 2);
  const c = await api('POST', `/vms/${DC}/web01/cancel`, '/vms/{datacenter}/{vm}/cancel');
  expect(c.status).toBe(200);
  expect(c.json.messages).toEqual(['Failed to back up VM(Datacenter/web01).Backup is interrupted.']);
  run(b.f, 1);
  expect(states(web)).toEqual(['completed', 'failed']);
  const none = await api('POST', `/vms/${DC}/web01/cancel`, '/vms/{datacenter}/{vm}/cancel');
  expect(none.status).toBe(409);
  expect(lines((await cli(['cancel', 'web01', DC])).err)).toEqual([none.json.error]);
});

test('restore: from the last backup, the config VVol only on request; bad bodies name the field and change nothing', async () => {
  for (const [body, field] of [[{ from: 'yesterday' }, 'from'], [{ config: 'yes' }, 'config'], [{ disks: 'all' }, 'disks'], [{ everything: true }, 'everything']] as const) {
    const r = await api('POST', `/vms/${DC}/web01/restore`, '/vms/{datacenter}/{vm}/restore', body);
    expect([r.status, r.json.code, r.json.field]).toEqual([400, 'INVALID', field]);
  }
  const unknownDisk = await api('POST', `/vms/${DC}/web01/restore`, '/vms/{datacenter}/{vm}/restore', { disks: ['nosuch.vmdk'] });
  expect([unknownDisk.status, unknownDisk.json.field, unknownDisk.json.error]).toEqual([400, 'disks', 'The virtual disk nosuch.vmdk is not a disk of VM(Datacenter/web01).']);
  expect(lines((await cli(['restore', 'web01', DC, '--disk', 'nosuch.vmdk'])).err)).toEqual([unknownDisk.json.error]);
  const noPrevious = await api('POST', `/vms/${DC}/web01/restore`, '/vms/{datacenter}/{vm}/restore', { from: 'previous' });
  expect(noPrevious.status).toBe(409);
  expect(lines((await cli(['restore', 'web01', DC, '--previous'])).err)).toEqual([noPrevious.json.error]);
  expect(states(web)).toEqual(['completed', 'failed']);

  b.f.engine.write(web.data, 0, ['changed-after-the-backup']);
  const r = await api('POST', `/vms/${DC}/web01/restore`, '/vms/{datacenter}/{vm}/restore', { from: 'last' });
  expect(r.status).toBe(202);
  expect(r.json.messages[0]).toBe('Start to restore VM(Datacenter/web01) from the last backup.');
  expect(r.json.messages.filter((l: string) => l.startsWith('  LD Name: '))).toEqual([expect.stringContaining(`LD Name: ${web.data.name}  Restore LD Name:`)]);
  expect((await api('GET', `/vms/${DC}/web01`, '/vms/{datacenter}/{vm}')).json.state).toBe('restore-copying');
  run(b.f, 15);
  expect(b.f.engine.readChunks(web.data, 0, 1)).toEqual(['web01-0']);
  expect((await api('GET', `/vms/${DC}/web01`, '/vms/{datacenter}/{vm}')).json.stateText).toBe('Restore completed');
  const withConfig = await api('POST', `/vms/${DC}/web01/restore`, '/vms/{datacenter}/{vm}/restore', { config: true });
  expect(withConfig.json.messages.filter((l: string) => l.startsWith('  LD Name: '))).toHaveLength(2);
  run(b.f, 15);
});

test('the backup script calls `vvolctl backup online` for the VM and datacenter, quoted so any name reaches the command exactly', async () => {
  const r = await api('POST', `/vms/${DC}/web01/script`, '/vms/{datacenter}/{vm}/script');
  expect(r.json.fileName).toBe('backup-web01.sh');
  expect(r.json.content).toMatch(/^#!\/bin\/sh\n/);
  expect(r.json.content).toContain(`exec "$VVOLCTL" backup --data '${b.f.dir}' online 'web01' 'Datacenter'\n`);
  expect((await api('POST', `/vms/${DC}/nosuch/script`, '/vms/{datacenter}/{vm}/script')).status).toBe(404);
  // Run hostile names through a real shell with a stand-in vvolctl that prints its arguments.
  const dir = fs.mkdtempSync(path.join(b.f.dir, 'script-'));
  const printer = path.join(dir, 'printargs');
  fs.writeFileSync(printer, '#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done\n', { mode: 0o755 });
  const names = ["it's $(rm -rf /) `x` \"q\"", 'a\nb; echo pwned', '*'];
  for (const name of names) {
    const script = backupScript(name, "Data'center", "/data dir/'x'", 0);
    const file = path.join(dir, script.fileName);
    fs.writeFileSync(file, script.content);
    const out = execFileSync('/bin/sh', [file], { env: { PATH: '/usr/bin:/bin', VVOLCTL: printer }, cwd: dir }).toString();
    expect(out.split('\0').slice(0, -1)).toEqual(['backup', '--data', "/data dir/'x'", 'online', name, "Data'center"]);
    expect(script.fileName).toMatch(/^backup-[A-Za-z0-9_-]+\.sh$/);
  }
});

test('VVols not used by VMs: an unknown VVol after a failed create, and backup volumes left when a VM\'s disk goes, each with what to do', async () => {
  // (The VM of a left-over RV is named once a relation pass saw the pair; none ran here, so it is "" as in the relation file.)
  expect((await api('GET', '/unmanaged-vvols', '/unmanaged-vvols')).json).toEqual([]);
  // A create that failed half-way: the VVol exists, vSphere never wrote its VM id.
  const orphan = b.f.engine.createVvol(b.f.array, { pool: 0, type: 'data', sizeBytes: 1024 ** 3, metadata: {} }).ld;
  const gone = makeVm(b.f, 'tmp01', 3, 1);
  const rv = b.f.engine.backupVolumes(gone.data.vvolId as string)[0].rv;
  b.f.engine.deleteVvol(gone.data.vvolId as string);
  const list = (await api('GET', '/unmanaged-vvols', '/unmanaged-vvols')).json;
  expect(list).toEqual(expect.arrayContaining([
    expect.objectContaining({ kind: 'invalid', volume: orphan.name, status: 'Unknown VVOL (invalidVVOLList)', arrayName: b.f.array, action: expect.stringMatching(/unnecessary/) }),
    expect.objectContaining({ kind: 'rv', volume: rv.name, status: 'Backup remained by policy (rvVVOLList)', mvVmId: '', action: expect.stringMatching(/^A backup volume left/) }),
  ]));
});

test('pool capacity of every pool', async () => {
  const pools = (await api('GET', '/pools', '/pools')).json;
  expect(pools.map((p: { name: string }) => p.name)).toEqual(['Pool0000', 'Pool0001', 'Pool0002', 'vvolbackup0']);
  const p0 = pools[0];
  expect(p0).toMatchObject({ arrayName: b.f.array, poolNo: '0000', container: true, threshold: 80 });
  expect(p0.usedBytes).toBe(b.f.engine.listPools(b.f.array)[0].usedBytes);
});
