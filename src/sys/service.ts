/**
 * The shape of a service (the relation writer now; policies, backup volumes and the
 * image-backup scheduler next): the assembly builds each once, the daemon keeps a plain
 * list, starts them after the VASA face, hands them every settings change and stops
 * them in reverse order. A service owns its tables and files and reports its last
 * success and failure through status(), which `status` and the support bundle show.
 */
export interface Outcome {
  at: number;
  message: string;
}

export interface ServiceStatus {
  name: string;
  running: boolean;
  lastSuccess?: Outcome;
  lastFailure?: Outcome;
}

/** S: the settings the service is handed (the provider settings); generic so this room depends on nothing above it. */
export interface Service<S = unknown> {
  readonly name: string;
  /** Starts its timers or workers; the daemon calls it once. */
  start(): void | Promise<void>;
  /** Stops them and waits for work in progress. */
  stop(): Promise<void>;
  /** A settings change, applied without a restart (a bad value is refused with an Error, keeping the old one). */
  applySettings(s: S): void;
  status(): ServiceStatus;
}
