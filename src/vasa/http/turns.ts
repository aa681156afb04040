/**
 * Calls run one per event-loop turn: a call's work is synchronous (the store is), so
 * without this every call whose body arrived in the same turn ran back to back, and
 * timers, new connections and TLS handshakes waited for all of them.
 */
export class Turns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  /** Calls ready to run, waiting for their turn (a group commit waits for them: Store.group). */
  get pending(): number {
    return this.waiting.length;
  }

  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.run);
      }
    });
  }

  private readonly run = (): void => {
    const resolve = this.waiting.shift();
    if (this.waiting.length) setImmediate(this.run);
    else this.scheduled = false;
    resolve?.();
  };
}
