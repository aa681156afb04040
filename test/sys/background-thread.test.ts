/**
 * Background worker threads (the relation pass, image archives) run at a lower priority
 * than the main thread that answers VASA calls (issue 12, S7). On Linux the nice value is
 * per thread: the worker lowers itself and the main thread keeps its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BACKGROUND_NICE, backgroundThread, startWorker } from '../../src/sys/worker-thread';
import { tempDir } from '../helpers/fixture';

const linux = process.platform === 'linux' ? test : test.skip;

test('on the main thread it changes nothing', () => {
  const before = os.getPriority(0);
  expect(backgroundThread()).toBeUndefined();
  expect(os.getPriority(0)).toBe(before);
});

linux('a worker thread lowers its own priority only', async () => {
  const before = os.getPriority(0);
  // A probe worker, started as the provider starts its own, calling the function under test.
  const dir = tempDir('vvol-nice-');
  const source = path.resolve(__dirname, '../../src/sys/worker-thread.ts');
  fs.writeFileSync(path.join(dir, 'probe.ts'), [
    "const { parentPort } = require('node:worker_threads');",
    "const os = require('node:os');",
    `const { backgroundThread } = require(${JSON.stringify(source)});`,
    'const applied = backgroundThread();',
    'parentPort.postMessage({ applied, nice: os.getPriority(0) });',
  ].join('\n'));
  const worker = startWorker(path.join(dir, 'caller.ts'), 'probe', {}, 'probe');
  const seen = await new Promise<{ applied?: number; nice: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  expect(seen).toEqual({ applied: Math.max(before, BACKGROUND_NICE), nice: Math.max(before, BACKGROUND_NICE) });
  expect(os.getPriority(0)).toBe(before);
});
