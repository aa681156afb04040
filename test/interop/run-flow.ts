/**
 * Runs test/interop/vasa_flow.py (python3-zeep) against a provider started in this
 * jest process, on the SOAP 1.1 or the SOAP 1.2 port of the served WSDL. The server
 * runs on the real clock with the task tick running and a fast copy rate, so the full
 * clone finishes while zeep polls getTaskUpdate. Guest I/O and the licence switch go
 * through the admin CLI (dist/admin/cli.js) on the same store.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SystemClock } from '../../src/array/clock';
import { makeClientCert, PASSWORD, startTestServer, TestServer, USER } from '../helpers/vasa-server';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'vasa_flow.py');
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'admin', 'cli.js');
const GiB = 1024 * 1024 * 1024;

/**
 * Why `python` cannot run the flow, in one line, or undefined when it can: the script
 * imports zeep first, and a missing zeep would otherwise show only a traceback.
 */
export function zeepProblem(python: string): string | undefined {
  if (!fs.existsSync(python)) return `${python} is missing: install python3-zeep (apt-get install python3-zeep; npm test's pretest does it when run as root).`;
  const r = spawnSync(python, ['-c', 'import zeep'], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const why = r.error?.message ?? lastLine(r.stderr) ?? `exit ${r.status}`;
  return `${python} cannot import zeep (${why}): install python3-zeep (apt-get install python3-zeep; npm test's pretest does it when run as root).`;
}

const lastLine = (text: string): string | undefined => text.split('\n').map((l) => l.trim()).filter(Boolean).pop();

/**
 * The one line that says why the flow failed, put before its whole output: the
 * script's own "FAILED at step …" line, else the last line of a Python traceback (the
 * exception), else how it ended.
 */
export function flowFailure(code: number | null, out: string): string {
  const failed = out.split('\n').find((l) => l.startsWith('FAILED at step'));
  const traceback = out.includes('Traceback (most recent call last)') ? lastLine(out) : undefined;
  return failed ?? traceback ?? (code === null ? 'vasa_flow.py was killed (no answer within 120 s)' : `vasa_flow.py exited ${code}`);
}

export function runFlow(t: TestServer, soap: '1.1' | '1.2'): Promise<{ code: number | null; out: string }> {
  const cert = makeClientCert(`zeep-${soap}`);
  return new Promise((resolve, reject) => {
    // Asynchronous: the server answering the script runs in this very process.
    const child = spawn(PYTHON, [
      SCRIPT, '--url', t.url, '--user', USER, '--password', PASSWORD, '--data', t.fixture.dir, '--soap', soap,
      '--cert', cert.certFile, '--key', cert.keyFile, '--cli', CLI, '--node', process.execPath, '--host-name', `esx-zeep-${soap.replace('.', '')}`,
      '--clone-timeout', '30', '--poll-interval', '0.05',
    ], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Declares the suite: a fresh server, the script, its verdict. */
export function interopSuite(soap: '1.1' | '1.2'): void {
  beforeAll(() => {
    const problem = zeepProblem(PYTHON);
    if (problem) throw new Error(problem);
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p .)`);
  });

  describe(`zeep drives the vCenter/ESXi flow over SOAP ${soap}`, () => {
    let t: TestServer;

    beforeAll(async () => {
      t = await startTestServer({
        clock: new SystemClock(),
        tickMs: 50,
        engine: { copyBytesPerSec: 64 * GiB, snapshotDeleteBytesPerSec: 64 * GiB },
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    test('every step passes', async () => {
      const r = await runFlow(t, soap);
      if (r.code !== 0) throw new Error(`vasa_flow.py --soap ${soap}: ${flowFailure(r.code, r.out)}\n--- its output (exit ${r.code}) ---\n${r.out}`);
      if (process.env.INTEROP_VERBOSE) process.stdout.write(r.out);
      expect(r.out).toMatch(new RegExp(`^OK: \\d+ steps over SOAP ${soap.replace('.', '\\.')} in`, 'm'));
      // The store zeep worked on through the provider is consistent.
      expect(t.fixture.engine.checkInvariants()).toEqual([]);
    });
  });
}
