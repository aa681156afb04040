/**
 * B7 (3.9.1): "The backup function creates a logical disk for backup (backup volume (RV))
 * in the Storage Container whose pool name begins with vvolbackup." The demo array and
 * the test fixtures built like it have such a container.
 */
import path from 'node:path';
import { loadDemoArrays } from '../../src/config/demo-array';
import { bootstrapArray } from '../../src/array/bootstrap';
import { poolVmwareType } from '../../src/array/display';
import { buildArray, demoSpec, Fixture, GB } from '../helpers/fixture';

const DEMO = path.resolve(__dirname, '..', '..', 'conf', 'demo-array.jsonc');

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

test('B7 (3.9.1): the demo array\'s vvolbackup0 is a Storage Container (VMware Type Container) beside the two for VMs', () => {
  const [spec] = loadDemoArrays(DEMO);
  f = buildArray({ spec: null });
  bootstrapArray(f.engine, spec);
  const pools = f.engine.listPools(spec.name);
  const backup = pools.filter((p) => p.name.startsWith('vvolbackup'));
  expect(backup.map((p) => ({ name: p.name, virtual: p.virtual, container: p.container, type: poolVmwareType(p) }))).toEqual([
    { name: 'vvolbackup0', virtual: true, container: true, type: 'Container' },
  ]);
  expect(pools.filter((p) => p.container).map((p) => p.name)).toEqual(['Pool0000', 'Pool0001', 'vvolbackup0']);
  // An RV can be made in it, as an LD or as a VVol.
  const rv = f.engine.createLd(spec.name, { pool: 'vvolbackup0', kind: 'ld', capacityBytes: GB });
  expect(rv.poolNo).toBe(3);
  expect(f.engine.createVvol(spec.name, { pool: 'vvolbackup0', type: 'data', sizeBytes: GB }).ld.poolNo).toBe(3);
});

test('B7 (3.9.1): the fixture\'s demo spec has the same backup Storage Container', () => {
  f = buildArray();
  expect(demoSpec().pools.find((p) => p.name === 'vvolbackup0')).toMatchObject({ virtual: true, container: true });
  expect(f.engine.getPool(f.array, 'vvolbackup0')).toMatchObject({ poolNo: 3, virtual: true, container: true });
});
