/**
 * Issue 12, keep the event loop free: the daemon's relation pass reads the LDs and
 * writes the XML and zip in a worker thread with its own read-only connection to the
 * store (src/relation/worker-client.ts), so the main thread keeps answering.
 *
 * How the worker runs here: under ts-jest the service is the TypeScript source, so the
 * worker is started from the sources too (a bootstrap registers a transpile-on-require
 * hook with the `typescript` package, then loads src/relation/worker.ts): the code under
 * test is what runs in the worker. Two tests also load the compiled service from dist/
 * (run `npx tsc -p tsconfig.json` first, as `npm test` does): its worker script is found
 * next to the compiled module, and it is what the event-loop figures of the daemon are
 * measured with.
 *
 * The fixture's store stays open (WAL, synchronous NORMAL): the worker's second
 * connection sees every committed change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ManualClock } from '../../src/array/clock';
import { readSingleEntry } from '../../src/relation/zip';
import { RelationFailure, RelationOptions, RelationResult, RelationService, RELATION_WRITE_FAILED } from '../../src/relation/service';
import { buildArray, Fixture, tempDir } from '../helpers/fixture';
import { addVvol, buildScenario, captureLog, seedVms, validate } from './scenario';

const MIN = 60_000;
const ROOT = path.resolve(__dirname, '..', '..');
const LATEST = 'latestRelationBetweenVMandVVOL';
const ARCHIVE = 'RelationBetweenVMandVVOL';

const fixtures: Fixture[] = [];
function fixture(): Fixture {
  const f = buildArray({ clock: new ManualClock(Date.UTC(2026, 2, 4, 5, 6, 7)) });
  fixtures.push(f);
  return f;
}
afterEach(() => {
  for (const f of fixtures.splice(0)) {
    f.close();
    fs.rmSync(f.dir, { recursive: true, force: true });
  }
});

const service = (f: Fixture, o: Partial<RelationOptions> = {}, log = captureLog()): RelationService => new RelationService(f.engine, f.clock, f.dir, log, o);

/** A result with its fixture's data folder as <data>, so results of two folders compare. */
const portable = (f: Fixture, rs: RelationResult[]): unknown => JSON.parse(JSON.stringify(rs).split(f.dir).join('<data>'));
const read = (file: string | undefined): string => fs.readFileSync(file as string, 'utf8');
const stateOf = (f: Fixture): unknown => JSON.parse(read(path.join(f.dir, LATEST, '.state.json')).split(f.dir).join('<data>'));

/** Two passes (a first file; a change, a new file and the first one zipped), with the files each wrote. */
async function twoPasses(f: Fixture, o: Partial<RelationOptions>) {
  const log = captureLog();
  const s = service(f, o, log);
  const sc = buildScenario(f);
  const first = await s.checkAndWrite();
  const firstXml = read(first[0].written);
  f.clock.advance(5 * MIN);
  addVvol(f, sc.web, 'data', 'web01_2.vmdk');
  const second = await s.checkAndWrite();
  return {
    results: [portable(f, first), portable(f, second)],
    firstXml,
    secondXml: read(second[0].written),
    zipped: readSingleEntry(fs.readFileSync(second[0].zipped as string)),
    state: stateOf(f),
    log: log.lines.map((l) => ({ ...l, message: l.message.split(f.dir).join('<data>') })),
    status: s.status(),
  };
}

test('a pass in a worker thread writes the same files, zip, state, results and log as the same pass in-process', async () => {
  const inProcess = await twoPasses(fixture(), { inWorker: false });
  const inWorker = await twoPasses(fixture(), { inWorker: true });
  expect(inProcess.results[0]).toMatchObject([{ changed: true, written: expect.stringContaining('<data>/') }]);
  expect(inProcess.results[1]).toMatchObject([{ changed: true, zipped: expect.stringContaining('<data>/') }]);
  expect(inWorker).toEqual(inProcess);
  expect(inWorker.zipped.data.toString('utf8')).toBe(inWorker.firstXml);
  expect(inWorker.secondXml).toContain('name="web01_2.vmdk"');
  expect(validate(path.join(fixtures[1].dir, LATEST, '00255CDB05310000_Storage001', path.basename((inWorker.results[1] as RelationResult[])[0].written as string))).ok).toBe(true);
}, 60_000);

test('a worker that cannot open the store fails the array\'s write as any write failure does: X5 message, alarm, outcome, earlier files kept', async () => {
  const f = fixture();
  // The output folder (where the worker looks for the store) holds no store.
  const elsewhere = tempDir('vvol-relation-nostore-');
  try {
    const failures: RelationFailure[] = [];
    const log = captureLog();
    const s = new RelationService(f.engine, f.clock, elsewhere, log, { inWorker: true, onFailure: (x) => failures.push(x) });
    const [r] = await s.checkAndWrite();
    expect(r).toMatchObject({ array: f.array, changed: true, error: RELATION_WRITE_FAILED, cause: expect.stringContaining(`The store ${path.join(elsewhere, 'vvol-provider.db')} is missing`) });
    expect(failures).toEqual([{ array: f.array, wwn: '00255CDB05310000', message: RELATION_WRITE_FAILED, cause: r.cause }]);
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([`${RELATION_WRITE_FAILED} (${f.array}: ${r.cause})`]);
    expect(s.status().lastFailure?.message).toContain(RELATION_WRITE_FAILED);
    const folder = path.join(elsewhere, LATEST, '00255CDB05310000_Storage001');
    expect(fs.existsSync(folder) ? fs.readdirSync(folder) : []).toEqual([]);
    // The worker made nothing where it looked for the store.
    expect(fs.readdirSync(elsewhere).sort()).toEqual([LATEST]);
  } finally {
    fs.rmSync(elsewhere, { recursive: true, force: true });
  }
});

interface Loop {
  /** The pass's wall time, ms. */
  passMs: number;
  /** perf_hooks' event-loop delay over the pass (monitorEventLoopDelay, 5 ms resolution, which it includes), ms. */
  p50: number;
  p99: number;
  max: number;
  /** Gaps between two runs of a 10 ms setInterval on the main thread: the 99th percentile and the longest, ms. */
  tickP99: number;
  tickMax: number;
  results: RelationResult[];
}

/** Runs one pass while watching the main thread's event loop. */
async function watched(pass: () => Promise<RelationResult[]>): Promise<Loop> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  const gaps: number[] = [];
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 10);
  h.enable();
  const started = performance.now();
  const results = await pass();
  const passMs = performance.now() - started;
  h.disable();
  clearInterval(tick);
  gaps.sort((a, b) => a - b);
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  return {
    passMs: Math.round(passMs), p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max),
    tickP99: Math.round(gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * 0.99))] ?? passMs), tickMax: Math.round(gaps[gaps.length - 1] ?? passMs), results,
  };
}

const ROW = (what: string, l: Loop) => `  ${what.padEnd(24)} pass ${l.passMs}, delay p50 ${l.p50} p99 ${l.p99} max ${l.max}; 10 ms ticks: gap p99 ${l.tickP99} max ${l.tickMax}`;

/** The compiled service (dist/), as the daemon runs it: its worker is dist/relation/worker.js. */
function compiledService(): typeof RelationService {
  const compiled = path.join(ROOT, 'dist', 'relation', 'service.js');
  if (!fs.existsSync(compiled) || !fs.existsSync(path.join(ROOT, 'dist', 'relation', 'worker.js'))) {
    throw new Error(`${path.relative(ROOT, compiled)} or its worker.js is missing: this test runs the compiled worker. Build first (npx tsc -p tsconfig.json).`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(compiled) as { RelationService: typeof RelationService }).RelationService;
}

/**
 * The figures for the bench: the same pass of 20,000 VVols in-process, in a worker
 * started from the sources (it transpiles the sources as it starts: seconds of CPU
 * beside the main thread, a test artefact) and in the compiled worker the daemon runs.
 * The bounds are on the 99th percentiles: on a loaded machine the OS alone can hold a
 * thread for tens of milliseconds now and then; what the worker must remove is the
 * pass's own blocks (in-process the LD scan of the whole array is one).
 */
test('a large pass (20,000 VVols) in a worker leaves the main event loop free, and writes the file the in-process pass writes', async () => {
  const f = fixture();
  seedVms(f, f.array, 5000, 4);
  const forget = () => {
    // Files and state: the next pass writes the same file anew.
    fs.rmSync(path.join(f.dir, LATEST), { recursive: true, force: true });
    fs.rmSync(path.join(f.dir, ARCHIVE), { recursive: true, force: true });
  };

  const inProcess = await watched(() => service(f, { inWorker: false }).checkAndWrite());
  const file = inProcess.results[0].written as string;
  const expected = read(file);
  forget();
  const fromSources = await watched(() => service(f, { inWorker: true }).checkAndWrite());
  expect(read(file)).toBe(expected);
  forget();
  const Compiled = compiledService();
  const compiled = await watched(() => new Compiled(f.engine, f.clock, f.dir, captureLog(), { inWorker: true }).checkAndWrite());
  expect(read(file)).toBe(expected);

  // eslint-disable-next-line no-console
  console.log(['relation pass of 20,000 VVols, main event loop (ms):', ROW('in-process', inProcess), ROW('worker (sources)', fromSources), ROW('worker (dist, daemon)', compiled)].join('\n'));

  expect(expected.match(/<VM /g)).toHaveLength(5000);
  const blocked = Math.max(inProcess.max, inProcess.tickMax);
  for (const w of [fromSources, compiled]) {
    expect(w.results).toEqual(inProcess.results);
    expect(w.p99).toBeLessThan(100);
    expect(w.tickP99).toBeLessThan(100);
    expect(w.p99).toBeLessThan(blocked / 2);
  }
}, 120_000);

test('the compiled service (dist/) finds its worker script next to it and writes the same file', async () => {
  const Compiled = compiledService();
  const f = fixture();
  buildScenario(f);
  const [mine] = await service(f, { inWorker: false }).checkAndWrite();
  const expected = read(mine.written);
  fs.rmSync(path.join(f.dir, LATEST), { recursive: true, force: true });
  const [theirs] = await new Compiled(f.engine, f.clock, f.dir, captureLog(), { inWorker: true }).checkAndWrite();
  expect(theirs).toEqual(mine);
  expect(read(theirs.written)).toBe(expected);
});
