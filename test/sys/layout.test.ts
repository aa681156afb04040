/**
 * Issue 9: the data folder's layout is owned by one module. No file of src/ other than
 * src/sys/layout.ts spells a name of the data folder in code (comments may name them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CERT_NAMES, DATA_NAMES, dataLayout, RELATION_NAMES } from '../../src/sys/layout';

const SRC = path.join(__dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** The code of a file without its comments. */
function code(file: string): string {
  return fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').split('\n').map((l) => l.replace(/(^|[^:'"`])\/\/.*$/, '$1')).join('\n');
}

test('no data-folder name is spelt outside src/sys/layout.ts', () => {
  const names = [
    ...Object.values(DATA_NAMES).filter((n) => !n.includes(path.sep)), 'server/logs', "'server', 'logs'",
    ...Object.values(CERT_NAMES).filter((n) => n.includes('.')), RELATION_NAMES.state,
  ];
  const offenders: string[] = [];
  for (const f of sources(SRC)) {
    if (f.endsWith(path.join('sys', 'layout.ts'))) continue;
    const text = code(f);
    for (const n of names) {
      const quoted = n.startsWith("'") ? n : `'${n}'`;
      if (text.includes(quoted) || text.includes(`"${n}"`) || text.includes(`\`${n}\``)) offenders.push(`${path.relative(SRC, f)}: ${n}`);
    }
  }
  // The relation XML's infoType attribute (Table D-1) happens to equal the archive folder's name.
  const notFileNames = new Set([`${path.join('relation', 'model.ts')}: RelationBetweenVMandVVOL`]);
  expect(offenders.filter((o) => !notFileNames.has(o))).toEqual([]);
});

test('the layout puts every file where earlier versions had it (existing data folders keep working)', () => {
  const l = dataLayout('/d');
  expect(l).toMatchObject({
    store: '/d/vvol-provider.db', lockNote: '/d/provider.lock', account: '/d/provider-account.json', initialPassword: '/d/initial-password',
    settingsKey: '/d/settings.key', providerUid: '/d/provider-uid', providerCert: '/d/certs/provider.crt', providerKey: '/d/certs/provider.key',
    logs: '/d/server/logs', relationLatest: '/d/latestRelationBetweenVMandVVOL', relationArchive: '/d/RelationBetweenVMandVVOL',
    relationState: '/d/latestRelationBetweenVMandVVOL/.state.json', backups: '/d/backups',
  });
});
