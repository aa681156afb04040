/**
 * A small deterministic array for tests: a temp data folder, a manual clock, the
 * engine, and (by default) the same shape as the demo array. Close it in afterEach.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskArrayEngine } from '../../src/array/engine';
import { ManualClock } from '../../src/array/clock';
import { bootstrapArray, ArraySpec } from '../../src/array/bootstrap';
import type { EngineOptions } from '../../src/array/context';
import { GiB, LICENCES } from '../../src/array/models';
import { Store } from '../../src/store/db';

export interface Fixture {
  dir: string;
  clock: ManualClock;
  store: Store;
  engine: DiskArrayEngine;
  array: string;
  close(): void;
  /** Re-opens the store as a restarted daemon would. */
  reopen(): Fixture;
}

export function tempDir(prefix = 'vvol-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A settings folder and a data folder for each test of the file (made before it,
 * removed after it), handed to `use`: what the settings and CLI tests work in.
 */
export function useConfAndData(prefix: string, use: (conf: string, data: string) => void): void {
  let dirs: string[] = [];
  beforeEach(() => {
    dirs = [tempDir(`${prefix}conf-`), tempDir(`${prefix}data-`)];
    use(dirs[0], dirs[1]);
  });
  afterEach(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
}

export function demoSpec(over: Partial<ArraySpec> = {}): ArraySpec {
  return {
    name: 'Storage001',
    serial: '0000000991007777',
    wwn: '00255CDB05310000',
    model: 'M510',
    ip: '192.0.2.10',
    licences: [...LICENCES],
    pools: [
      { poolNo: 0, name: 'Pool0000', virtual: true, container: true, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 64, threshold: 80 },
      { poolNo: 1, name: 'Pool0001', virtual: true, container: true, raid: 'RAID1/10', pdType: 'SSD', capacityGB: 64 },
      { poolNo: 2, name: 'Pool0002', virtual: false, container: false, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 64 },
      { poolNo: 3, name: 'vvolbackup0', virtual: true, container: true, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 64 },
    ],
    ssv: { pool: 2 },
    pes: [
      { pool: 0, ldn: 0x400, hosts: ['esxi01', 'esxi02'] },
      { pool: 1, ldn: 0x401, hosts: ['esxi01', 'esxi02'] },
    ],
    ...over,
  };
}

export function buildArray(opts: { spec?: ArraySpec | null; engine?: Partial<EngineOptions>; dir?: string; clock?: ManualClock } = {}): Fixture {
  const dir = opts.dir ?? tempDir();
  const clock = opts.clock ?? new ManualClock();
  const store = Store.open(dir, { synchronous: 'NORMAL' });
  const engine = new DiskArrayEngine(store, clock, opts.engine);
  const spec = opts.spec === undefined ? demoSpec() : opts.spec;
  if (spec) bootstrapArray(engine, spec);
  const f: Fixture = {
    dir, clock, store, engine, array: spec?.name ?? '',
    close() {
      store.close();
    },
    reopen() {
      store.close();
      return buildArray({ spec: null, engine: opts.engine, dir, clock });
    },
  };
  if (!spec) f.array = engine.listArrays()[0]?.name ?? '';
  return f;
}

export const GB = GiB;
