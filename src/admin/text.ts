/**
 * Text layout helpers shared by the iSM-style displays: `Key   : value` detail lines,
 * fixed-column tables whose header matches the manual, capacities and times.
 */
import { hex4 } from '../array/ids';
import { GiB } from '../array/models';

/** iSMview detail width: the key is padded to 22 characters, then ": ". */
export const KEY_WIDTH = 22;

export function kv(key: string, value: string | number, width = KEY_WIDTH): string {
  return `${key.padEnd(width)}: ${value}`.trimEnd();
}

export interface Column {
  label: string;
  width: number;
}

/**
 * Header and rows in fixed columns, trailing blanks trimmed. Columns are tab stops:
 * a value too long for its column keeps one space before the next value, and the
 * columns after it snap back to their stops as soon as there is room.
 */
export function table(columns: Column[], rows: string[][]): string[] {
  const line = (cells: string[]) => {
    let out = '';
    let stop = 0;
    cells.forEach((c, i) => {
      if (i > 0) out = out.length < stop ? out.padEnd(stop) : `${out} `;
      out += c;
      stop += columns[i]?.width ?? 0;
    });
    return out.trimEnd();
  };
  return [line(columns.map((c) => c.label)), ...rows.map(line)];
}

/** A table whose columns are as wide as their widest value (for the CLI's own lists). */
export function autoTable(labels: string[], rows: string[][]): string[] {
  const widths = labels.map((l, i) => Math.max(l.length, ...rows.map((r) => (r[i] ?? '').length)) + 2);
  return table(labels.map((label, i) => ({ label, width: widths[i] })), rows);
}

export function thousands(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1817.0GB(1,950,988,894,208Bytes)`: GB with one decimal, cut (not rounded) as iSMview does. */
export function capacity(bytes: number): string {
  const gb = Math.floor((bytes * 10) / GiB) / 10;
  return `${gb.toFixed(1)}GB(${thousands(bytes)}Bytes)`;
}

/** `YYYY/MM/DD hh:mm:ss` in UTC, as iSMrc_query and iSMsc_query show times. */
export function ismTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Hex LD numbers, comma-separated, or `---`. */
export function hexList(ns: number[]): string {
  return ns.length ? ns.map(hex4).join(',') : '---';
}

export const yesNo = (b: boolean) => (b ? 'Yes' : 'No');
export const onOffText = (b: boolean) => (b ? 'on' : 'off');
