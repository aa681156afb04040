/**
 * Loads and validates conf/demo-array.jsonc (the embedded default) against the JSON
 * Schema in schemas/demo-array.ts (ajv, src/config/validate.ts). All problems are
 * reported together, with the texts below; the result is frozen.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ArraySpec } from '../array/bootstrap';
import { MODELS, MONITORING_STATES, PD_TYPES, RAID_TYPES } from '../array/models';
import { parseHexNumber } from '../array/ids';
import { parseJsonc } from './jsonc';
import { DEMO_ARRAY_SCHEMA, DEMO_AT } from './schemas/demo-array';
import { type Failure, makeValidator, type MessageRule } from './validate';

export const CONF_DIR = path.resolve(__dirname, '..', '..', 'conf');
export const DEMO_NAME = 'demo-array.jsonc';
/** The demo array of the installation's conf/ (tests and tools); the provider reads demoFile(its conf folder). */
export const DEMO_FILE = path.join(CONF_DIR, DEMO_NAME);

/** The demo array file of a configuration folder: the same folder the settings come from (VASA_PROVIDER_CONF). */
export function demoFile(confDir: string): string {
  return path.join(confDir, DEMO_NAME);
}

/** A pool or LD number as the file may write it: "0001h", "0x1", or 1. */
type NumberText = number | string;
/** The file as the schema guarantees it, defaults filled in. */
interface DemoFile {
  arrays: {
    name: string; serial: string; wwn?: string; model: ArraySpec['model']; ip: string; monitoring: NonNullable<ArraySpec['monitoring']>;
    licences: ArraySpec['licences'];
    pools: (Omit<ArraySpec['pools'][number], 'poolNo'> & { poolNo: NumberText })[];
    ssv?: { pool: NumberText };
    pes: { pool: NumberText; ldn?: NumberText; hosts: string[] }[];
  }[];
}

const num = (v: NumberText): number => (typeof v === 'number' ? v : (parseHexNumber(v) as number));
/** `arrays[0].licences[2]` -> `arrays[0].licences`. */
const listOf = (path: string) => path.replace(/\[\d+\]$/, '');

/** The texts of each field's checks, also used when the field is missing. */
const FIELD_TEXTS: Record<string, (path: string, value: unknown) => string> = {
  name: (p) => `${p} must be a non-empty string`,
  serial: (p) => `${p} must be a non-empty string`,
  ip: (p) => `${p} must be a non-empty string`,
  model: (p) => `${p} must be one of ${MODELS.join(', ')}`,
  monitoring: (p) => `${p} must be one of ${MONITORING_STATES.join(', ')}`,
  poolNo: (p) => `${p} must be a pool number such as "0001h"`,
  pool: (p) => `${p} must be a pool number`,
  ldn: (p) => `${p} must be an LD number`,
  raid: (p) => `${p} must be one of ${RAID_TYPES.join(', ')}`,
  pdType: (p) => `${p} must be one of ${PD_TYPES.join(', ')}`,
  capacityGB: (p) => `${p} must be a number of at least 1`,
};
const field = (name: string): MessageRule => (f) => FIELD_TEXTS[name](f.path, f.data);
const unknownField = (f: Failure) => `${f.property}: unknown field (known: ${Object.keys(f.parentSchema.properties as object).join(', ')})`;

const { array: A, pool: P, pe: E, ssv: S } = DEMO_AT;
const required = (f: Failure) => FIELD_TEXTS[f.property?.split('.').pop() ?? '']?.(f.property ?? '', undefined);

const checkDemo = makeValidator<DemoFile>(DEMO_ARRAY_SCHEMA, {
  messages: {
    '#/type': () => 'the file must hold an object {"arrays": [...]}',
    '#/required': () => '"arrays" must be a list',
    '#/properties/arrays/type': () => '"arrays" must be a list',
    '#/additionalProperties': unknownField,
    [`${A}/additionalProperties`]: unknownField,
    [`${P}/additionalProperties`]: unknownField,
    [`${E}/additionalProperties`]: unknownField,
    [`${S}/additionalProperties`]: unknownField,
    [`${A}/required`]: required,
    [`${P}/required`]: required,
    [`${E}/required`]: required,
    [`${S}/required`]: required,
    [`${A}/properties/name`]: field('name'),
    [`${A}/properties/serial`]: field('serial'),
    [`${A}/properties/ip`]: field('ip'),
    [`${A}/properties/model`]: field('model'),
    [`${A}/properties/monitoring`]: field('monitoring'),
    [`${A}/properties/licences/items`]: (f) => `${listOf(f.path)}: unknown licence ${JSON.stringify(f.data)}`,
    [`${P}/properties/poolNo`]: field('poolNo'),
    [`${P}/properties/raid`]: field('raid'),
    [`${P}/properties/pdType`]: field('pdType'),
    [`${P}/properties/capacityGB`]: field('capacityGB'),
    [`${S}/properties/pool`]: field('pool'),
    [`${E}/properties/pool`]: field('pool'),
    [`${E}/properties/ldn`]: field('ldn'),
  },
});

/** The disk arrays of a demo-array file, checked against its schema; throws with every problem at once. */
export function loadDemoArrays(file = DEMO_FILE): ArraySpec[] {
  const v = checkDemo(parseJsonc(fs.readFileSync(file, 'utf8'), file));
  if (!v.ok) throw new Error(`${file} has ${v.problems.length} problem(s):\n  - ${v.problems.join('\n  - ')}`);
  const specs = v.value.arrays.map((a): ArraySpec => ({
    name: a.name, serial: a.serial, wwn: a.wwn?.replace(/[\s:-]/g, ''), model: a.model, ip: a.ip, monitoring: a.monitoring, licences: a.licences,
    pools: a.pools.map((p) => ({ ...p, poolNo: num(p.poolNo) })),
    ssv: a.ssv && { pool: num(a.ssv.pool) },
    pes: a.pes.map((pe) => ({ pool: num(pe.pool), ldn: pe.ldn === undefined ? undefined : num(pe.ldn), hosts: pe.hosts })),
  }));
  return Object.freeze(specs) as ArraySpec[];
}
