/**
 * Copies the arrays' events and alarms into the provider log as they appear (alarms at
 * warn level). Polled from the daemon's tick. The events vCenter's feed shows are logged
 * at info; the per-VVol configuration events it hides (a bind, a create, ...: thousands
 * a second in a boot storm, a tenth of the provider's CPU there when each was a log
 * line) at debug, and only read from the store when the log's level takes debug lines.
 * They all stay in the store for `vvolctl array events` and the support bundle.
 */
import type { DiskArrayEngine } from '../array/engine';
import { isArrayError } from '../array/errors';
import { VASA_HIDDEN_CONFIG } from '../array/events';
import type { ArrayAlarm, ArrayEvent } from '../array/types';
import type { Logger } from './logger';

/** Entries logged per event-loop turn: a busy array appends thousands a second. */
const CHUNK = 100;

export class EventLogger {
  private lastEvent: number;
  private lastAlarm: number;
  /** A backlog is being logged over several turns. */
  private draining = false;

  /** Starts after what the store holds now: earlier entries were logged by earlier runs. */
  constructor(private readonly engine: DiskArrayEngine, private readonly log: Logger) {
    this.lastEvent = engine.providerEventsSince('events', -1, 1).last;
    this.lastAlarm = engine.providerEventsSince('alarms', -1, 1).last;
  }

  /**
   * Logs what appeared since the last call. A backlog is logged CHUNK entries per
   * event-loop turn (thousands of lines at once held the VASA face for tens of ms, see
   * bench/ S7); a poll while one drains does nothing. Errors of the first chunk are
   * thrown to the caller, later ones logged.
   */
  poll(): void {
    if (this.draining) return;
    if (this.step()) this.continueLater();
  }

  private continueLater(): void {
    this.draining = true;
    setImmediate(() => {
      if (!this.engine.store.isOpen) {
        this.draining = false;
        return;
      }
      let more = false;
      try {
        more = this.step();
      } catch (e) {
        this.log.error(`event log: ${(e as Error).message}`);
      }
      if (more) this.continueLater();
      else this.draining = false;
    });
  }

  /**
   * Entries after `after`; when the store already dropped some of them (more arrived
   * between two polls than it keeps), says how many were missed and goes on from the
   * oldest it still holds instead of failing on every tick.
   */
  private since(table: 'events' | 'alarms' | 'feed', after: number): (ArrayEvent | ArrayAlarm)[] {
    const read = (from: number) => (table === 'feed' ? this.engine.vasaEvents(from, CHUNK) : this.engine.providerEventsSince(table, from, CHUNK)).entries;
    try {
      return read(after);
    } catch (e) {
      if (!isArrayError(e) || e.code !== 'LOST_EVENT') throw e;
      this.log.warn(`event log: ${table === 'alarms' ? 'alarms' : 'events'} after ${after} were dropped from the store before they could be logged; continuing with the oldest held`);
      return read(-1);
    }
  }

  /** Logs up to CHUNK events and CHUNK alarms; true when more are waiting. */
  private step(): boolean {
    const names = new Map(this.engine.listArrays().map((a) => [a.id, a.name]));
    // Without debug lines only the feed's events are read (its index holds nothing else).
    const everything = this.log.isLevelEnabled?.('debug') ?? true;
    const events = this.since(everything ? 'events' : 'feed', this.lastEvent) as ArrayEvent[];
    for (const e of events) {
      const hidden = e.type === 'Config' && e.objectType !== null && VASA_HIDDEN_CONFIG.includes(e.objectType);
      this.log.log(hidden ? 'debug' : 'info', `event ${e.gseq} [${names.get(e.arrayId) ?? e.arrayId}] ${e.type}${e.configType ? `/${e.configType}` : ''} ${e.messageId}: ${e.message}`);
      this.lastEvent = e.gseq;
    }
    const alarms = this.since('alarms', this.lastAlarm) as ArrayAlarm[];
    for (const a of alarms) {
      this.log.log(a.status === 'Green' ? 'info' : 'warn', `alarm ${a.gseq} [${names.get(a.arrayId) ?? a.arrayId}] ${a.status} ${a.type} ${a.messageId}: ${a.message}`);
      this.lastAlarm = a.gseq;
    }
    return events.length === CHUNK || alarms.length === CHUNK;
  }
}
