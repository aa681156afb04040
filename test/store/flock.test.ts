/**
 * flock(2) through src/store/flock.ts: fs-ext is loaded by the main thread only (a second
 * thread loading it kills the process), so a worker thread without a delegate is refused
 * with a clear error, and one with a delegate locks through it. Runs the compiled module
 * (dist/) in real worker threads, after the main thread has locked once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { flockSync } from '../../src/store/flock';
import { tempDir } from '../helpers/fixture';

const FLOCK = path.resolve(__dirname, '..', '..', 'dist', 'store', 'flock.js');

function inWorker(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const w = new Worker(`const { parentPort } = require('node:worker_threads'); const m = require(${JSON.stringify(FLOCK)}); const fs = require('node:fs');\n${code}`, { eval: true });
    w.once('message', (m: string) => resolve(m));
    w.once('error', reject);
  });
}

test('the main thread locks; a worker thread without a delegate gets a clear error; with one, its locks go through it', async () => {
  if (!fs.existsSync(FLOCK)) throw new Error('dist/ is missing: build first (npm test does).');
  const dir = tempDir('vvol-flock-');
  const fd = fs.openSync(dir, 'r');
  flockSync(fd, 'exnb');
  const refused = await inWorker(`try { m.flockSync(fs.openSync(${JSON.stringify(dir)}, 'r'), 'exnb'); parentPort.postMessage('locked'); } catch (e) { parentPort.postMessage(e.message); }`);
  expect(refused).toMatch(/flock is taken on the main thread only/);
  const delegated = await inWorker(`const seen = []; m.delegateFlock((fd, mode) => seen.push(mode)); m.flockSync(0, 'shnb'); parentPort.postMessage(seen.join(','));`);
  expect(delegated).toBe('shnb');
  fs.closeSync(fd);
});
