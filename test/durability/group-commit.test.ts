/**
 * Group commit under SIGKILL (issue 12): binds arriving together share one write
 * transaction (Store.group) and are answered only after its COMMIT. A child process
 * (group-child.js, on the compiled engine) runs 16 binds at a time, each of a VVol never
 * bound before, journaling an intent before each call and an ack after its answer. The
 * test kills it at random moments (many groups in flight each time) and requires, after
 * every kill: every acknowledged bind is in the store, bound to its host once; nothing
 * is bound that was not asked for; the invariants hold. Then the child goes on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/array/clock';
import { DiskArrayEngine } from '../../src/array/engine';
import { Store } from '../../src/store/db';
import { Proc, startProcess } from '../helpers/startup-daemon';

const ROOT = path.resolve(__dirname, '..', '..');
const CHILD = path.join(__dirname, 'group-child.js');
const ROUNDS = Number(process.env.DURABILITY_GROUP_ROUNDS ?? 15);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Line { t: 'intent' | 'ack'; vvolId: string; host: string }

function journal(file: string): Line[] {
  if (!fs.existsSync(file)) return [];
  const parts = fs.readFileSync(file, 'utf8').split('\n');
  parts.pop(); // '' or a line the kill cut short
  return parts.map((l) => JSON.parse(l) as Line);
}

test(`${ROUNDS} SIGKILLs with groups of binds in flight lose no acknowledged bind and apply none twice`, async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'array', 'engine.js'))) throw new Error('dist/ is missing: build first (npm test does).');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vvol-group-'));
  const data = path.join(work, 'data');
  const file = path.join(work, 'journal.jsonl');
  let acked = 0;
  let inFlightAtKills = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const child: Proc = startProcess(process.execPath, [CHILD, data, file, '16'], process.env);
    await child.waitFor(/ready/, 60_000);
    // A random moment while binds run (the kill moment, not a wait for a result).
    await sleep(20 + Math.floor(Math.random() * 150));
    child.proc.kill('SIGKILL');
    const end = await child.exited;
    expect({ signal: end.signal, err: child.err() }).toEqual({ signal: 'SIGKILL', err: '' });

    const lines = journal(file);
    const ackedNow = new Map(lines.filter((l) => l.t === 'ack').map((l) => [l.vvolId, l.host]));
    const intended = new Map(lines.filter((l) => l.t === 'intent').map((l) => [l.vvolId, l.host]));
    inFlightAtKills += intended.size - ackedNow.size;
    const store = Store.open(data);
    try {
      const engine = new DiskArrayEngine(store, new ManualClock(Date.UTC(2026, 0, 1)));
      expect(engine.checkInvariants()).toEqual([]);
      const bound = store.all<{ vvolId: string; host: string; n: number }>(
        'SELECT v.vvol_id AS vvolId, h.host AS host, COUNT(*) AS n FROM binding_hosts h JOIN lds v ON v.id = h.vvol_ld_id GROUP BY v.vvol_id, h.host');
      const byVvol = new Map(bound.map((b) => [b.vvolId, b]));
      // Every acknowledged bind is there, for its host, once.
      for (const [vvolId, host] of ackedNow) expect({ vvolId, bound: byVvol.get(vvolId)?.host, n: byVvol.get(vvolId)?.n }).toEqual({ vvolId, bound: host, n: 1 });
      // Nothing bound that was not asked for; nothing bound twice.
      for (const b of bound) {
        expect(intended.get(b.vvolId)).toBe(b.host);
        expect(b.n).toBe(1);
      }
      expect(bound.filter((b) => b.n > 1)).toEqual([]);
    } finally {
      store.close();
    }
    acked = ackedNow.size;
  }
  // The kills landed while groups were in flight, and binds were acknowledged.
  expect(acked).toBeGreaterThan(0);
  expect(inFlightAtKills).toBeGreaterThan(0);
  fs.rmSync(work, { recursive: true, force: true });
}, 300_000);
