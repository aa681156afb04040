/**
 * The schema validation shared by the settings file, the demo-array file and (later)
 * the admin API: every problem at once, with field paths, in the texts given per
 * schema location; defaults filled in on a copy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadDemoArrays } from '../../src/config/demo-array';
import { validateSettings } from '../../src/config/settings';
import { fieldPath, makeValidator } from '../../src/config/validate';
import { tempDir } from '../helpers/fixture';

test('field paths are written as the messages write them', () => {
  expect(fieldPath('')).toBe('');
  expect(fieldPath('/diskArrays/1')).toBe('diskArrays[1]');
  expect(fieldPath('/vCenter/ip')).toBe('vCenter.ip');
  expect(fieldPath('/arrays/0/pools/12/poolNo')).toBe('arrays[0].pools[12].poolNo');
  expect(fieldPath('/a~1b/c~0d')).toBe('a/b.c~d');
});

describe('makeValidator', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1 },
      port: { type: 'integer', minimum: 1, maximum: 65535, default: 443 },
      tags: { type: 'array', items: { type: 'string', format: 'tag' }, default: [] },
    },
  };
  const check = makeValidator<{ name: string; port: number; tags: string[] }>(schema, {
    formats: { tag: (v) => /^[a-z]+$/.test(v) },
    messages: {
      '#/properties/port': (f) => `${f.path} must be a port number (1-65535), not ${JSON.stringify(f.data)}.`,
      '#/properties/tags/items': (f) => `${f.path} must be lower-case letters.`,
      '#/properties/tags/items/type': (f) => `${f.path} must be a string.`,
    },
  });

  test('every problem at once, one sentence per field, the longest matching location wins, the rest in ajv\'s words', () => {
    const r = check({ port: 1.5e6, tags: ['ok', 'NO', 3], extra: true });
    expect(r).toEqual({
      ok: false,
      problems: ['name: is missing.', 'extra: unknown field.', 'port must be a port number (1-65535), not 1500000.', 'tags[1] must be lower-case letters.', 'tags[2] must be a string.'],
    });
  });

  test('defaults are filled in on a copy: the caller\'s object is not changed', () => {
    const input = { name: 'a' };
    expect(check(input)).toEqual({ ok: true, value: { name: 'a', port: 443, tags: [] } });
    expect(input).toEqual({ name: 'a' });
  });

  test('any input at all gives an answer, never an exception', () => {
    for (const input of [undefined, null, 1, 'x', [], () => 1, Symbol('s')]) {
      let r: ReturnType<typeof check> | undefined;
      try {
        r = check(input);
      } catch {
        r = undefined;
      }
      expect(r).toMatchObject({ ok: false });
    }
  });
});

test('L1: the settings schema refuses a misspelt field and reports it with the others', () => {
  const v = validateSettings({ relationIntervalMinute: 30, diskArrays: ['192.0.2.10', '0.0.0.0'], vCenter: { ip: '192.0.2.5', user: 'u', pasword: 'x' } });
  expect(v).toEqual({
    ok: false,
    problems: [
      'relationIntervalMinute: unknown setting (known: relationIntervalMinutes, diskArrays, vCenter, imageBackup).',
      'diskArrays[1] must be the address of a host, not 0.0.0.0.',
      'vCenter.password: must be the encrypted value `settings -v` writes (a password is never stored in clear).',
      'vCenter.pasword: unknown setting (known: ip, httpsPort, user, password, thumbprint).',
    ],
  });
});

describe('the demo-array file', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('vvol-demo-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const load = (doc: unknown) => {
    const file = path.join(dir, 'demo-array.jsonc');
    fs.writeFileSync(file, JSON.stringify(doc));
    try {
      return loadDemoArrays(file);
    } catch (e) {
      return (e as Error).message.split('\n').slice(1).map((l) => l.replace(/^ {2}- /, ''));
    }
  };
  const array = { name: 'A', serial: '1', model: 'M510', ip: '192.0.2.10', pools: [{ poolNo: '0001h', raid: 'RAID6', pdType: 'SAS', capacityGB: 10 }] };

  test('a misspelt field is refused, not ignored (a pool meant to be a container would silently not be one)', () => {
    expect(load({ arrays: [{ ...array, pools: [{ ...array.pools[0], containr: true }] }] })).toEqual([
      'arrays[0].pools[0].containr: unknown field (known: poolNo, name, virtual, container, raid, pdType, encrypted, capacityGB, virtualCapacityGB, threshold)',
    ]);
  });

  test('every problem at once, missing fields included, with their paths', () => {
    expect(load({ arrays: [{ name: ' ', model: 'M510', licences: ['Virtual Volume', 'Nope'], pools: [{ poolNo: 70000, raid: 'RAID6', pdType: 'SAS', capacityGB: 1 }], ssv: { pool: 'x' }, pes: [{ ldn: '0400h' }] }] })).toEqual([
      'arrays[0].serial must be a non-empty string',
      'arrays[0].ip must be a non-empty string',
      'arrays[0].name must be a non-empty string',
      'arrays[0].licences: unknown licence "Nope"',
      'arrays[0].pools[0].poolNo must be a pool number such as "0001h"',
      'arrays[0].ssv.pool must be a pool number',
      'arrays[0].pes[0].pool must be a pool number',
    ]);
  });

  test('numbers in iSM\'s writing become numbers; absent fields take their defaults', () => {
    const [spec] = load({ arrays: [{ ...array, wwn: '0025 5CDB 0531 0000', ssv: { pool: '0x1' }, pes: [{ pool: 1, ldn: '0400h' }] }] }) as ReturnType<typeof loadDemoArrays>;
    expect(spec).toEqual({
      name: 'A', serial: '1', wwn: '00255CDB05310000', model: 'M510', ip: '192.0.2.10', monitoring: 'Running', licences: [],
      pools: [{ poolNo: 1, name: '', virtual: false, container: false, encrypted: false, raid: 'RAID6', pdType: 'SAS', capacityGB: 10 }],
      ssv: { pool: 1 }, pes: [{ pool: 1, ldn: 0x400, hosts: [] }],
    });
  });
});
