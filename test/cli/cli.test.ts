/**
 * End-to-end: the compiled CLI (dist/admin/cli.js) against a data folder the fixture
 * prepared with the demo array. Asserts the manual's iSMview / iSMsc_query layouts,
 * the manual's message texts and the exit statuses.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildArray, tempDir } from '../helpers/fixture';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'admin', 'cli.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

let dir: string;

function cli(args: string[], data = dir): Result {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, VASA_PROVIDER_DATA: data },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n') };
}

function ok(args: string[]): Result {
  const r = cli(args);
  if (r.code !== 0) throw new Error(`vvolctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

const json = <T>(args: string[]): T => JSON.parse(ok([...args, '--json']).stdout) as T;

/** A data VVol of 2 GB in container 0000h, bound for esxi01 (through PE 0400h). */
let vvolId: string;
let ldn: string;
let vvolName: string;

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p .)`);
  dir = tempDir('vvol-cli-');
  buildArray({ dir }).close();
  const created = json<{ ld: { vvolId: string; ldn: number; name: string }; warnings: string[] }>(['array', 'vvol', 'create', '--pool', '0000h', '--type', 'data', '--size', '2g']);
  vvolId = created.ld.vvolId;
  vvolName = created.ld.name;
  ldn = created.ld.ldn.toString(16).toUpperCase().padStart(4, '0');
  ok(['array', 'bind', 'esxi01', vvolId]);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('help and usage', () => {
  test('--help exits 0 and array --help documents the exit statuses', () => {
    expect(cli(['--help']).code).toBe(0);
    const r = cli(['array', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Exit status:');
    expect(r.stdout).toContain('5  LICENCE_LOCKED, NOT_MONITORED, CONFIG_LOCKED');
    const c = cli(['array', 'vvol', 'create', '--help']);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('$ vvolctl array vvol create --pool 0000h');
  });

  test('a usage error exits 2', () => {
    const r = cli(['array', 'vvol', 'create', '--pool', '0', '--type', 'bogus', '--size', '1g']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'bogus' is invalid");
  });

  test('a data folder without a store says how to get one and creates nothing', () => {
    const missing = path.join(dir, 'missing');
    const r = cli(['array', 'view', '-pl'], missing);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ERROR: There is no provider store .* Start the provider once \(`npm start`\)/);
    expect(fs.existsSync(missing)).toBe(false);
  });
});

describe('iSMview displays (3.1.2, N1-N3)', () => {
  test('-pl lists pools with Pool Type and VMware Type', () => {
    const r = ok(['array', 'view', '-pl']);
    expect(r.lines.slice(0, 6)).toEqual([
      '--- Pool Information ---',
      'Pool No.(h) Pool Name  Pool Type           PD Type     Pool State    Threshold      VMware Type',
      '0000        Pool0000   dynamic(virtual)    NLSAS       ready         80%            Container',
      '0001        Pool0001   dynamic(virtual)    SSD         ready         ---            Container',
      '0002        Pool0002   dynamic             NLSAS       ready         ---            ---',
      '0003        vvolbackup0 dynamic(virtual)   NLSAS       ready         ---            Container',
    ]);
  });

  test('-pln shows the pool detail, also with the array named as iSMview takes it', () => {
    const r = ok(['array', 'view', '-pln', 'Storage001', '0000h']);
    expect(r.lines).toEqual(expect.arrayContaining([
      '--- Pool Detail Information ---',
      'Pool No.(h)           : 0000',
      'Pool Name             : Pool0000',
      'Pool Type             : dynamic(virtual)',
      'RAID Type             : RAID6',
      'Pool Capacity         : 64.0GB(68,719,476,736Bytes)',
      'Block Size            : 4,096byte',
      'VMware Type           : Container',
    ]));
    expect(r.lines[0]).toBe('--- Pool Detail Information ---');
    const normal = ok(['array', 'pool', 'show', 'Pool0002']);
    expect(normal.lines).toEqual(expect.arrayContaining(['Pool Type             : dynamic', 'VMware Type           : ---']));
  });

  test('-l lists LDs with their VMware Type', () => {
    const r = ok(['array', 'view', '-l']);
    expect(r.lines.slice(0, 2)).toEqual([
      '--- LD Information ---',
      'LDN(h)  OS Type  LD Name               PD Type  Conf.Chg  LD State  Threshold  VMware Type',
    ]);
    expect(r.lines).toContain('0000             Pool0002_0000         NLSAS              ready     ---        ---');
    expect(r.lines).toContain('0400    NX       Pool0000_0400         NLSAS              ready     ---        PE');
    expect(r.lines).toContain(`${ldn}             ${vvolName}  NLSAS              ready     ---        vmdk-VVOL`);
  });

  test('-ln shows a VVOL with its Purpose and Bound PE List, a PE with its Bound VVOL List', () => {
    const v = ok(['array', 'view', '-ln', ldn]);
    expect(v.lines[0]).toBe('--- LD Detail Information ---');
    expect(v.lines).toEqual(expect.arrayContaining([
      `LDN(h)                : ${ldn}`,
      'LD Capacity           : 2.0GB(2,147,483,648Bytes)',
      'Purpose               : VVOL',
      'RPL Attribute         : IV',
      'Snapshot Attribute    : ---',
      'Clone Attribute       : ---',
      'VMware Type           : vmdk-VVOL',
      'Bound PE List(h)      : 0400',
    ]));
    expect(v.stdout).not.toContain('Bound VVOL List(h)');
    const pe = ok(['array', 'ld', 'show', '0400h']);
    expect(pe.lines).toEqual(expect.arrayContaining(['VMware Type           : PE', 'Purpose               : VVOL', `Bound VVOL List(h)    : ${ldn}`]));
    expect(pe.stdout).not.toContain('Bound PE List(h)');
    const ssv = ok(['array', 'view', '-ln', '0000h']);
    expect(ssv.lines).toEqual(expect.arrayContaining(['Purpose               : Solution Reserved Volume', 'VMware Type           : ---']));
  });

  test('--json prints the domain values', () => {
    const pools = json<{ poolNo: number; container: boolean }[]>(['array', 'view', '-pl']);
    expect(pools.map((p) => [p.poolNo, p.container])).toEqual([[0, true], [1, true], [2, false], [3, true]]);
    const d = json<{ vvolId: string; boundPes: number[]; purpose: string }>(['array', 'view', '-ln', vvolId]);
    expect(d).toMatchObject({ vvolId, boundPes: [0x400] });
  });

  test('an unknown LD gives the manual message and exit 4, as text or JSON', () => {
    const r = cli(['array', 'view', '-ln', '0999h']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('ERROR: The specified LD does not exist.\n');
    const j = cli(['array', 'view', '-ln', '0999h', '--json']);
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stderr)).toEqual({ error: { code: 'NOT_FOUND', message: 'The specified LD does not exist.', facts: { ld: '0999h' } } });
  });
});

describe('VVols, guest I/O, snapshots and generations', () => {
  test('L4: a VVol below 1 GB is created with 1 GB and a warning, exit 0', () => {
    const r = cli(['array', 'vvol', 'create', '--pool', '0001h', '--type', 'config', '--size', '512m']);
    expect(r.code).toBe(0);
    // N4: the id the CLI shows is the one vSphere shows: naa.6 + WWN digits + LD number.
    expect(r.stdout).toMatch(/^VVOL ID {15}: naa\.65cdb050000000005cdb05310000[0-9a-f]{4}\n/);
    expect(r.stdout).toContain('LD Capacity           : 1.0GB(1,073,741,824Bytes)');
    expect(r.stderr).toMatch(/^WARNING: The volume size you have specified \(512MB\) is less than 1 GB\. But the volume \(naa\.6[0-9a-f]{31}\) is created with 1 GB/);
  });

  test('N4: the CLI shows the id vSphere shows, and `vvol show` takes a disk file path "[container] naa.6…/disk.vmdk" to its LD', () => {
    // WWN 00255CDB05310000: digits 5-10 5cdb05, last 12 5cdb05310000, then the LD number.
    expect(vvolId).toBe(`naa.65cdb050000000005cdb05310000${ldn.toLowerCase()}`);
    const shown = ok(['array', 'vvol', 'show', vvolId]);
    expect(shown.stdout).toContain(vvolId);
    const byPath = json<{ vvolId: string; ldn: number; name: string }>(['array', 'vvol', 'show', `[Pool0000] ${vvolId}/vm1.vmdk`]);
    expect(byPath).toMatchObject({ vvolId, ldn: parseInt(ldn, 16), name: vvolName });
    const old = cli(['array', 'vvol', 'show', 'rfc4122.00000000-0000-4000-8000-000000000001']);
    expect({ code: old.code, err: old.stderr }).toEqual({ code: 4, err: 'ERROR: The specified rfc4122.00000000-0000-4000-8000-000000000001 does not exist.\n' });
  });

  test('io write / read round trip, and a snapshot keeps the old data', () => {
    expect(ok(['array', 'io', 'write', vvolId, '0', 'A0', 'A1']).stdout).toContain('Wrote 2 chunk(s)');
    const snap = json<{ vvolId: string; name: string }>(['array', 'vvol', 'snapshot', vvolId]);
    ok(['array', 'io', 'write', ldn, '0', 'B0']);
    expect(ok(['array', 'io', 'read', ldn, '0', '3']).lines.slice(0, 3)).toEqual(['0 B0', '1 A1', '2 -']);
    expect(ok(['array', 'io', 'read', snap.name, '0', '2']).lines.slice(0, 2)).toEqual(['0 A0', '1 A1']);
  });

  test('sc_query lists the generation; generationdel deletes it in the background', () => {
    const snap = ok(['array', 'vvol', 'snapshot', vvolId]);
    const esvName = /^ESV Name {14}: (\S+)$/m.exec(snap.stdout)?.[1] as string;
    const bvName = vvolName;
    const q = ok(['array', 'sc_query', '--bv', ldn]);
    expect(q.lines.slice(0, 8)).toEqual([
      'BV Information',
      `   LD Name     : ${bvName}`,
      '   Type        : -',
      '   Special File: -',
      '   State       : normal',
      '   Reserve Area: verified',
      '',
      'SV Information',
    ]);
    const svLines = q.lines.filter((l) => l.startsWith('   -:'));
    expect(svLines).toHaveLength(2);
    expect(svLines[1]).toMatch(new RegExp(`^   -:${esvName} \\(  -1\\) snap/active   \\[\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d\\]$`));
    expect(svLines[0]).toContain('(  -2) snap/active');

    const del = ok(['array', 'generationdel', '--bvname', `:${bvName}`, '--svname', `:${esvName}`]);
    const taskId = /\(task (task-\d+)\)/.exec(del.stdout)?.[1] as string;
    expect(del.stdout).toContain(`(${esvName}, LDN `);
    // The next CLI call advances the background deletion (1 GiB/s) to its end.
    expect(json<{ state: string }>(['array', 'task', 'show', taskId]).state).toBe('success');
    const after = ok(['array', 'sc_query', '--bv', vvolId]).lines.filter((l) => l.startsWith('   -:'));
    expect(after).toHaveLength(1);
    expect(after[0]).not.toContain(esvName);
    expect(after[0]).toContain('(  -1) snap/active');
  });

  test('a locked licence gives the manual message and a non-zero exit', () => {
    ok(['array', 'license', 'lock', 'snapshot']);
    try {
      const r = cli(['array', 'vvol', 'snapshot', vvolId]);
      expect(r.code).toBe(5);
      expect(r.stderr).toBe('ERROR: The license for snapshot is locked.\n');
    } finally {
      ok(['array', 'license', 'unlock', 'DynamicSnapVolume']);
    }
  });

  test('N1: an existing pool cannot be made a Storage Container', () => {
    const r = cli(['array', 'poolmodify', '0002h', '--sc']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('ERROR: It is not possible to convert an existing pool into a Storage Container.\n');
  });

  test('the store is consistent after all of it', () => {
    expect(ok(['array', 'check']).stdout).toBe('OK\n');
  });
});
