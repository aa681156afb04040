/**
 * What every engine operation gets: the store, the clock and the tunables. Made once
 * by the engine and passed down; nothing here is global.
 */
import type { Store } from '../store/db';
import type { Clock } from './clock';
import type { DiskArray } from './types';

export interface EngineOptions {
  /** Copy rate of full clones, replication and restore, in bytes per second. */
  copyBytesPerSec: number;
  /** Rate at which a deleted snapshot's chunks are released in the background, bytes per second. */
  snapshotDeleteBytesPerSec: number;
  /**
   * Entries kept: per array, the last this many sequence numbers of the events vCenter's
   * feed hides (per-VVol configuration) and of alarms; provider-wide, the last this many
   * events the feed shows. Older ones are dropped (a client asking for them gets LostEvent).
   */
  eventRetention: number;
  /** ...but no event the feed shows and no alarm is dropped before it is this old (ms), up to ten times the count. */
  eventRetentionMs: number;
  /** Finished tasks are kept this long (ms) for clients that poll late. */
  taskRetentionMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  copyBytesPerSec: 200 * 1024 * 1024,
  snapshotDeleteBytesPerSec: 1024 * 1024 * 1024,
  eventRetention: 10_000,
  eventRetentionMs: 15 * 60_000,
  taskRetentionMs: 24 * 3600 * 1000,
};

export interface Ctx {
  /**
   * Queries go through store.get/all/run with the module's own SQL (src/array/ owns its
   * SQL); transactions only through store.tx, store.read and store.savepoint (one item
   * of a batch), never through the connection underneath.
   */
  store: Store;
  clock: Clock;
  opts: EngineOptions;
  /**
   * The arrays this engine sees (the VASA face and the relation writer: the managed
   * ones); undefined: all. An array outside it, and everything on it, does not exist
   * for lookups through this context. Read on every lookup, so a settings change
   * applies at once.
   */
  scope?: (a: DiskArray) => boolean;
}
