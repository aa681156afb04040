/**
 * Starting a worker thread of ours (the relation pass, the image store's writer) from
 * either build: compiled (dist/), the `<name>.js` beside the calling module; run from the
 * TypeScript sources (the tests, under ts-jest), a small bootstrap that transpiles .ts
 * files on require with the `typescript` package and loads `<name>.ts`, so the sources
 * under test are what runs in the worker, never a stale build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

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
