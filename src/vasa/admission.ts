/**
 * Admission control. vCenter and every ESXi host poll every 10 s, and after a provider
 * restart every host calls setContext at once. Work is bounded: at most `concurrent`
 * calls run, at most `queued` wait; beyond that a call is answered VasaProviderBusy
 * at once instead of timing out. A session may hold at most
 * `perSession` calls in progress (advertised as maxConcurrentRequestsPerSession).
 */
export interface AdmissionOptions {
  concurrent: number;
  queued: number;
  perSession: number;
  /** A queued call that waited this long is answered busy. */
  maxWaitMs: number;
}

export const DEFAULT_ADMISSION: AdmissionOptions = { concurrent: 64, queued: 1024, perSession: 16, maxWaitMs: 10_000 };

export class Busy extends Error {
  constructor(readonly reason: string) {
    super(`The provider is busy (${reason}); retry shortly.`);
    this.name = 'Busy';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Admission {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  readonly opts: AdmissionOptions;
  rejected = 0;

  constructor(opts: Partial<AdmissionOptions> = {}) {
    this.opts = { ...DEFAULT_ADMISSION, ...opts };
  }

  /** Waits for a slot (or fails fast with Busy); call the returned release when done. */
  async enter(): Promise<() => void> {
    if (this.running < this.opts.concurrent) {
      this.running++;
      return this.release();
    }
    if (this.waiting.length >= this.opts.queued) {
      this.rejected++;
      throw new Busy('too many requests waiting');
    }
    await new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiting.indexOf(w);
          if (i >= 0) this.waiting.splice(i, 1);
          this.rejected++;
          reject(new Busy('waited too long for a slot'));
        }, this.opts.maxWaitMs),
      };
      w.timer.unref();
      this.waiting.push(w);
    });
    return this.release();
  }

  private release(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) {
        clearTimeout(next.timer);
        next.resolve(); // the slot passes on directly
      } else this.running--;
    };
  }

  stats(): { running: number; waiting: number; rejected: number } {
    return { running: this.running, waiting: this.waiting.length, rejected: this.rejected };
  }
}
