/**
 * The service description (our WSDL's operations and its schemas' model) read once at
 * build time instead of at every start. Parsing the 316 KB of wsdl/ took ~150 ms of a
 * cold start (issue 12, S6: a third of the time to the first answered call); reading
 * the model back from JSON takes a few. `npm run build` (and `prepare`) runs this module
 * to write schema-cache.json beside it. A start uses that file only when its
 * fingerprint (a SHA-256 over the name and bytes of every file in wsdl/) matches the
 * files there now; otherwise, and whenever the sources run (tests), it parses wsdl/.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SchemaSet } from './schema';
import { loadOperations, OperationDef, WSDL_DIR } from './wsdl';

export const CACHE_FILE = path.join(__dirname, 'schema-cache.json');
const SERVICE = 'vasaService.wsdl';

export interface ServiceDescription {
  schema: SchemaSet;
  ops: Map<string, OperationDef>;
  /** Where it came from: the build's cache or the wsdl/ files. */
  source: 'cache' | 'wsdl';
}

interface CacheFile {
  fingerprint: string;
  schema: ReturnType<SchemaSet['toJSON']>;
  ops: [string, OperationDef][];
}

/** SHA-256 over every .wsdl and .xsd file of the folder, by name, in name order. */
export function wsdlFingerprint(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(dir).filter((n) => /\.(wsdl|xsd)$/.test(n)).sort()) {
    h.update(`${f}\0`);
    h.update(fs.readFileSync(path.join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

function parse(dir: string): ServiceDescription {
  const file = path.join(dir, SERVICE);
  return { schema: SchemaSet.loadFrom(file), ops: loadOperations(file), source: 'wsdl' };
}

/** The description of wsdl/ (or `dir`), from the cache file when it was made from these very files. */
export function loadServiceDescription(dir = WSDL_DIR, cacheFile = CACHE_FILE): ServiceDescription {
  let cached: CacheFile | undefined;
  try {
    cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as CacheFile;
  } catch {
    return parse(dir); // no cache (the sources run) or an unreadable one
  }
  if (cached.fingerprint !== wsdlFingerprint(dir)) return parse(dir);
  return { schema: SchemaSet.fromJSON(cached.schema), ops: new Map(cached.ops), source: 'cache' };
}

/** Writes the cache of `dir`'s description (the build step). */
export function writeServiceCache(dir = WSDL_DIR, cacheFile = CACHE_FILE): void {
  const d = parse(dir);
  const body: CacheFile = { fingerprint: wsdlFingerprint(dir), schema: d.schema.toJSON(), ops: [...d.ops] };
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(body));
  fs.renameSync(tmp, cacheFile);
}

if (require.main === module) writeServiceCache();
