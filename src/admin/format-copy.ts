/**
 * Displays of the copy functions as the manual's Appendix A.2 shows them:
 * iSMsc_query (BV Information / SV Information), iSMrc_query (MV/RV pair blocks)
 * and the start lines of iSMrc_separate / iSMrc_replicate / iSMrc_restore.
 */
import type { LogicalDisk, ReplicationPair, SnapshotGeneration } from '../array/types';
import { ismTime } from './text';

const bvState = (bv: LogicalDisk) => (bv.state === 'ready' ? 'normal' : bv.state);

/** One SV line: `   -:<ESV name> (  -1) snap/active   [YYYY/MM/DD hh:mm:ss]`. */
export function svLine(g: SnapshotGeneration): string {
  return `   -:${g.name} (${String(g.relative).padStart(4)}) snap/${g.state}   [${ismTime(g.createdAt)}]`;
}

export function scQuery(bv: LogicalDisk, gens: SnapshotGeneration[]): string[] {
  return [
    'BV Information',
    `   LD Name     : ${bv.name}`,
    '   Type        : -',
    '   Special File: -',
    `   State       : ${bvState(bv)}`,
    '   Reserve Area: verified',
    '',
    'SV Information',
    ...gens.map(svLine),
  ];
}

const top = (key: string, value: string) => `${key.padEnd(23)}${value}`;
const sub = (key: string, value: string) => `     ${key.padEnd(19)}${value}`;
const kb = (bytes: number) => `${Math.ceil(bytes / 1024)}KB`;

export function pairBlock(p: ReplicationPair): string[] {
  return [
    top('MV: Special File', '-'),
    sub('LD Name', p.mvName),
    sub('Type', '-'),
    top('RV: Special File', '-'),
    sub('LD Name', p.rvName),
    sub('Type', '-'),
    top('Activity State', p.activity),
    top('Sync State', p.syncState),
    top('Copy Control State', p.copyControl),
    top('Separate Start Time', ismTime(p.separateStart)),
    top('Separate End Time', ismTime(p.separateEnd)),
    top('Separate Diff', kb(p.separateDiffBytes)),
    top('Copy Diff', kb(p.copyDiffBytes)),
    top('RV Access', p.rvAccess),
    top('Previous Active', p.previousActive),
  ];
}

export function rcQuery(pairs: ReplicationPair[]): string[] {
  const out: string[] = [];
  pairs.forEach((p, i) => {
    if (i > 0) out.push('');
    out.push(...pairBlock(p));
  });
  return out;
}

/** `Separate Start   <time>` then the MV and RV lines, as iSMrc_separate prints them. */
export function pairStart(what: 'Separate' | 'Replicate' | 'Restore', time: number, p: ReplicationPair): string[] {
  const vol = (tag: 'MV' | 'RV', name: string) => `   ${tag}:-${' '.repeat(64)}${name.padEnd(20)}-`;
  return [`${`${what} Start`.padEnd(28)}${ismTime(time)}`, vol('MV', p.mvName), vol('RV', p.rvName)];
}
