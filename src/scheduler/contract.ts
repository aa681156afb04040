/**
 * The image-backup scheduler's shape, as its faces (the admin REST API, the CLI groups
 * `schedule` and `image`) and its parts (the plan rules, the runner, the image store,
 * the mailer) see it. One implementation of every rule sits behind `ImageBackupApi`;
 * the faces only translate. Times are epoch milliseconds (UTC) unless a field says
 * otherwise; dates and slots of a plan are local to the plan's IANA time zone.
 */

/** A rule refused (HTTP 400/404/409/429, CLI exit 1): the message is what the user reads. */
export class SchedulerError extends Error {
  constructor(
    readonly code: 'INVALID' | 'NOT_FOUND' | 'CONFLICT' | 'LIMIT' | 'FAILED',
    message: string,
    /** The request field the message is about (e.g. "schedule.startMinute"), for 400s. */
    readonly field?: string,
    /** Machine-readable extras: suggested slots, the time the next backup is allowed, ... */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SchedulerError';
  }
}

export type ScheduleType = 'once' | 'daily' | 'weekly' | 'monthly';
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface ScheduleInput {
  type: ScheduleType;
  /** First local date the plan may run, YYYY-MM-DD (for `once`: the date it runs). */
  startDate: string;
  /** The one-hour start slot: local hour 0-23. */
  slotHour: number;
  /** Minute within the slot the run is aimed at (0-54; 55-59 refused). Default 0. */
  startMinute?: number;
  /** weekly: the day of the week. */
  weekday?: Weekday;
  /** monthly: a day of the month 1-31 ... */
  monthDay?: number;
  /** ... or an ordinal weekday ("third Monday": { ordinal: 3, weekday: 'mon' }; ordinal 5 or 'last'). */
  ordinal?: 1 | 2 | 3 | 4 | 5 | 'last';
}

export interface PlanInput {
  name: string;
  /** VM names as the provider knows them (src/backup/vm-resolver.ts), at least one. */
  vms: string[];
  enabled?: boolean;
  schedule: ScheduleInput;
  /** IANA time zone, e.g. "Europe/Berlin". */
  timeZone: string;
  /** Days an image is kept after its run's start (presets 7, 30, 365; daily: days, weekly: weeks * 7 ...). */
  retentionDays: number;
}

export interface Plan extends Required<Omit<PlanInput, 'schedule'>> {
  id: number;
  schedule: ScheduleInput;
  createdAt: number;
  updatedAt: number;
  /** The plan this one was made from ("job history"), if any. */
  derivedFrom: number | null;
  /** Next slot start (UTC ms) or null when none is left (a past one-time plan, disabled). */
  nextRunAt: number | null;
  /** Months in the coming year in which the monthly rule names no day (e.g. day 31, fifth Monday), YYYY-MM. */
  monthsWithoutRun: string[];
}

export type RunState = 'queued' | 'snapshotting' | 'archiving' | 'completed' | 'failed' | 'cancelled' | 'skipped' | 'missed';
export type RunVmState = 'waiting' | 'snapshotted' | 'archiving' | 'completed' | 'failed' | 'cancelled' | 'skipped';

export interface RunVm {
  vmId: string;
  vmName: string;
  state: RunVmState;
  /** Write load measured before the run (chunks written in the window); the order is by it, busiest first. */
  ioLoad: number;
  order: number;
  snapshotAt: number | null;
  snapshotReleasedAt: number | null;
  /** How long the VM's snapshot was held (ms), once released. */
  snapshotHeldMs: number | null;
  chunksDone: number;
  chunksTotal: number;
  bytesRead: number;
  bytesStored: number;
  imageId: string | null;
  message: string | null;
}

export interface Run {
  id: number;
  planId: number | null;
  planName: string | null;
  kind: 'scheduled' | 'immediate';
  state: RunState;
  /** The slot this run belongs to (UTC ms of the slot start), the idempotency key with planId. */
  slotStart: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** The one consistency point of the run: every image of it carries this backup time. */
  backupTime: number | null;
  message: string | null;
  vms: RunVm[];
}

export interface ImageDisk {
  /** vmdk file name (or "config"), the VVol's type and capacity in bytes. */
  name: string;
  role: 'config' | 'data';
  capacityBytes: number;
  chunks: number;
  /** The storage policy (profile id) the VVol had, if any. */
  policy: string | null;
}

export interface Image {
  id: string;
  runId: number;
  planId: number | null;
  vmId: string;
  vmName: string;
  backupTime: number;
  startedAt: number;
  finishedAt: number;
  expiresAt: number;
  disks: ImageDisk[];
  bytesRead: number;
  bytesStored: number;
  /** 'ok' usable; 'damaged' failed verification; 'missing' local copy gone (the second store may still have it). */
  local: 'ok' | 'damaged' | 'missing';
  /** Second store ("another region"): 'none' not configured, 'pending', 'ok', 'failed'. */
  secondary: 'none' | 'pending' | 'ok' | 'failed';
}

export type JobStatus = 'Success' | 'Failed' | 'Skipped' | 'Cancelled' | 'Running';

export interface HistoryEntry {
  jobId: string;
  type: 'backup' | 'restore';
  planName: string | null;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  status: JobStatus;
  vms: string[];
  message: string | null;
}

export interface RestoreRequest {
  imageId: string;
}

export interface RestoreResult {
  jobId: string;
  vmName: string;
  disks: { name: string; chunks: number }[];
  source: 'local' | 'secondary';
}

export interface VerifyResult {
  imageId: string;
  ok: boolean;
  problems: string[];
}

/** What the faces call. Each method is one rule set with one set of messages. */
export interface ImageBackupApi {
  listPlans(): Plan[];
  getPlan(id: number): Plan;
  createPlan(p: PlanInput): Plan;
  /** From a plan used before ("job history"): its fields, overridden by `changes`, under a new name. */
  createPlanFrom(sourcePlanId: number, changes: Partial<PlanInput> & { name: string }): Plan;
  updatePlan(id: number, changes: Partial<PlanInput>): Plan;
  deletePlan(id: number): void;
  setPlanEnabled(id: number, enabled: boolean): Plan;
  /** Immediate backup of a VM (5 per VM per 24 hours, counting scheduled ones). */
  backupNow(vmName: string): Run;
  listRuns(o?: { planId?: number; active?: boolean }): Run[];
  getRun(id: number): Run;
  cancelRun(id: number): Run;
  listImages(o?: { vmName?: string }): Image[];
  getImage(id: string): Image;
  deleteImage(id: string): void;
  verifyImage(id: string): VerifyResult;
  /**
   * Restores the image onto its VM and leaves the VM powered off. With vCenter the VM
   * is powered off through it first, so the job may still be Running when this returns
   * (follow it in the history); a VM that cannot be powered off is not overwritten and
   * the job ends Failed saying so.
   */
  restore(r: RestoreRequest): RestoreResult;
  history(o?: { days?: 7 | 'all' }): HistoryEntry[];
  /** CSV of the last 14 days, at most 2,000 rows. */
  reportCsv(): string;
}

// ---- parts behind the API ------------------------------------------------------------

/** The scheduler's settings (provider settings, section `imageBackup`), applied without restart. */
export interface SchedulerSettings {
  /** Plans that may start in one one-hour slot (seed 001: a slot has a maximum). Default 10. */
  slotCapacity: number;
  /** Archives written at once in a run (seed 003's N parallel readers). Default 4. */
  parallelReaders: number;
  /** The window over which each VM's write load is measured before a run, minutes. Default 60. */
  ioWindowMinutes: number;
  /** Chunks (1 MiB each) one reader archives per second of clock time. Default 200 (200 MiB/s). */
  readerChunksPerSecond: number;
  /** Days the image of an immediate backup is kept (the seeds' presets 7, 30, 365). Default 7. */
  immediateRetentionDays: number;
  /** The backup store; default `<data>/backups` (src/sys/layout.ts). */
  storeDir?: string;
  /** A second store location ("another region"), filled after the local copy; none by default. */
  secondaryDir?: string;
  mail: MailSettings;
}

export interface MailSettings {
  /** Without SMTP, mails are written to `<data>/outbox/*.eml`. */
  smtp?: { host: string; port: number; secure: boolean; user?: string; password?: string };
  from: string;
  to: string[];
}

/** One chunk of a disk as the image store keeps it: the content token, or null for a chunk never written (reads as zeros). */
export type ChunkContent = string | null;

export interface ImageManifestDisk extends ImageDisk {
  /** Per chunk index: the content hash (sha256 hex) or null (unallocated). */
  chunkHashes: (string | null)[];
}

export interface ImageManifest {
  imageId: string;
  runId: number;
  planId: number | null;
  vmId: string;
  vmName: string;
  backupTime: number;
  startedAt: number;
  finishedAt: number;
  disks: ImageManifestDisk[];
  bytesRead: number;
  bytesStored: number;
}

/** One chunk handed to an ImageWriter: its disk (addDisk's index), its index in the disk, its content token. */
export interface ChunkPut {
  disk: number;
  index: number;
  content: string;
}

/** Where an ImageWriter is: 'committing' from commit() until its outcome is known. */
export type ImageWriterState = 'open' | 'committing' | 'committed' | 'failed' | 'aborted';

/**
 * An image being written: chunks go into the content-addressed store as they are read;
 * nothing is visible until commit. The file work may run off the caller's thread (the
 * daemon's writers run in a worker thread, image-store/worker.ts), so puts are queued and
 * their outcome comes later: `bytesStored` and `pending` follow the work as it is done,
 * a failure shows in `error` (and fails flush and commit), and commit resolves once the
 * image is durable. `state`, `manifest` and `error` can be polled (a writer that works
 * in the caller's thread has them set when its call returns), or the promises awaited.
 */
export interface ImageWriter {
  readonly imageId: string;
  /** Adds a disk (checked at once: INVALID); returns its index in the manifest. */
  addDisk(d: ImageDisk): number;
  /** Queues chunks to store, in order (a chunk put again keeps its last content); returns at once. */
  putChunks(batch: readonly ChunkPut[]): void;
  /** Chunks queued and not yet stored (the caller holds back while it is large). */
  readonly pending: number;
  /** Bytes newly stored by the chunks stored so far (0 for content the store had). */
  readonly bytesStored: number;
  /** The first failure of the queued work or of the commit, once known; the writer is then of no more use but to abort. */
  readonly error: Error | undefined;
  readonly state: ImageWriterState;
  /** The committed manifest, once state is 'committed'. */
  readonly manifest: ImageManifest | undefined;
  /** Resolves with bytesStored once every chunk queued so far is stored; rejects with `error`. */
  flush(): Promise<number>;
  /** Stores what is queued, writes the manifest (hashed) and makes the image visible, atomically; resolves once durable. */
  commit(meta: Omit<ImageManifest, 'disks' | 'bytesStored' | 'imageId'>): Promise<ImageManifest>;
  /** Drops the staging image (after the queued work); chunks only it referenced become garbage. Nothing once committed. */
  abort(): Promise<void>;
}

export interface ImageReader {
  readonly manifest: ImageManifest;
  /** The chunk's content, checked against its hash (throws SchedulerError FAILED when damaged). */
  chunk(disk: number, index: number): ChunkContent;
}

/** The backup store: content-addressed chunks shared by every image, manifests per image. */
export interface ImageStoreApi {
  readonly dir: string;
  begin(imageId: string): ImageWriter;
  has(imageId: string): boolean;
  open(imageId: string): ImageReader;
  /** Every chunk and the manifest re-hashed. */
  verify(imageId: string): VerifyResult;
  /** Removes the image; chunks another image needs stay. */
  delete(imageId: string): void;
  list(): string[];
  /** Copies the image (its manifest and the chunks the other store lacks) into another store; returns bytes copied. */
  copyTo(imageId: string, other: ImageStoreApi): number;
  /** Ends the store's background work (a worker thread) once its writers are done; the next begin starts it again. */
  close(): Promise<void>;
}

export interface JobMail {
  jobId: string;
  type: 'backup' | 'restore';
  status: JobStatus;
  planName: string | null;
  vms: string[];
  startedAt: number;
  finishedAt: number;
  message: string | null;
}

/** Sends one mail per finished job (times in UTC). Never throws: a failure is returned for the service's status. */
export interface JobMailer {
  send(job: JobMail): Promise<{ ok: true; where: string } | { ok: false; error: string }>;
}

/** One start of a plan: its one-hour slot (UTC ms) and the moment inside it the run is aimed at. */
export interface SlotOccurrence {
  planId: number;
  /** Idempotency key of the run: `${planId}@${slotStart}`. */
  slotStart: number;
  slotEnd: number;
  startAt: number;
}

/** The plans (schedule management) as the runner and the API use them. */
export interface PlanBook {
  list(): Plan[];
  get(id: number): Plan;
  create(p: PlanInput): Plan;
  createFrom(sourcePlanId: number, changes: Partial<PlanInput> & { name: string }): Plan;
  update(id: number, changes: Partial<PlanInput>): Plan;
  delete(id: number): void;
  setEnabled(id: number, enabled: boolean): Plan;
  /** Every start of every enabled plan whose slot begins in [fromMs, toMs), in time order. */
  occurrences(fromMs: number, toMs: number): SlotOccurrence[];
}
