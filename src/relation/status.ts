/**
 * The relation room's own status reader: what the writer last did for an array (time
 * and file of the last success, time and message of the last failure), read from the
 * state file the writer keeps, so `status` and the support bundle show the daemon's
 * outcome from another process.
 */
import path from 'node:path';
import { arrayFolders, LATEST_FOLDER, listNames, STATE_FILE, XML_NAME } from './paths';
import { loadState, RelationState } from './state';

export interface RelationStatus {
  /** ISO time of the last successful pass over the array (a file written, or no change). */
  lastWrite?: string;
  /** The latest relation file. */
  file?: string;
  lastResult?: 'written' | 'failed';
  /** The manual's message (X5) and its cause, when the last pass failed. */
  lastError?: string;
  lastFailureAt?: string;
}

export function readRelationState(dataDir: string): RelationState {
  return loadState(path.join(dataDir, LATEST_FOLDER, STATE_FILE)).state;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function relationStatus(dataDir: string, a: { name: string; wwn: string }, state: RelationState = readRelationState(dataDir)): RelationStatus | null {
  const out: RelationStatus = {};
  const o = state.outcomes?.[a.wwn];
  const latestDir = arrayFolders(dataDir, a).latest;
  const names = listNames(latestDir, XML_NAME);
  if (names.length) out.file = path.join(latestDir, names[names.length - 1]);
  if (o?.lastSuccess) out.lastWrite = iso(o.lastSuccess.at);
  else if (state.arrays[a.wwn]) out.lastWrite = iso(state.arrays[a.wwn].writtenAt);
  const failedLast = o?.lastFailure && (!o.lastSuccess || o.lastFailure.at >= o.lastSuccess.at);
  if (failedLast && o?.lastFailure) {
    out.lastResult = 'failed';
    out.lastError = `${o.lastFailure.message} (${o.lastFailure.cause})`;
    out.lastFailureAt = iso(o.lastFailure.at);
  } else if (out.lastWrite || out.file) out.lastResult = 'written';
  return Object.keys(out).length ? out : null;
}
