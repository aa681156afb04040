/**
 * Parsers for what administrators type: hex numbers (0010h), sizes (20g), capacity
 * with a unit, KEY=VALUE pairs, licence names in short forms, on/off. They throw
 * commander's InvalidArgumentError, so a bad value is a usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander';
import { parseHexNumber } from '../array/ids';
import { GiB, LICENCES, Licence, MiB, RAID_TYPES, TiB } from '../array/models';

export function hexNumber(what: string): (v: string) => number {
  return (v: string) => {
    const n = parseHexNumber(v);
    if (n === undefined) throw new InvalidArgumentError(`${what} must be a hexadecimal number such as 0010h.`);
    return n;
  };
}

export function integer(what: string, min = 0, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string) => {
    if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`${what} must be a whole number.`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`${what} must be from ${min} to ${max}.`);
    return n;
  };
}

export function positiveNumber(what: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(n > 0)) throw new InvalidArgumentError(`${what} must be a positive number.`);
    return n;
  };
}

const UNIT_BYTES: Record<string, number> = { m: MiB, g: GiB, t: TiB };

/** "20g", "512m", "1.5t", "2gb", "2GiB"; a bare number is in GB. */
export function size(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([mgt])?(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('the size must be a number with an optional unit m, g or t (for example 20g or 512m).');
  const bytes = Math.round(Number(m[1]) * UNIT_BYTES[(m[2] ?? 'g').toLowerCase()]);
  if (!(bytes > 0)) throw new InvalidArgumentError('the size must be positive.');
  return bytes;
}

export function unit(v: string): 'gb' | 'tb' {
  const u = v.toLowerCase();
  if (u !== 'gb' && u !== 'tb') throw new InvalidArgumentError('the unit must be gb or tb.');
  return u;
}

export function capacityBytes(capacity: number, u: 'gb' | 'tb' = 'gb'): number {
  return Math.round(capacity * (u === 'tb' ? TiB : GiB));
}

export function onOff(v: string): boolean {
  const s = v.toLowerCase();
  if (s === 'on') return true;
  if (s === 'off') return false;
  throw new InvalidArgumentError('the value must be on or off.');
}

/** KEY=VALUE (value may be empty, may contain "="). */
export function keyValue(v: string): [string, string] {
  const i = v.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`"${v}" is not KEY=VALUE.`);
  return [v.slice(0, i), v.slice(i + 1)];
}

export function keyValues(items: string[] = []): Record<string, string> {
  return Object.fromEntries(items.map(keyValue));
}

/** Query constraints: KEY=VALUE matches the value, KEY alone matches presence. */
export function constraints(items: string[] = []): { key: string; value?: string }[] {
  return items.map((it) => (it.includes('=') ? (([key, value]) => ({ key, value }))(keyValue(it)) : { key: it }));
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Short names the CLI accepts and prints, beside the full licence names of models.ts. */
export const LICENCE_SHORT: Record<Licence, string> = {
  'Virtual Volume': 'vvol',
  DynamicSnapVolume: 'snapshot',
  VolumeClone: 'clone',
  DynamicDataReplication: 'ddr',
  ThinProvisioning: 'thin',
  'I/O Load Manager': 'ioload',
};

const LICENCE_ALIASES: Record<string, Licence> = {
  vv: 'Virtual Volume',
  virtualvolume: 'Virtual Volume',
  vvols: 'Virtual Volume',
  snap: 'DynamicSnapVolume',
  dsv: 'DynamicSnapVolume',
  volumeclone: 'VolumeClone',
  vc: 'VolumeClone',
  replication: 'DynamicDataReplication',
  thinprovisioning: 'ThinProvisioning',
  tp: 'ThinProvisioning',
  io: 'I/O Load Manager',
  iolm: 'I/O Load Manager',
  ioloadmanager: 'I/O Load Manager',
};

/** A licence by full name (any case) or short form: snapshot, clone, ddr, vvol, thin, ioload. */
export function licence(v: string): Licence {
  const k = squash(v);
  for (const l of LICENCES) if (squash(l) === k || LICENCE_SHORT[l] === k) return l;
  const l = LICENCE_ALIASES[k];
  if (l) return l;
  throw new InvalidArgumentError(`unknown licence "${v}"; use one of ${LICENCES.map((x) => `${LICENCE_SHORT[x]} (${x})`).join(', ')}.`);
}

/** "6" -> RAID6, "1/10" -> RAID1/10, "raid6" -> RAID6, as iSMcfg poolbind -raid accepts. */
export function raid(v: string): string {
  const t = v.trim().toUpperCase();
  const name = t.startsWith('RAID') ? t : `RAID${/^TM$/.test(t) ? '-TM' : t}`;
  if (!(RAID_TYPES as readonly string[]).includes(name)) throw new InvalidArgumentError(`the RAID type must be one of ${RAID_TYPES.join(', ')}.`);
  return name;
}

export function pdType(v: string): 'SAS' | 'NLSAS' | 'SSD' {
  const t = v.toUpperCase();
  if (t !== 'SAS' && t !== 'NLSAS' && t !== 'SSD') throw new InvalidArgumentError('the PD type must be SAS, NLSAS or SSD.');
  return t;
}

/** iSMcfg names in "type:name" or ":name" form (generationdel -bvname/-svname); a bare name is kept. */
export function ldNameRef(v: string): string {
  const i = v.indexOf(':');
  const name = i >= 0 ? v.slice(i + 1) : v;
  if (!name) throw new InvalidArgumentError(`"${v}" names no logical disk.`);
  return name;
}

export function choice<T extends string>(what: string, values: readonly T[]): (v: string) => T {
  return (v: string) => {
    const t = values.find((x) => x === v.toLowerCase());
    if (!t) throw new InvalidArgumentError(`${what} must be one of ${values.join(', ')}.`);
    return t;
  };
}
