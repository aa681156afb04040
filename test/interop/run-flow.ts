/**
 * Runs test/interop/vasa_flow.py (python3-zeep) against a provider started in this
 * jest process, on the SOAP 1.1 or the SOAP 1.2 port of the served WSDL. The server
 * runs on the real clock with the task tick running and a fast copy rate, so the full
 * clone finishes while zeep polls getTaskUpdate. Guest I/O and the licence switch go
 * through the admin CLI (dist/admin/cli.js) on the same store.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SystemClock } from '../../src/array/clock';
import { makeClientCert, PASSWORD, startTestServer, TestServer, USER } from '../helpers/vasa-server';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'vasa_flow.py');
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'admin', 'cli.js');
const GiB = 1024 * 1024 * 1024;

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
    if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is required (apt-get install python3-zeep)`);
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
      if (r.code !== 0) throw new Error(`vasa_flow.py --soap ${soap} exited ${r.code}:\n${r.out}`);
      if (process.env.INTEROP_VERBOSE) process.stdout.write(r.out);
      expect(r.out).toMatch(new RegExp(`^OK: \\d+ steps over SOAP ${soap.replace('.', '\\.')} in`, 'm'));
      // The store zeep worked on through the provider is consistent.
      expect(t.fixture.engine.checkInvariants()).toEqual([]);
    });
  });
}
