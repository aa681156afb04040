/**
 * Whether a data folder shows that a provider has run on it: then a missing or empty
 * store is a lost store, not a fresh start, and must not be replaced by the demo array.
 *
 * Counted are only things the daemon itself makes after its store exists (its
 * certificate, provider-uid, its logs, the generated initial password) and the
 * relation files (written from a store's contents). Not counted: provider-account.json
 * and settings.key, which `vvolctl settings -s/-v` writes before a first start, the
 * folder lock's pid file and the store's own open markers (a first start killed while
 * creating the store leaves those).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATA_NAMES } from '../sys/layout';

/** Names relative to the data folder; a folder counts when it holds at least one entry. */
const TRACES: { name: string; folder: boolean }[] = [
  { name: DATA_NAMES.certs, folder: true },
  { name: DATA_NAMES.providerUid, folder: false },
  { name: DATA_NAMES.logs, folder: true },
  { name: DATA_NAMES.initialPassword, folder: false },
  { name: DATA_NAMES.relationLatest, folder: true },
  { name: DATA_NAMES.relationArchive, folder: true },
];

/** What in the data folder shows earlier use (relative names, for the message); empty for a fresh folder. */
export function priorUseTraces(dataDir: string): string[] {
  const found: string[] = [];
  for (const t of TRACES) {
    const p = path.join(dataDir, t.name);
    try {
      if (t.folder ? fs.readdirSync(p).length > 0 : fs.statSync(p).isFile()) found.push(t.folder ? `${t.name}/` : t.name);
    } catch {
      /* absent */
    }
  }
  return found;
}
