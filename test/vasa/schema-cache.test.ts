/**
 * The build's cache of the service description (issue 12, S6 cold start): a start reads
 * the model of wsdl/ from schema-cache.json only when it was made from the very files
 * there now; the model read back is the model parsed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SchemaSet } from '../../src/vasa/soap/schema';
import { loadServiceDescription, wsdlFingerprint, writeServiceCache } from '../../src/vasa/soap/schema-cache';
import { loadOperations, WSDL_DIR } from '../../src/vasa/soap/wsdl';
import { tempDir } from '../helpers/fixture';

let dir: string;
beforeEach(() => {
  dir = tempDir('schema-cache-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const SERVICE = path.join(WSDL_DIR, 'vasaService.wsdl');

test('the cached model is the parsed model: types, elements (unbounded ones too) and operations', () => {
  const cache = path.join(dir, 'schema-cache.json');
  writeServiceCache(WSDL_DIR, cache);
  const d = loadServiceDescription(WSDL_DIR, cache);
  expect(d.source).toBe('cache');
  const parsed = SchemaSet.loadFrom(SERVICE);
  expect(d.schema.types).toEqual(parsed.types);
  expect(d.schema.elements).toEqual(parsed.elements);
  expect(d.ops).toEqual(loadOperations(SERVICE));
  const unbounded = [...d.schema.types.values()].flatMap((t) => (t.kind === 'complex' ? t.elements : [])).filter((e) => e.max === Infinity);
  expect(unbounded.length).toBeGreaterThan(0);
});

test('a cache made from other files, a damaged cache or none: wsdl/ is parsed', () => {
  const copy = path.join(dir, 'wsdl');
  fs.cpSync(WSDL_DIR, copy, { recursive: true });
  const cache = path.join(dir, 'schema-cache.json');
  writeServiceCache(copy, cache);
  expect(loadServiceDescription(copy, cache).source).toBe('cache');
  const before = wsdlFingerprint(copy);
  // One changed byte in one schema (a comment) changes the fingerprint.
  const xsd = path.join(copy, 'data.xsd');
  fs.appendFileSync(xsd, '<!-- changed -->');
  expect(wsdlFingerprint(copy)).not.toBe(before);
  expect(loadServiceDescription(copy, cache).source).toBe('wsdl');
  fs.writeFileSync(cache, '{"fingerprint":');
  expect(loadServiceDescription(copy, cache).source).toBe('wsdl');
  expect(loadServiceDescription(copy, path.join(dir, 'none.json')).source).toBe('wsdl');
});

test('the build writes the cache (package.json build and prepare)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const s of ['build', 'prepare']) expect(pkg.scripts[s]).toBe('tsc -p tsconfig.json && node dist/vasa/soap/schema-cache.js');
});
