/**
 * Issue 8, rows 17 to 20 and "store and WAL files created 0600", through the compiled
 * daemon (dist/main.js) and CLI (dist/admin/cli.js) on temp data folders: what an
 * operator sees (exit status and message) when the store or the folder lock is not
 * what the last run left.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DiskArrayEngine } from '../../src/array/engine';
import { ManualClock } from '../../src/array/clock';
import { Store, STORE_FILE } from '../../src/store/db';
import { cli, instance, Instance, MAIN, Proc, READY, requireBuild, ROOT, startDaemon, startOutcome, startProcess, stopDaemon } from '../helpers/startup-daemon';

const WRITER = path.join(ROOT, 'test', 'helpers', 'startup-writer.js');
const EXIT_STORE_REFUSED = 4;
const EXIT_LOCKED = 3;

beforeAll(requireBuild);

const running: Proc[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await p.exited;
  }
});

function daemon(i: Instance): Proc {
  const p = startDaemon(i);
  running.push(p);
  return p;
}

function lds(data: string): { vvols: number; all: number } {
  const store = Store.open(data, { readonly: true });
  try {
    const e = new DiskArrayEngine(store, new ManualClock());
    const all = e.listArrays().flatMap((a) => e.listLds(a.name));
    return { vvols: all.filter((l) => l.kind === 'vvol').length, all: all.length };
  } finally {
    store.close();
  }
}

/** A data folder a daemon has run on and stopped cleanly, with `vvols` VVols made by the CLI meanwhile. */
async function usedFolder(vvols = 0): Promise<Instance> {
  const i = instance();
  const d = daemon(i);
  await d.waitFor(READY);
  expect(d.out()).toContain('created the demo disk array Storage001');
  for (let n = 0; n < vvols; n++) {
    const r = cli(i, ['array', 'vvol', 'create', '--pool', '0000h', '--type', 'data', '--size', '1g', '--meta', `VMW_VmID=vm-${n}`]);
    expect(r.stderr).toBe('');
  }
  await stopDaemon(d);
  return i;
}

test('row 17: a store emptied or removed while stopped is refused at start (exit 4), not replaced by a new demo array; a fresh folder gets the demo array', async () => {
  const i = await usedFolder(3);
  const file = path.join(i.data, STORE_FILE);
  expect(lds(i.data)).toEqual({ vvols: 3, all: 6 });

  fs.truncateSync(file, 0);
  const emptied = await startOutcome(i);
  expect(emptied.started).toBe(false);
  expect(emptied.code).toBe(EXIT_STORE_REFUSED);
  expect(emptied.err).toContain(`vvol-provider: cannot start: The store ${file} is empty, but the data folder ${i.data} has been used by the provider before (certs/, provider-uid, server/logs/`);
  expect(emptied.err).toContain('No new demo array is made there: it would take the place of the disk arrays\' state. Restore vvol-provider.db from a backup');
  expect(emptied.out).not.toContain('created the demo disk array');
  expect(fs.statSync(file).size).toBe(0);
  // Nor does the CLI turn it into a new store that the next start would fill with the demo array.
  const check = cli(i, ['array', 'check']);
  expect(check.status).toBe(1);
  expect(check.stderr).toContain(`ERROR: The store ${file} is empty`);
  expect(fs.statSync(file).size).toBe(0);

  fs.rmSync(file);
  const missing = await startOutcome(i);
  expect(missing.code).toBe(EXIT_STORE_REFUSED);
  expect(missing.err).toContain(`The store ${file} is missing, but the data folder`);
  expect(fs.existsSync(file)).toBe(false);
}, 120_000);

test('row 18: a store with 4 overwritten pages is refused at start (exit 4) and `array check` reports it (exit 1)', async () => {
  const used = await usedFolder(5);
  // A copy of the used folder, its store with four b-tree pages overwritten.
  const i = instance();
  fs.cpSync(used.data, i.data, { recursive: true });
  const file = path.join(i.data, STORE_FILE);
  // Four pages picked at random (seeded) among the pages of the tables and indexes (not the
  // schema's, which would fail every statement, not only reads and the check).
  const db = new Database(file, { readonly: true });
  const candidates = (db.prepare("SELECT pageno FROM dbstat WHERE name <> 'sqlite_schema' AND pagetype IN ('leaf', 'internal') ORDER BY pageno").all() as { pageno: number }[]).map((r) => r.pageno);
  db.close();
  let seed = 20260108;
  const pages: number[] = [];
  while (pages.length < 4) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const p = candidates[seed % candidates.length];
    if (!pages.includes(p)) pages.push(p);
  }
  const buf = fs.readFileSync(file);
  const pageSize = buf.readUInt16BE(16);
  for (const p of pages) buf.fill(0x5a, (p - 1) * pageSize, p * pageSize);
  fs.writeFileSync(file, buf);

  const r = await startOutcome(i);
  expect(r.started).toBe(false);
  expect(r.code).toBe(EXIT_STORE_REFUSED);
  expect(r.err).toContain(`vvol-provider: cannot start: The store ${file} is damaged: SQLite's quick_check found `);
  expect(r.err).toContain('restore vvol-provider.db from a backup');

  const check = cli(i, ['array', 'check']);
  expect(check.status).toBe(1);
  expect(check.stdout).toContain(`SQLite quick_check of ${file}: `);
  expect(check.stdout).toContain('The store is damaged: restore vvol-provider.db from a backup');
  // The untouched original still starts.
  const ok = await startOutcome(used);
  expect(ok.started).toBe(true);
}, 180_000);

test('row 19: after a SIGKILL, a deleted WAL is refused at start (exit 4) and by `array check`; the CLI recovering the WAL is no false alarm', async () => {
  const i = instance();
  // A writer that opens the store as the daemon does, acknowledges 20 VVols and is killed with the store open.
  const w = spawnSync(process.execPath, [WRITER, i.data, '20', 'kill'], { encoding: 'utf8' });
  expect(w.signal).toBe('SIGKILL');
  expect(w.stdout).toContain('acked 20\n');
  const copy = instance();
  fs.cpSync(i.data, copy.data, { recursive: true });

  fs.rmSync(path.join(i.data, `${STORE_FILE}-wal`));
  const r = await startOutcome(i);
  expect(r.started).toBe(false);
  expect(r.code).toBe(EXIT_STORE_REFUSED);
  const file = path.join(i.data, STORE_FILE);
  expect(r.err).toContain(`vvol-provider: cannot start: The store ${file} was not closed: the process ${w.pid} (startup-writer.js) that had it open stopped without closing it, and its write-ahead log ${file}-wal is missing. Changes acknowledged before that stop may be lost`);
  const check = cli(i, ['array', 'check']);
  expect(check.status).toBe(1);
  expect(check.stderr).toContain(`ERROR: The store ${file} was not closed`);
  expect(fs.existsSync(`${file}-wal`)).toBe(false);

  // The copy still has its WAL: a CLI command recovers it (and, closing last, checkpoints and deletes it) ...
  const list = cli(copy, ['array', 'check']);
  expect([list.status, list.stdout.trim()]).toEqual([0, 'OK']);
  expect(fs.existsSync(path.join(copy.data, `${STORE_FILE}-wal`))).toBe(false);
  // ... and the daemon then starts on all 20 acknowledged VVols.
  const d = daemon(copy);
  await d.waitFor(READY);
  expect(d.out()).not.toContain('created the demo disk array');
  await stopDaemon(d);
  expect(lds(copy.data).vvols).toBe(20);
}, 120_000);

test('row 19: a daemon SIGKILLed after acknowledging work restarts without a false alarm, with a CLI recovery in between or not', async () => {
  const i = await usedFolder();
  const d = daemon(i);
  await d.waitFor(READY);
  expect(cli(i, ['array', 'vvol', 'create', '--pool', '0000h', '--type', 'data', '--size', '1g']).status).toBe(0);
  d.proc.kill('SIGKILL');
  await d.exited;
  expect(cli(i, ['array', 'check']).status).toBe(0);
  const again = daemon(i);
  await again.waitFor(READY);
  await stopDaemon(again);
  expect(lds(i.data).vvols).toBe(1);
}, 120_000);

test('row 20: deleting the lock file while a daemon runs does not admit a second one (exit 3)', async () => {
  const i = await usedFolder();
  const first = daemon(i);
  await first.waitFor(READY);
  fs.rmSync(path.join(i.data, 'provider.lock'));
  const second = await startOutcome(i);
  expect(second.started).toBe(false);
  expect(second.code).toBe(EXIT_LOCKED);
  expect(second.err).toContain(`vvol-provider: Another provider is already running on the data folder ${i.data}: it holds the folder's lock.`);
  await stopDaemon(first);
}, 120_000);

test('row 20: a daemon killed with SIGKILL and left an unreaped zombie does not block the restart', async () => {
  const i = await usedFolder();
  // The daemon's parent is a shell that exec'd sleep: nothing reaps the daemon once it is killed.
  const keeper = startProcess('/bin/sh', ['-c', `"${process.execPath}" "${MAIN}" & echo "pid $!"; exec sleep 120`], i.env);
  running.push(keeper);
  await keeper.waitFor(READY);
  const pid = Number(/^pid (\d+)$/m.exec(keeper.out())![1]);
  expect(fs.readFileSync(path.join(i.data, 'provider.lock'), 'utf8').split('\n')[0]).toBe(String(pid));
  process.kill(pid, 'SIGKILL');
  const state = () => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
  // A kill is no event this process can wait for (the daemon is not its child): poll its state, bounded.
  for (let n = 0; n < 500 && state() !== 'Z'; n++) await new Promise((r) => setTimeout(r, 10));
  expect(state()).toBe('Z');

  const restart = daemon(i);
  await restart.waitFor(READY);
  expect(state()).toBe('Z'); // still a zombie while the new daemon holds the folder
  expect(fs.readFileSync(path.join(i.data, 'provider.lock'), 'utf8').split('\n')[0]).toBe(String(restart.proc.pid));
  await stopDaemon(restart);
}, 120_000);

test('the store, its WAL and the lock note are created 0600 under umask 022', async () => {
  const i = instance();
  const d = startProcess('/bin/sh', ['-c', `umask 022; exec "${process.execPath}" "${MAIN}"`], i.env);
  running.push(d);
  await d.waitFor(READY);
  const file = path.join(i.data, STORE_FILE);
  for (const f of [file, `${file}-wal`, `${file}-shm`, path.join(i.data, 'provider.lock')]) {
    expect([f, fs.statSync(f).mode & 0o777]).toEqual([f, 0o600]);
  }
  await stopDaemon(d);
}, 120_000);
