/**
 * Copies the arrays' events and alarms into the provider log as they appear, so the
 * log holds every one of them (alarms at warn level). Polled from the daemon's tick.
 */
import type { DiskArrayEngine } from '../array/engine';
import type { ArrayAlarm, ArrayEvent } from '../array/types';
import type { Logger } from './logger';

export class EventLogger {
  private lastEvent: number;
  private lastAlarm: number;

  /** Starts after what the store holds now: earlier entries were logged by earlier runs. */
  constructor(private readonly engine: DiskArrayEngine, private readonly log: Logger) {
    this.lastEvent = engine.providerEventsSince('events', -1, 1).last;
    this.lastAlarm = engine.providerEventsSince('alarms', -1, 1).last;
  }

  poll(): void {
    const names = new Map(this.engine.listArrays().map((a) => [a.id, a.name]));
    for (;;) {
      const r = this.engine.providerEventsSince('events', this.lastEvent, 500);
      for (const e of r.entries as ArrayEvent[]) {
        this.log.info(`event ${e.gseq} [${names.get(e.arrayId) ?? e.arrayId}] ${e.type}${e.configType ? `/${e.configType}` : ''} ${e.messageId}: ${e.message}`);
        this.lastEvent = e.gseq;
      }
      if (r.entries.length < 500) break;
    }
    for (;;) {
      const r = this.engine.providerEventsSince('alarms', this.lastAlarm, 500);
      for (const a of r.entries as ArrayAlarm[]) {
        this.log.log(a.status === 'Green' ? 'info' : 'warn', `alarm ${a.gseq} [${names.get(a.arrayId) ?? a.arrayId}] ${a.status} ${a.type} ${a.messageId}: ${a.message}`);
        this.lastAlarm = a.gseq;
      }
      if (r.entries.length < 500) break;
    }
  }
}
