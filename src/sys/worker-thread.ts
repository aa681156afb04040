/**
 * Starting a worker thread of ours (the relation pass, the image store's writer) from
 * either build: compiled (dist/), the `<name>.js` beside the calling module; run from the
 * TypeScript sources (the tests, under ts-jest), a small bootstrap that transpiles .ts
 * files on require with the `typescript` package and loads `<name>.ts`, so the sources
 * under test are what runs in the worker, never a stale build.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';

/** Run in the worker when the sources are TypeScript: transpile .ts on require, then load the entry. */
const SOURCE_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Module = require('node:module');
const ts = require(workerData.source.typescript);
const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true };
Module._extensions['.ts'] = (m, filename) => {
  m._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions }).outputText, filename);
};
require(workerData.source.entry);
`;

/**
 * The worker `<dir>/<name>` with `workerData`. `caller` is the calling module's file
 * (`__filename`): .ts means the sources are running.
 */
export function startWorker(caller: string, name: string, workerData: object, what: string): Worker {
  const dir = path.dirname(caller);
  if (path.extname(caller) !== '.ts') return new Worker(path.join(dir, `${name}.js`), { workerData });
  const entry = path.join(dir, `${name}.ts`);
  if (!fs.existsSync(entry)) throw new Error(`the ${what} ${entry} is missing`);
  const typescript = require.resolve('typescript');
  return new Worker(SOURCE_BOOTSTRAP, { eval: true, workerData: { ...workerData, source: { entry, typescript } } });
}

/** The nice value background threads run at (0 is normal; 19 the lowest priority). */
export const BACKGROUND_NICE = 10;

/**
 * Called first in a worker thread doing background work (a relation pass, image archives):
 * the thread gives way to the VASA face's main thread when they compete for a core (issue
 * 12, S7: the relation pass of 100,000 VVols ran beside the calls on a two-core machine).
 * On Linux the nice value belongs to each thread (setpriority on the calling thread, pid 0),
 * so only this thread is lowered; elsewhere it would lower the whole process, so nothing is
 * done there, nor on the main thread. Returns the thread's nice value when lowered.
 */
export function backgroundThread(): number | undefined {
  if (process.platform !== 'linux' || isMainThread) return undefined;
  try {
    // Never raised: a provider an operator started niced stays at least as low.
    if (os.getPriority(0) < BACKGROUND_NICE) os.setPriority(0, BACKGROUND_NICE);
    return os.getPriority(0);
  } catch {
    // Not permitted here: the work runs at normal priority, as before.
    return undefined;
  }
}
