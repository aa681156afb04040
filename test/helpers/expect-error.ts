/**
 * Assertions on the engine's domain errors: the stable code and, where the manual has
 * one, the exact message text (tests write the literal text, never import it).
 */
import { ArrayError } from '../../src/array/errors';
import type { ArrayErrorCode } from '../../src/array/errors';
import type { Fixture } from './fixture';
import { GB } from './fixture';
import type { LogicalDisk } from '../../src/array/types';

/** Runs fn, expects it to throw an ArrayError with this code (and message, when given); returns the error. */
export function expectError(fn: () => unknown, code: ArrayErrorCode, message?: string | RegExp): ArrayError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error(`expected an ArrayError ${code}${message ? ` "${String(message)}"` : ''}, but nothing was thrown`);
  if (!(thrown instanceof ArrayError)) throw thrown;
  expect({ code: thrown.code, message: thrown.message }).toEqual({
    code,
    message: message === undefined ? thrown.message : message instanceof RegExp ? expect.stringMatching(message) : message,
  });
  return thrown;
}

/** A thin data VVol in container 0 (1 GB unless told). */
export function vvol(f: Fixture, o: { pool?: number; sizeBytes?: number; vm?: string; thick?: boolean; type?: 'config' | 'data' | 'swap' | 'memory' } = {}): LogicalDisk {
  return f.engine.createVvol(f.array, {
    pool: o.pool ?? 0,
    type: o.type ?? 'data',
    sizeBytes: o.sizeBytes ?? GB,
    thick: o.thick,
    metadata: o.vm ? { VMW_VmID: o.vm } : {},
  }).ld;
}

/** Tokens "<prefix>0", "<prefix>1", ... */
export function tokens(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);
}

/** Advances the clock in steps and ticks until the task leaves queued/running; returns the final task. */
export function runTask(f: Fixture, taskId: string, stepMs = 1000, maxSteps = 10_000) {
  for (let i = 0; i < maxSteps; i++) {
    const t = f.engine.getTask(taskId);
    if (t.state !== 'queued' && t.state !== 'running') return t;
    f.clock.advance(stepMs);
    f.engine.tick();
  }
  throw new Error(`task ${taskId} did not end`);
}
