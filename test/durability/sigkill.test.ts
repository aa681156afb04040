/**
 * The promise of DESIGN.md: every array operation is one transaction, and a kill -9 at
 * any moment loses nothing that was acknowledged.
 *
 * A child process (child.js, on the compiled engine in dist/) runs random operations
 * against one data folder and journals each one: an intent before the engine call, an
 * ack (or err) after it returned, with what it then observed of the array (view.js).
 * The test SIGKILLs it at a random moment, 50 times on the same folder. After each
 * kill it opens the store itself and requires:
 *   - checkInvariants() to find nothing;
 *   - the store's view to equal the last acknowledged one (VVols with state, access,
 *     capacity, pool, parent, type and metadata; pairs; active tasks; bindings), except
 *     for the one operation that may have been in flight: it happened whole or left no
 *     trace, and nothing it does not touch changed;
 *   - every chunk token the model (model.ts) predicts from the acknowledged writes,
 *     trims, snapshots, clones, reverts and finished copies to read back;
 *   - the event sequence not to go back;
 *   - every backup state to read back, and no backup volume (RV) to be marked as holding
 *     a backup unless its last copy ended with success (checkBackups).
 *
 * Reproduce a run with DURABILITY_SEED=<seed> (printed at the start). The kill moments
 * come from a timer, so two runs with one seed differ in where the kills land.
 * DURABILITY_ROUNDS changes the number of kills, DURABILITY_VERBOSE=1 logs each round,
 * DURABILITY_DIST_SOURCE runs the children on another build (e.g. a deliberately broken
 * one, to see the test fail).
 */
import { Proc, startProcess } from '../helpers/startup-daemon';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DiskArrayEngine } from '../../src/array/engine';
import { ManualClock } from '../../src/array/clock';
import { Store } from '../../src/store/db';
import { ARRAY, checkBackups, checkContent, checkInFlight, currentView, diffViews, eventSeq, JournalLine, Model, ModelError, resolveInFlight } from './model';

const ROOT = path.resolve(__dirname, '..', '..');
const CHILD = path.join(__dirname, 'child.js');
const MAIN = path.join(ROOT, 'dist', 'main.js');
const ROUNDS = Number(process.env.DURABILITY_ROUNDS ?? 50);
const VERBOSE = !!process.env.DURABILITY_VERBOSE;
const BASE_SEED = Number(process.env.DURABILITY_SEED ?? 20260101) >>> 0;
const CLOCK_START = Date.UTC(2026, 0, 1);

function prng(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A node child process whose output the test can wait on (the start-up tests' helper). */
const start = (args: string[], env: NodeJS.ProcessEnv = process.env): Proc => startProcess(process.execPath, args, env);

/** The complete lines of a journal; a kill may have cut the last one short. */
function readJournal(file: string): JournalLine[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const parts = text.split('\n');
  parts.pop(); // '' after the last newline, or an incomplete line
  return parts.map((l, i) => {
    try {
      return JSON.parse(l) as JournalLine;
    } catch {
      throw new Error(`${file}:${i + 1} is not a JSON line: ${l.slice(0, 200)}`);
    }
  });
}

/** A private copy of dist/ for the children: a rebuild while the test runs (tsc -w) cannot tear a module. */
let distCopy = '';

beforeAll(() => {
  for (const f of [path.join(ROOT, 'dist', 'array', 'engine.js'), MAIN]) {
    if (!fs.existsSync(f)) {
      throw new Error(`${path.relative(ROOT, f)} is missing: the durability tests run the compiled provider in child processes. Build it first with \`npx tsc -p .\` (\`npm test\` does: tsc -p . && jest).`);
    }
  }
  distCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'vvol-durability-dist-'));
  fs.cpSync(process.env.DURABILITY_DIST_SOURCE ?? path.join(ROOT, 'dist'), distCopy, { recursive: true, filter: (src) => !src.endsWith('.map') });
});

afterAll(() => {
  if (distCopy) fs.rmSync(distCopy, { recursive: true, force: true });
});

test(`${ROUNDS} SIGKILLs at random moments lose nothing that was acknowledged`, async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vvol-durability-'));
  const data = path.join(work, 'data');
  const rnd = prng(BASE_SEED);
  const model = new Model(CLOCK_START);
  const stats = { acks: 0, errs: 0, inFlightDone: 0, inFlightNotDone: 0, noInFlight: 0, byOp: {} as Record<string, number>, errCodes: {} as Record<string, number> };
  const t0 = Date.now();
  console.log(`durability: seed ${BASE_SEED} (DURABILITY_SEED), data folder ${data}`);

  for (let round = 0; round < ROUNDS; round++) {
    const seed = (BASE_SEED + Math.imul(round + 1, 0x9e3779b9)) >>> 0;
    const journal = path.join(work, `journal-${String(round).padStart(2, '0')}.jsonl`);
    // Every tenth round the kill may land during start-up (store open, migrations, bootstrap).
    const early = round % 10 === 0;
    const delay = early ? 100 + Math.floor(rnd() * 300) : 10 + Math.floor(rnd() * 290);
    const clockStart = model.now + 1000;
    const child = start([CHILD, data, journal, String(seed), String(clockStart)], {
      ...process.env,
      DURABILITY_DIST: distCopy,
      NODE_PATH: [path.join(ROOT, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(path.delimiter),
    });
    const ts = Date.now();
    let tr = ts;
    try {
      if (!early) await child.waitFor(/^ready/m, 20_000);
      tr = Date.now();
      await sleep(delay);
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
        throw new Error(`round ${round} (seed ${seed}): the child ended by itself (${child.proc.exitCode ?? child.proc.signalCode})\n${child.err()}`);
      }
    } finally {
      child.proc.kill('SIGKILL');
    }
    const ended = await child.exited;
    if (ended.signal !== 'SIGKILL') throw new Error(`round ${round} (seed ${seed}): the child ended with ${ended.code ?? ended.signal}, not by the kill\n${child.err()}`);

    // Replay what was acknowledged; keep the intent that was in flight.
    const lines = readJournal(journal);
    let inFlight: JournalLine | null = null;
    const context = (extra: string) => {
      const tail = lines.slice(-6).map((l) => JSON.stringify(l).slice(0, 300)).join('\n  ');
      return `round ${round} (seed ${seed}, base seed ${BASE_SEED}), data folder ${data}, journal ${journal}\n${extra}\nin flight: ${inFlight ? JSON.stringify(inFlight).slice(0, 400) : 'nothing'}\nlast journal lines:\n  ${tail}`;
    };
    try {
      for (const l of lines) {
        if (l.t === 'crash') throw new Error(`the child crashed: ${l.error}`);
        if (l.t === 'intent') {
          if (inFlight) throw new ModelError(`intent ${l.n} follows intent ${inFlight.n}, which got no ack`);
          inFlight = l;
          continue;
        }
        if (!inFlight || inFlight.n !== l.n || inFlight.op !== l.op) throw new ModelError(`${l.t} ${l.n} does not answer the intent in flight (${inFlight?.n})`);
        inFlight = null;
        model.apply(l);
        if (l.t === 'ack') {
          stats.acks++;
          stats.byOp[l.op] = (stats.byOp[l.op] ?? 0) + 1;
        } else {
          stats.errs++;
          stats.errCodes[`${l.op}:${l.code}`] = (stats.errCodes[`${l.op}:${l.code}`] ?? 0) + 1;
        }
      }
    } catch (e) {
      throw new Error(context(`replaying the journal: ${(e as Error).message}`));
    }

    const tv = Date.now();
    const store = Store.open(data);
    const engine = new DiskArrayEngine(store, new ManualClock(model.now));
    const problems: string[] = [];
    try {
      for (const x of engine.checkInvariants()) problems.push(`invariant: ${x}`);
      const S = currentView(engine);
      if (inFlight) {
        // It may or may not have happened; if it did, it happened whole and changed nothing else.
        const done = resolveInFlight(model, inFlight, S, engine);
        problems.push(...checkInFlight(inFlight, done, model.view, S));
        if (done) model.predict(done, model.view);
        stats[done ? 'inFlightDone' : 'inFlightNotDone']++;
        model.now = Math.max(model.now, inFlight.now, inFlight.to ?? 0);
      } else {
        for (const d of diffViews(model.view, S)) problems.push(`acknowledged state changed: ${d.what}`);
        stats.noInFlight++;
      }
      model.adopt(S);
      const arrays = engine.listArrays();
      if (model.bootstrapped) {
        if (arrays.length !== 1 || arrays[0].name !== ARRAY) problems.push(`the bootstrapped array ${ARRAY} is missing (arrays: ${arrays.map((a) => a.name).join(', ') || 'none'})`);
        else {
          const lds = engine.listLds(ARRAY);
          if (engine.listPools(ARRAY).length !== 4 || lds.filter((l) => l.kind === 'pe').length !== 2 || lds.filter((l) => l.kind === 'ssv').length !== 1) {
            problems.push('the pools, PEs or SSV of the acknowledged bootstrap are not all there');
          }
        }
      } else if (arrays.length) {
        problems.push('an array exists although no bootstrap was acknowledged or in flight');
      }
      problems.push(...checkContent(model, engine));
      problems.push(...checkBackups(model, engine));
      const seq = eventSeq(engine);
      if (seq < model.seq) problems.push(`the event sequence went back: ${seq} < acknowledged ${model.seq}`);
      model.seq = Math.max(model.seq, seq);
    } catch (e) {
      store.close();
      throw new Error(context(`checking the store: ${(e as Error).stack}`));
    }
    store.close();
    if (VERBOSE) console.log(`round ${round}: ${lines.length} journal lines, in flight ${inFlight ? `${inFlight.op} ${inFlight.n}` : 'nothing'}, ${problems.length} problems, ready after ${tr - ts} ms, killed after ${delay} ms, checked in ${Date.now() - tv} ms`);
    if (problems.length) throw new Error(context(`${problems.length} problem(s) after the kill:\n  ${problems.join('\n  ')}`));
  }

  const vvols = Object.values(model.view.vvols);
  const known = [...model.content.values()].reduce((a, c) => a + [...c.known.values()].filter((x) => x !== null).length, 0);
  console.log(
    `durability: ${ROUNDS} kills in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${stats.acks} acknowledged operations, ${stats.errs} refused; ` +
      `in flight at the kill: ${stats.inFlightDone} had happened, ${stats.inFlightNotDone} had not, ${stats.noInFlight} rounds with nothing in flight; ` +
      `at the end ${vvols.length} VVols (${vvols.filter((v) => v.snap === 'ESV').length} snapshots, ${vvols.filter((v) => v.state === 'fault').length} faulted), ` +
      `${known} chunk tokens known, ${model.view.bindings.length} bindings, ${Object.keys(model.view.pairs).length} pairs, ${Object.keys(model.view.tasks).length} active tasks\n` +
      `acknowledged: ${JSON.stringify(stats.byOp)}\nrefused: ${JSON.stringify(stats.errCodes)}`,
  );
  // Every VVol the store showed came from an operation the model follows (else its content went unchecked).
  expect(model.unpredicted).toBe(0);
  // The workload must really have exercised the engine, or the test proves nothing.
  expect(stats.acks).toBeGreaterThan(ROUNDS * 5);
  for (const op of ['create', 'write', 'trim', 'delete', 'bind', 'snapshot', 'fastClone', 'tick', 'protect', 'backup']) {
    expect([op, stats.byOp[op] ?? 0]).not.toEqual([op, 0]);
  }
  fs.rmSync(work, { recursive: true, force: true });
}, Math.max(180_000, ROUNDS * 4_000));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

test('a SIGKILLed daemon leaves a lock file that does not block the restart', async () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'vvol-durability-daemon-'));
  const lock = path.join(data, 'provider.lock');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VASA_PROVIDER_DATA: data,
    VASA_PROVIDER_PORT: String(await freePort()),
    VASA_PROVIDER_USER: 'durability',
    VASA_PROVIDER_PASSWORD: 'Durability-Test-Password-1',
  };
  const procs: Proc[] = [];
  try {
    const first = start([MAIN], env);
    procs.push(first);
    await first.waitFor(/started/, 30_000);
    expect(fs.readFileSync(lock, 'utf8').split('\n')[0]).toBe(String(first.proc.pid));
    first.proc.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // The lock file of the dead daemon is still there: the restart must take it over.
    expect(fs.existsSync(lock)).toBe(true);

    const second = start([MAIN], env);
    procs.push(second);
    await second.waitFor(/started/, 30_000);
    expect(fs.readFileSync(lock, 'utf8').split('\n')[0]).toBe(String(second.proc.pid));

    // While it lives, a third daemon on the same folder is refused (exit code 3).
    const third = start([MAIN], env);
    procs.push(third);
    const refused = await third.exited;
    expect(refused.code).toBe(3);
    expect(third.err()).toMatch(/already running/);

    second.proc.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(lock)).toBe(false);

    // The store the killed daemon left is sound.
    const store = Store.open(data);
    try {
      const engine = new DiskArrayEngine(store, new ManualClock());
      expect(engine.checkInvariants()).toEqual([]);
      expect(engine.listArrays().length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  } finally {
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
  }
  fs.rmSync(data, { recursive: true, force: true });
}, 90_000);
