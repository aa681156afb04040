/**
 * The event log copies every array event into the provider log; a large backlog is
 * logged in chunks over several event-loop turns (bench/ S7: thousands of lines in one
 * turn held the VASA face for tens of milliseconds).
 */
import type { Logger } from '../../src/log/logger';
import { EventLogger } from '../../src/log/event-log';
import { buildArray, GB } from '../helpers/fixture';

const turn = () => new Promise<void>((r) => setImmediate(r));

test('a backlog is logged completely, in order, over several turns; a poll while it drains adds nothing', async () => {
  const f = buildArray();
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), log: (_l: string, m: string) => lines.push(m), error: (m: string) => lines.push(`ERROR ${m}`) } as unknown as Logger;
  const el = new EventLogger(f.engine, log);
  for (let i = 0; i < 230; i++) f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB });
  el.poll();
  const first = lines.length;
  expect(first).toBeLessThan(230);
  el.poll(); // draining: nothing more in this turn
  expect(lines.length).toBe(first);
  for (let i = 0; i < 10; i++) await turn();
  const ids = lines.filter((l) => l.startsWith('event ')).map((l) => Number(l.split(' ')[1]));
  expect(ids).toHaveLength(230);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(230);
  expect(lines.some((l) => l.startsWith('ERROR'))).toBe(false);
  el.poll();
  await turn();
  expect(lines.length).toBe(230);
  f.close();
});

test('when more events arrive between two polls than the store keeps, the log says so and goes on', async () => {
  const f = buildArray({ engine: { eventRetention: 16 } });
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(`WARN ${m}`), log: (_l: string, m: string) => lines.push(m), error: (m: string) => lines.push(`ERROR ${m}`) } as unknown as Logger;
  const el = new EventLogger(f.engine, log);
  for (let i = 0; i < 80; i++) f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB });
  el.poll();
  for (let i = 0; i < 5; i++) await turn();
  expect(lines.some((l) => l.startsWith('WARN event log: events after'))).toBe(true);
  expect(lines.some((l) => l.startsWith('ERROR'))).toBe(false);
  const before = lines.length;
  f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB });
  el.poll();
  await turn();
  expect(lines.length).toBe(before + 1);
  expect(lines[lines.length - 1]).toMatch(/^event \d+ \[Storage001\] Config\/New nec\.vvol\.created/);
  f.close();
});

test('at info level only the events vCenter\'s feed shows are logged (the per-VVol ones it hides are debug lines, not even read); at debug level every one', async () => {
  const f = buildArray();
  const at = (level: 'info' | 'debug') => {
    const lines: { level: string; message: string }[] = [];
    const log = {
      isLevelEnabled: (l: string) => level === 'debug' || l !== 'debug',
      log: (l: string, m: string) => { if (level === 'debug' || l !== 'debug') lines.push({ level: l, message: m }); },
      info: (m: string) => lines.push({ level: 'info', message: m }),
      warn: (m: string) => lines.push({ level: 'warn', message: m }),
      error: (m: string) => lines.push({ level: 'error', message: m }),
    } as unknown as Logger;
    return { lines, el: new EventLogger(f.engine, log) };
  };
  const info = at('info');
  const debug = at('debug');
  for (let i = 0; i < 5; i++) f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB });
  f.engine.modifyPool(f.array, 0, { threshold: 70 });
  for (const x of [info, debug]) {
    x.el.poll();
    for (let i = 0; i < 3; i++) await turn();
  }
  const events = (l: { level: string; message: string }[]) => l.filter((x) => x.message.startsWith('event '));
  expect(events(info.lines).map((x) => [x.level, /StorageContainer|nec\.pool\.modified/.test(x.message)])).toEqual([['info', true]]);
  expect(events(debug.lines).filter((x) => x.level === 'debug')).toHaveLength(5);
  expect(events(debug.lines).filter((x) => x.level === 'info')).toHaveLength(1);
  f.close();
});
