/**
 * The daemon's store connection keeps SQLite's temporary tables in memory (issue 12, S7):
 * a soak traced its event loop waiting 62-67 ms on writes into SQLite's temporary files.
 * The CLI's short-lived connections keep SQLite's default.
 */
import { openDaemonStore } from '../../src/app/daemon-store';
import { Store } from '../../src/store/db';
import { tempDir } from '../helpers/fixture';

const MEMORY = 2;

test('the daemon opens its store with temp_store = MEMORY; other openers keep the default', () => {
  const dataDir = tempDir('vvol-temp-');
  const d = openDaemonStore({ dataDir, confDir: dataDir, port: 0 }, false);
  try {
    expect(d.store.db.pragma('temp_store', { simple: true })).toBe(MEMORY);
    // The statements that made temporary files still answer (an IN list, a sort).
    expect(d.store.all('SELECT value FROM json_each(?) WHERE value IN (SELECT value FROM json_each(?)) ORDER BY value DESC', '[1,2,3]', '[2,3]')).toEqual([{ value: 3 }, { value: 2 }]);
  } finally {
    d.store.close();
    d.lock.release();
  }
  const plain = Store.open(dataDir);
  try {
    expect(plain.db.pragma('temp_store', { simple: true })).not.toBe(MEMORY);
  } finally {
    plain.close();
  }
});
