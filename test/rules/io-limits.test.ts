/**
 * L10 (3.9.2, B.1): I/O upper and lower limits are whole numbers of IOPS from 10 to
 * 1,000,000, and the lower limit must be less than the upper one. Met where a pool's
 * defaults are set (iSM) and, with B.1's message, where an I/O Control policy is applied.
 */
import { buildArray, Fixture } from '../helpers/fixture';
import { expectError, vvol } from '../helpers/expect-error';
import { ArrayError } from '../../src/array/errors';
import { checkIoLimits } from '../../src/array/io-control';

const RANGE = 'A decimal value within 10 to 1000000 can be specified.';
const ORDER = 'The I/O lower limit must be less than the I/O upper limit.';
const POLICY_ORDER = 'Failed to apply the storage policy because the I/O Lower Limit is larger than the I/O Upper Limit.';

let f: Fixture;
beforeEach(() => { f = buildArray(); });
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

const pool0 = () => f.engine.getPool(f.array, 0);

describe('L10: the range 10..1,000,000 IOPS', () => {
  test('L10: an upper limit below 10 or above 1,000,000 (or not whole) is refused; 10 and 1,000,000 are accepted', () => {
    for (const v of [9, 0, -10, 1_000_001, 10.5, Number.NaN]) {
      expectError(() => f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioUpperDefault: v }), 'INVALID_ARGUMENT', `The I/O upper limit ${v} IOPS cannot be set. ${RANGE}`);
    }
    expect(pool0()).toMatchObject({ ioUpperMode: false, ioUpperDefault: null });
    expect(f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioUpperDefault: 10 }).ioUpperDefault).toBe(10);
    expect(f.engine.modifyPool(f.array, 0, { ioUpperDefault: 1_000_000 }).ioUpperDefault).toBe(1_000_000);
    expect(vvol(f).ioUpper).toBe(1_000_000);
  });

  test('L10: a lower limit below 10 or above 1,000,000 is refused; 10 and 999,999 are accepted', () => {
    for (const v of [9, 1_000_001]) {
      expectError(() => f.engine.modifyPool(f.array, 0, { ioLowerMode: true, ioLowerDefault: v }), 'INVALID_ARGUMENT', `The I/O lower limit ${v} IOPS cannot be set. ${RANGE}`);
    }
    expect(pool0()).toMatchObject({ ioLowerMode: false, ioLowerDefault: null });
    expect(f.engine.modifyPool(f.array, 0, { ioLowerMode: true, ioLowerDefault: 10 }).ioLowerDefault).toBe(10);
    expect(f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioUpperDefault: 1_000_000, ioLowerDefault: 999_999 })).toMatchObject({ ioUpperDefault: 1_000_000, ioLowerDefault: 999_999 });
    expect(vvol(f)).toMatchObject({ ioUpper: 1_000_000, ioLower: 999_999 });
  });
});

describe('L10: the lower limit must be less than the upper limit', () => {
  test('L10: lower equal to or above upper is refused, given together or one after the other', () => {
    expectError(() => f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioLowerMode: true, ioUpperDefault: 500, ioLowerDefault: 500 }), 'INVALID_ARGUMENT', ORDER);
    expectError(() => f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioLowerMode: true, ioUpperDefault: 500, ioLowerDefault: 501 }), 'INVALID_ARGUMENT', ORDER);
    expect(pool0()).toMatchObject({ ioUpperDefault: null, ioLowerDefault: null });
    f.engine.modifyPool(f.array, 0, { ioUpperMode: true, ioLowerMode: true, ioUpperDefault: 500, ioLowerDefault: 499 });
    // Changing one side alone is checked against the other side already set.
    expectError(() => f.engine.modifyPool(f.array, 0, { ioUpperDefault: 499 }), 'INVALID_ARGUMENT', ORDER);
    expectError(() => f.engine.modifyPool(f.array, 0, { ioLowerDefault: 600 }), 'INVALID_ARGUMENT', ORDER);
    expect(pool0()).toMatchObject({ ioUpperDefault: 500, ioLowerDefault: 499 });
    expect(vvol(f)).toMatchObject({ ioUpper: 500, ioLower: 499 });
  });

  test('L10: applying an I/O Control policy words the same rule as B.1 does', () => {
    const fails = (upper: number, lower: number) => {
      try {
        checkIoLimits(upper, lower, 'policy');
      } catch (e) {
        return e instanceof ArrayError ? { code: e.code, message: e.message } : e;
      }
      return null;
    };
    expect(fails(1000, 1000)).toEqual({ code: 'INVALID_ARGUMENT', message: POLICY_ORDER });
    expect(fails(1000, 2000)).toEqual({ code: 'INVALID_ARGUMENT', message: POLICY_ORDER });
    expect(fails(1000, 999)).toBeNull();
    expect(fails(5, 1)).toEqual({ code: 'INVALID_ARGUMENT', message: `The I/O upper limit 5 IOPS cannot be set. ${RANGE}` });
  });
});
