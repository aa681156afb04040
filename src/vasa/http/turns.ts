/**
 * Calls run one per event-loop turn: a call's work is synchronous (the store is), so
 * without this every call whose body arrived in the same turn ran back to back, and
 * timers, new connections and TLS handshakes waited for all of them.
 */
export class Turns {
  private readonly waiting: { resolve: () => void; call: boolean }[] = [];
  private calls = 0;
  private scheduled = false;

  /** Calls ready to run, waiting for their turn (a group commit waits for them: Store.group). */
  get pending(): number {
    return this.calls;
  }

  /** A call's turn to run its handler. */
  next(): Promise<void> {
    return this.wait(true);
  }

  /**
   * A turn to finish a call whose handler already ran (encode and send its answer). Not
   * counted in `pending`: a group commit has nothing to wait for from it.
   */
  resume(): Promise<void> {
    return this.wait(false);
  }

  private wait(call: boolean): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push({ resolve, call });
      if (call) this.calls++;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.run);
      }
    });
  }

  private readonly run = (): void => {
    const next = this.waiting.shift();
    if (this.waiting.length) setImmediate(this.run);
    else this.scheduled = false;
    if (!next) return;
    if (next.call) this.calls--;
    next.resolve();
  };
}
