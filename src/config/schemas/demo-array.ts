/**
 * JSON Schema of conf/demo-array.jsonc, the disk arrays a fresh data folder gets (see
 * src/config/demo-array.ts for the texts of each check). Pool and LD numbers are written
 * as iSM shows them ("0001h", "0x0001") or as plain integers. A misspelt field is
 * refused, not ignored.
 */
import { LICENCES, MODELS, MONITORING_STATES, PD_TYPES, RAID_TYPES } from '../../array/models';

const NON_EMPTY = { type: 'string', pattern: '\\S' } as const;
/** What parseHexNumber (src/array/ids.ts) reads, or a plain integer. */
const NUMBER_OF_POOL_OR_LD = {
  anyOf: [
    { type: 'integer', minimum: 0, maximum: 0xffff },
    { type: 'string', pattern: '^\\s*(0[xX])?[0-9a-fA-F]{1,4}[hH]?\\s*$' },
  ],
} as const;

const POOL = {
  type: 'object',
  required: ['poolNo', 'raid', 'pdType', 'capacityGB'],
  additionalProperties: false,
  properties: {
    poolNo: NUMBER_OF_POOL_OR_LD,
    name: { type: 'string', default: '' },
    virtual: { type: 'boolean', default: false },
    container: { type: 'boolean', default: false },
    raid: { type: 'string', enum: RAID_TYPES },
    pdType: { type: 'string', enum: PD_TYPES },
    encrypted: { type: 'boolean', default: false },
    capacityGB: { type: 'number', minimum: 1 },
    virtualCapacityGB: { type: 'number', minimum: 1 },
    threshold: { type: 'number', minimum: 0, maximum: 100 },
  },
} as const;

const PE = {
  type: 'object',
  required: ['pool'],
  additionalProperties: false,
  properties: {
    pool: NUMBER_OF_POOL_OR_LD,
    ldn: NUMBER_OF_POOL_OR_LD,
    hosts: { type: 'array', items: { type: 'string' }, default: [] },
  },
} as const;

const ARRAY = {
  type: 'object',
  required: ['name', 'serial', 'model', 'ip'],
  additionalProperties: false,
  properties: {
    name: NON_EMPTY,
    serial: NON_EMPTY,
    // 16 hex digits, with spaces, colons or dashes between them if wanted (the engine checks the digits).
    wwn: { type: 'string' },
    model: { type: 'string', enum: MODELS },
    ip: NON_EMPTY,
    monitoring: { type: 'string', enum: MONITORING_STATES, default: 'Running' },
    licences: { type: 'array', items: { type: 'string', enum: LICENCES }, default: [] },
    pools: { type: 'array', items: POOL, default: [] },
    ssv: { type: 'object', required: ['pool'], additionalProperties: false, properties: { pool: NUMBER_OF_POOL_OR_LD } },
    pes: { type: 'array', items: PE, default: [] },
  },
} as const;

/**
 * The parts are written out in place, not as $refs: ajv names a failure inside a $ref
 * by its place in the part, which would not tell a pool's "pool" from a PE's.
 */
export const DEMO_ARRAY_SCHEMA = {
  $id: 'demo-array',
  type: 'object',
  required: ['arrays'],
  additionalProperties: false,
  properties: {
    arrays: { type: 'array', items: ARRAY },
  },
} as const;

/** Schema locations of the parts, for the texts of their checks. */
export const DEMO_AT = {
  array: '#/properties/arrays/items',
  pool: '#/properties/arrays/items/properties/pools/items',
  pe: '#/properties/arrays/items/properties/pes/items',
  ssv: '#/properties/arrays/items/properties/ssv',
} as const;
