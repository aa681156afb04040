/**
 * The store boundary (issue 9, item 5), checked over the source: only src/store/ touches
 * better-sqlite3 and opens transactions (array/ goes through the store's tx, read and
 * savepoint); SQL lives in src/array/ (and the schema in src/store/); the list of events
 * vCenter does not see is written once, and the partial index that serves the feed (a
 * shipped migration, which cannot import code) still matches it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { VASA_EVENT_FILTER, VASA_HIDDEN_CONFIG } from '../../src/array/events';
import { MIGRATIONS } from '../../src/store/migrations';
import { buildArray } from '../helpers/fixture';

const SRC = path.join(__dirname, '..', '..', 'src');

function sources(dir = SRC): { file: string; text: string }[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [{ file: path.relative(SRC, p), text: fs.readFileSync(p, 'utf8') }] : [];
  });
}

const inside = (file: string, folder: string) => file.split(path.sep)[0] === folder;

/** A line's code: without comments and the text of one-line string literals (file names such as 'vvol-provider.db.open'). */
const code = (line: string) => (/^\s*(\*|\/\*|\/\/)/.test(line) ? '' : line.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "''").replace(/\/\/.*$/, ''));

/** Lines of files outside `except` folders that match `re` (in code, or anywhere with `strings`), as "file:line: text". */
function offenders(re: RegExp, except: string[], strings = false): string[] {
  return sources()
    .filter((s) => !except.some((f) => inside(s.file, f)))
    .flatMap((s) => s.text.split('\n').map((l, i) => ({ l, at: `${s.file}:${i + 1}` })).filter((x) => re.test(strings ? x.l : code(x.l))).map((x) => `${x.at}: ${x.l.trim()}`));
}

test('only src/store/ uses better-sqlite3: nothing else imports it, reaches for the store\'s connection (.db) or runs a pragma', () => {
  expect(offenders(/from 'better-sqlite3'|require\('better-sqlite3'\)/, ['store'])).toEqual([]);
  expect(offenders(/\.db\b(?!\w)/, ['store'])).toEqual([]);
  expect(offenders(/\.pragma\(/, ['store'])).toEqual([]);
});

test('nothing outside src/store/ opens a transaction another way than the store\'s tx, read and savepoint', () => {
  expect(offenders(/\.transaction\(|\.immediate\(|\.deferred\(|\.exclusive\(/, ['store'])).toEqual([]);
  expect(offenders(/['"`]\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/, ['store'], true)).toEqual([]);
});

test('SQL lives in src/array/ (the schema in src/store/): no other folder writes a query', () => {
  expect(offenders(/\b(SELECT\s+[\w*].*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b/, ['array', 'store'], true)).toEqual([]);
});

test('the list of events vCenter does not see is written once (src/array/events.ts) and the handler has no copy', () => {
  // Two neighbouring entries of the list, quoted as code writes them: found only where the list is.
  const copies = sources().filter((s) => /'LogicalDisk',\s*'ReplicationPair'/.test(s.text)).map((s) => s.file);
  expect(copies.sort()).toEqual([path.join('array', 'events.ts'), path.join('store', 'migrations.ts')]);
  expect(VASA_HIDDEN_CONFIG).toEqual(['VirtualVolume', 'LogicalDisk', 'ReplicationPair', 'StoragePool', 'Host', 'Task']);
  const handler = fs.readFileSync(path.join(SRC, 'vasa', 'handlers', 'events.ts'), 'utf8');
  expect(handler).toContain('engine.vasaEvents(');
  expect(handler).not.toContain('providerEventsSince');
});

test('the store\'s event feed index events_feed holds exactly the entries of VASA_EVENT_FILTER (else: add a migration that re-creates it)', () => {
  const f = buildArray({ spec: null });
  const sql = f.store.get<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'events_feed'")?.sql;
  expect(sql).toBe(`CREATE INDEX events_feed ON events(gseq) WHERE ${VASA_EVENT_FILTER}`);
  f.close();
  // The migration that made it keeps its text as it shipped (it cannot import the code's list).
  expect(MIGRATIONS.find((m) => m.version === 3)?.sql).toContain(`CREATE INDEX events_feed ON events(gseq) WHERE ${VASA_EVENT_FILTER};`);
});
