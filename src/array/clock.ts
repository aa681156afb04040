/**
 * The one source of time. Everything that depends on time (task progress, event
 * timestamps, snapshot times, relation-file names) takes a Clock, so tests move
 * time by hand and nothing reads the wall clock directly.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: number | Date = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    if (ms < 0) throw new Error('a clock never goes back');
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}
