/**
 * Loads and validates conf/demo-array.jsonc (the embedded default). All problems are
 * reported together; the result is frozen.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ArraySpec } from '../array/bootstrap';
import { LICENCES, MODELS, MONITORING_STATES, PD_TYPES, RAID_TYPES } from '../array/models';
import { parseHexNumber } from '../array/ids';
import { parseJsonc } from './jsonc';

export const CONF_DIR = path.resolve(__dirname, '..', '..', 'conf');
export const DEMO_FILE = path.join(CONF_DIR, 'demo-array.jsonc');

type Obj = Record<string, unknown>;

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') return parseHexNumber(v);
  return undefined;
}

export function loadDemoArrays(file = DEMO_FILE): ArraySpec[] {
  const raw = parseJsonc(fs.readFileSync(file, 'utf8'), file) as Obj;
  const problems: string[] = [];
  const arrays = Array.isArray(raw.arrays) ? (raw.arrays as Obj[]) : [];
  if (!Array.isArray(raw.arrays)) problems.push('"arrays" must be a list');
  const specs = arrays.map((a, i): ArraySpec => {
    const at = `arrays[${i}]`;
    const str = (k: string): string => {
      if (typeof a[k] !== 'string' || !(a[k] as string).trim()) problems.push(`${at}.${k} must be a non-empty string`);
      return String(a[k] ?? '');
    };
    const model = str('model');
    if (!(MODELS as readonly string[]).includes(model)) problems.push(`${at}.model must be one of ${MODELS.join(', ')}`);
    const monitoring = (a.monitoring as string | undefined) ?? 'Running';
    if (!(MONITORING_STATES as readonly string[]).includes(monitoring)) problems.push(`${at}.monitoring must be one of ${MONITORING_STATES.join(', ')}`);
    const licences = (Array.isArray(a.licences) ? a.licences : []) as string[];
    for (const l of licences) if (!(LICENCES as readonly string[]).includes(l)) problems.push(`${at}.licences: unknown licence "${l}"`);
    const pools = ((Array.isArray(a.pools) ? a.pools : []) as Obj[]).map((p, j) => {
      const pat = `${at}.pools[${j}]`;
      const poolNo = num(p.poolNo);
      if (poolNo === undefined) problems.push(`${pat}.poolNo must be a pool number such as "0001h"`);
      if (!(RAID_TYPES as readonly string[]).includes(String(p.raid))) problems.push(`${pat}.raid must be one of ${RAID_TYPES.join(', ')}`);
      if (!(PD_TYPES as readonly string[]).includes(String(p.pdType))) problems.push(`${pat}.pdType must be one of ${PD_TYPES.join(', ')}`);
      if (typeof p.capacityGB !== 'number' || p.capacityGB < 1) problems.push(`${pat}.capacityGB must be a number of at least 1`);
      return {
        poolNo: poolNo ?? 0, name: String(p.name ?? ''), virtual: !!p.virtual, container: !!p.container, raid: String(p.raid),
        pdType: p.pdType as ArraySpec['pools'][number]['pdType'], encrypted: !!p.encrypted, capacityGB: Number(p.capacityGB),
        virtualCapacityGB: p.virtualCapacityGB === undefined ? undefined : Number(p.virtualCapacityGB),
        threshold: p.threshold === undefined ? undefined : Number(p.threshold),
      };
    });
    const ssvPool = a.ssv ? num((a.ssv as Obj).pool) : undefined;
    if (a.ssv && ssvPool === undefined) problems.push(`${at}.ssv.pool must be a pool number`);
    const pes = ((Array.isArray(a.pes) ? a.pes : []) as Obj[]).map((pe, j) => {
      const pool = num(pe.pool);
      if (pool === undefined) problems.push(`${at}.pes[${j}].pool must be a pool number`);
      const ldn = pe.ldn === undefined ? undefined : num(pe.ldn);
      if (pe.ldn !== undefined && ldn === undefined) problems.push(`${at}.pes[${j}].ldn must be an LD number`);
      return { pool: pool ?? 0, ldn, hosts: (Array.isArray(pe.hosts) ? pe.hosts : []).map(String) };
    });
    return {
      name: str('name'), serial: str('serial'), wwn: a.wwn === undefined ? undefined : String(a.wwn).replace(/[\s:-]/g, ''),
      model: model as ArraySpec['model'], ip: str('ip'), monitoring: monitoring as ArraySpec['monitoring'],
      licences: licences as ArraySpec['licences'], pools, ssv: ssvPool === undefined ? undefined : { pool: ssvPool }, pes,
    };
  });
  if (problems.length) throw new Error(`${file} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  return Object.freeze(specs) as ArraySpec[];
}
