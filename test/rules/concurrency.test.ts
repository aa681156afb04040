/**
 * L8: concurrent snapshot/clone/linked clone/migration operations per model: 16 on
 * M110/M310/M310F, 32 on M510/M710/M710F. Beyond that, operations wait queued.
 */
import { buildArray, demoSpec, Fixture } from '../helpers/fixture';
import { tokens, vvol } from '../helpers/expect-error';
import type { Model } from '../../src/array/models';
import type { LogicalDisk } from '../../src/array/types';

const MiB = 1024 * 1024;

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

function arrayOf(model: Model): Fixture {
  // 1 MiB/s: a clone of n chunks takes about n seconds.
  return buildArray({ spec: demoSpec({ model }), engine: { copyBytesPerSec: MiB } });
}

/** n sources, the first holding 1 chunk, the others 20; a full clone of each. */
function startClones(n: number): { srcs: LogicalDisk[]; tasks: string[] } {
  const srcs: LogicalDisk[] = [];
  const tasks: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = vvol(f);
    f.engine.write(s, 0, tokens(`s${i}-`, i === 0 ? 1 : 20));
    srcs.push(s);
  }
  for (const s of srcs) tasks.push(f.engine.fullClone(s.vvolId!).taskId);
  return { srcs, tasks };
}

const states = (ids: string[]) => ids.map((id) => f.engine.getTask(id).state);
const count = (ids: string[], state: string) => states(ids).filter((s) => s === state).length;

describe('L8: concurrent clone operations are limited by model', () => {
  for (const model of ['M110', 'M310', 'M310F'] as const) {
    test(`L8: an ${model} runs 16 full clones at once; the 17th waits queued and runs when one finishes`, () => {
      f = arrayOf(model);
      const { tasks } = startClones(17);
      expect(count(tasks, 'running')).toBe(16);
      expect(f.engine.getTask(tasks[16]).state).toBe('queued');
      expect(f.engine.getTask(tasks[16]).startedAt).toBeNull();
      // Time passes but nothing has finished: still queued.
      f.clock.advance(500);
      f.engine.tick();
      expect(f.engine.getTask(tasks[16]).state).toBe('queued');
      // The one-chunk clone finishes; the queued one starts.
      f.clock.advance(2000);
      f.engine.tick();
      expect(f.engine.getTask(tasks[0]).state).toBe('success');
      expect(f.engine.getTask(tasks[16]).state).toBe('running');
      expect(count(tasks, 'running')).toBe(16);
      // Everything ends eventually.
      for (let i = 0; i < 60 && count(tasks, 'success') < 17; i++) {
        f.clock.advance(1000);
        f.engine.tick();
      }
      expect(count(tasks, 'success')).toBe(17);
    });
  }

  test('L8: an M510 runs 32 full clones at once; the 33rd waits queued', () => {
    f = arrayOf('M510');
    const { tasks } = startClones(33);
    expect(count(tasks, 'running')).toBe(32);
    expect(f.engine.getTask(tasks[32]).state).toBe('queued');
    f.clock.advance(2500);
    f.engine.tick();
    expect(f.engine.getTask(tasks[0]).state).toBe('success');
    expect(f.engine.getTask(tasks[32]).state).toBe('running');
  });

  test('L8: M710 and M710F also allow 32', () => {
    for (const model of ['M710', 'M710F'] as const) {
      f = arrayOf(model);
      const { tasks } = startClones(33);
      expect(count(tasks, 'running')).toBe(32);
      expect(count(tasks, 'queued')).toBe(1);
      if (model === 'M710') {
        expect(f.engine.checkInvariants()).toEqual([]);
        f.close();
      }
    }
  });

  test('L8: cancelling a running clone lets a queued one start', () => {
    f = arrayOf('M310');
    const { tasks } = startClones(17);
    f.engine.cancelTask(tasks[5]);
    expect(f.engine.getTask(tasks[5]).state).toBe('cancelled');
    expect(f.engine.getTask(tasks[16]).state).toBe('running');
    expect(count(tasks, 'running')).toBe(16);
  });

  test('L8: background snapshot deletions count against the same limit', () => {
    f = buildArray({ spec: demoSpec({ model: 'M310' }), engine: { copyBytesPerSec: MiB, snapshotDeleteBytesPerSec: MiB } });
    const { tasks } = startClones(15);
    const base = vvol(f);
    f.engine.write(base, 0, tokens('b', 10));
    const s1 = f.engine.snapshot(base.vvolId!);
    const s2 = f.engine.snapshot(base.vvolId!);
    const d1 = f.engine.deleteVvol(s1.vvolId!).taskId!;
    const d2 = f.engine.deleteVvol(s2.vvolId!).taskId!;
    expect(states([d1, d2])).toEqual(['running', 'queued']);
    expect(count(tasks, 'running')).toBe(15);
  });
});
