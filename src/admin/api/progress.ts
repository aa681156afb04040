/**
 * A run's progress over all its VMs (chunks archived of chunks to archive, VMs done),
 * as the API's `progress` field and the CLI's progress lines show it: presentation of
 * the run the service reports, no rule of its own.
 */
import type { Run, RunState } from '../../scheduler/contract';

export interface RunProgress {
  chunksDone: number;
  chunksTotal: number;
  percent: number;
  vmsDone: number;
  vmsTotal: number;
}

/** Runs in these states will not change any more. */
export const FINAL_RUN_STATES: ReadonlySet<RunState> = new Set(['completed', 'failed', 'cancelled', 'skipped', 'missed']);

const VM_DONE = new Set(['completed', 'failed', 'cancelled', 'skipped']);

export function runProgress(r: Run): RunProgress {
  const chunksDone = r.vms.reduce((n, v) => n + v.chunksDone, 0);
  const chunksTotal = r.vms.reduce((n, v) => n + v.chunksTotal, 0);
  const percent = r.state === 'completed' ? 100 : chunksTotal > 0 ? Math.min(100, Math.floor((chunksDone * 100) / chunksTotal)) : 0;
  return { chunksDone, chunksTotal, percent, vmsDone: r.vms.filter((v) => VM_DONE.has(v.state)).length, vmsTotal: r.vms.length };
}

/** The run as the API sends it: the service's fields and its progress. */
export function withProgress(r: Run): Run & { progress: RunProgress } {
  return { ...r, progress: runProgress(r) };
}
