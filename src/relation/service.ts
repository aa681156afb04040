/**
 * The relation service (X1-X5): at every output interval it checks each registered
 * array for a configuration change and, only then, writes a new latest XML, archives
 * the previous one as a zip and prunes zips older than three days. A failure keeps the
 * earlier files, is reported with the manual's message (log, onFailure for the alarm,
 * the result) and is retried at the next interval; nothing escapes the periodic loop.
 *
 * VM and datacenter names come from `vmNaming` (the vCenter link, src/vcenter/), asked
 * once per pass; without it, or without vCenter settings, from the VVols' metadata.
 * When vCenter is set but no inventory was ever read, every array fails with B.1's
 * "... because login to vCenter Server failed." and the earlier files stay.
 *
 * Where the work runs: deciding (signatures, the state file), the lock, outcomes and
 * alarms run here; the heavy part of a changed array (reading its LDs, writing the XML,
 * zipping the previous one: array-file.ts) runs in this thread, or with `inWorker` (the
 * daemon) in a worker thread with its own read-only connection to the store
 * (worker-client.ts), so the VASA face keeps answering during a long pass.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../array/clock';
import { MSG } from '../array/messages';
import type { DiskArray } from '../array/types';
import { ArrayFileRequest, writeArrayFile, WrittenFile } from './array-file';
import { RelationBusyError, withRelationLock } from './lock';
import type { RelationSource } from './model';
import { arrayFolders, LATEST_FOLDER, listNames, STATE_FILE, XML_NAME } from './paths';
import { pruneArchive } from './rotation';
import { configSignature, loadState, RelationState, saveState } from './state';
import { RelationWorker } from './worker-client';
import type { ProviderSettings } from '../config/settings-schema';
import type { Service, ServiceStatus } from '../sys/service';
import { RELATION_LOGIN_FAILED } from '../vcenter/messages';
import { VmNaming, type VmNamingData } from '../vcenter/naming';

/** X5, verbatim from the manual (Appendix B). */
export const RELATION_WRITE_FAILED = MSG.relationWriteFailed;
export const INTERVAL_RANGE_MESSAGE = 'Invalid time value. Please set up an integer between 5 and 1440.';

export interface RelationLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RelationFailure {
  array: string;
  wwn: string;
  message: string;
  cause: string;
}

export interface RelationOptions {
  /** L11: 5..1440, default 5. */
  intervalMinutes: number;
  /** Datacenter name written without vCenter settings (with them, vCenter's datacenters are). */
  datacenter: string;
  /**
   * How VMs are named for a pass (the vCenter link); called once per pass with the
   * `datacenter` option. Absent: by the VVols' metadata, in `datacenter`.
   */
  vmNaming?: (datacenter: string) => Promise<VmNamingData>;
  /** The vCenterServer attribute (its address), empty while none is registered. */
  vCenterServer: string;
  /** Called on every write failure, so the daemon can raise an alarm. */
  onFailure?: (f: RelationFailure) => void;
  /** How long a pass waits for another process writing the same folders. */
  lockWaitMs: number;
  /** How often start()'s timer looks whether a pass is due. */
  pollMs: number;
  pageVvols?: number;
  /**
   * Write the files in a worker thread reading its own connection to the store in
   * `dataDir` (the daemon), instead of in this thread (default: tests, the CLI).
   */
  inWorker?: boolean;
}

export const DEFAULT_RELATION_OPTIONS: RelationOptions = {
  intervalMinutes: 5, datacenter: 'Datacenter', vCenterServer: '', lockWaitMs: 30_000, pollMs: 15_000,
};

export interface RelationResult {
  array: string;
  wwn: string;
  /** The configuration changed since the last file (or there was none). */
  changed: boolean;
  /** The new latest XML. */
  written?: string;
  /** The zip the previous latest XML went into. */
  zipped?: string;
  /** Zips removed for being older than three days. */
  pruned: string[];
  /** X5 message when the file could not be written. */
  error?: string;
  cause?: string;
}

export interface LatestFile {
  array: string;
  wwn: string;
  path: string | null;
}

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** How one pass writes its files: in this thread or in its worker. */
interface FileWriter {
  write(req: ArrayFileRequest): Promise<WrittenFile>;
  close(): Promise<void>;
}

export function checkInterval(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) throw new RangeError(INTERVAL_RANGE_MESSAGE);
  return minutes;
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The relation options a settings change sets: the interval (L11) and the vCenter written into the file. */
export function relationSettings(s: ProviderSettings): Pick<RelationOptions, 'intervalMinutes' | 'vCenterServer'> {
  return { intervalMinutes: s.relationIntervalMinutes, vCenterServer: s.vCenter?.ip ?? '' };
}

export class RelationService implements Service<ProviderSettings> {
  readonly name = 'relation';
  private opts: RelationOptions;
  private running?: Promise<RelationResult[]>;
  private lastStart?: number;
  private last?: { at: number; results: RelationResult[] };
  private timer?: { handle: unknown; timers: Timers };

  constructor(
    private readonly source: RelationSource,
    private readonly clock: Clock,
    readonly dataDir: string,
    private readonly log: RelationLogger,
    opts: Partial<RelationOptions> = {},
  ) {
    this.opts = { ...DEFAULT_RELATION_OPTIONS, ...opts };
    checkInterval(this.opts.intervalMinutes);
  }

  get options(): Readonly<RelationOptions> {
    return this.opts;
  }

  applySettings(s: ProviderSettings): void {
    this.setOptions(relationSettings(s));
  }

  /** The last pass's outcome, over every array: a failure of any array is the service's failure. */
  status(): ServiceStatus {
    const st: ServiceStatus = { name: this.name, running: this.timer !== undefined };
    const last = this.last;
    if (last) {
      const failed = last.results.filter((r) => r.error);
      if (failed.length) st.lastFailure = { at: last.at, message: failed.map((r) => `${r.array}: ${r.error}${r.cause ? ` (${r.cause})` : ''}`).join('; ') };
      else st.lastSuccess = { at: last.at, message: `${last.results.filter((r) => r.written).length} file(s) written, ${last.results.length} array(s) checked` };
    }
    return st;
  }

  /** Applies new settings (live reload); the interval is checked first (L11). */
  setOptions(o: Partial<RelationOptions>): void {
    if (o.intervalMinutes !== undefined) checkInterval(o.intervalMinutes);
    this.opts = { ...this.opts, ...o };
  }

  /** The last pass's time and results (for a status command). */
  get lastPass(): { at: number; results: RelationResult[] } | undefined {
    return this.last;
  }

  private get latestRoot(): string {
    return path.join(this.dataDir, LATEST_FOLDER);
  }

  private get stateFile(): string {
    return path.join(this.latestRoot, STATE_FILE);
  }

  /** Whether the output interval has passed since the last pass started. */
  due(now = this.clock.now()): boolean {
    return this.lastStart === undefined || now - this.lastStart >= this.opts.intervalMinutes * 60_000;
  }

  /** Runs a pass when one is due; null when not. Never throws. */
  async runIfDue(): Promise<RelationResult[] | null> {
    if (!this.due()) return null;
    return this.checkAndWrite();
  }

  /** Looks every pollMs whether a pass is due. */
  start(timers: Timers = { setInterval: (f, ms) => setInterval(f, ms).unref(), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) }): void {
    if (this.timer) return;
    const handle = timers.setInterval(() => void this.runIfDue(), this.opts.pollMs);
    this.timer = { handle, timers };
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) this.timer.timers.clearInterval(this.timer.handle);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass over all registered arrays; a pass already running is joined, not repeated. Never throws. */
  checkAndWrite(): Promise<RelationResult[]> {
    if (!this.running) {
      this.lastStart = this.clock.now();
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** The latest XML of every registered array (for `relation show`). */
  latest(): LatestFile[] {
    return this.source.listArrays().map((a) => ({ array: a.name, wwn: a.wwn, path: this.latestOf(a) }));
  }

  private latestOf(a: DiskArray): string | null {
    const dir = arrayFolders(this.dataDir, a).latest;
    const names = listNames(dir, XML_NAME);
    return names.length ? path.join(dir, names[names.length - 1]) : null;
  }

  private async pass(): Promise<RelationResult[]> {
    let arrays: DiskArray[];
    try {
      arrays = this.source.listArrays();
    } catch (e) {
      this.log.error(`relation file: cannot list the disk arrays: ${describe(e)}`);
      return [];
    }
    let naming: VmNamingData | undefined;
    try {
      naming = await this.opts.vmNaming?.(this.opts.datacenter);
    } catch (e) {
      naming = { source: 'vcenter', vCenterServer: this.opts.vCenterServer, inventory: null, problem: describe(e) };
    }
    let results: RelationResult[];
    try {
      await fsp.mkdir(this.latestRoot, { recursive: true });
      results = await withRelationLock(this.latestRoot, this.opts.lockWaitMs, () => this.passLocked(arrays, naming));
    } catch (e) {
      if (e instanceof RelationBusyError) {
        // Not a write failure: the other writer does the same work; the next interval checks again.
        this.log.warn(`relation file: ${e.message} This pass is skipped.`);
        results = arrays.map((a) => ({ array: a.name, wwn: a.wwn, changed: false, pruned: [], error: e.message }));
      } else results = arrays.map((a) => this.failed(a, e));
    }
    this.last = { at: this.clock.now(), results };
    return results;
  }

  private async passLocked(arrays: DiskArray[], naming: VmNamingData | undefined): Promise<RelationResult[]> {
    const loaded = loadState(this.stateFile);
    if (loaded.problem) this.log.warn(`relation file: ${loaded.problem}`);
    const state: RelationState = loaded.state;
    const results: RelationResult[] = [];
    const outcomes = (state.outcomes ??= {});
    const at = this.clock.now();
    // vCenter is set but never answered: no file can name the VMs (B.1); the earlier files stay.
    const unnamed = naming?.source === 'vcenter' && !naming.inventory ? naming.problem ?? 'no inventory has been read yet' : undefined;
    const digest = naming ? VmNaming.of(naming).digest() : '';
    const files = this.fileWriter(arrays);
    try {
      for (const a of arrays) {
        const r = unnamed !== undefined ? this.failed(a, unnamed, RELATION_LOGIN_FAILED) : await this.checkArray(a, state, files, naming, digest);
        // What `status` shows, from any process: the last success and the last failure.
        const o = (outcomes[a.wwn] ??= {});
        if (r.error) o.lastFailure = { at, message: r.error, cause: r.cause ?? '' };
        else o.lastSuccess = { at, file: r.written ?? this.latestOf(a) };
        results.push(r);
      }
    } finally {
      await files.close().catch((e: unknown) => this.log.warn(`relation file: cannot stop the worker thread: ${describe(e)}`));
    }
    try {
      await saveState(this.stateFile, state);
    } catch (e) {
      this.log.warn(`relation file: cannot save ${this.stateFile} (${describe(e)}); the next pass writes the files again.`);
    }
    return results;
  }

  /**
   * In this thread, or in a worker started on the pass's first write: its engine sees the
   * arrays of this pass (the service's scope as it was when the pass listed them).
   */
  private fileWriter(arrays: DiskArray[]): FileWriter {
    if (!this.opts.inWorker) {
      return { write: (req) => writeArrayFile(this.source, this.clock, req, (m) => this.log.warn(m)), close: async () => undefined };
    }
    const worker = new RelationWorker({ dataDir: this.dataDir, arrayIds: arrays.map((a) => a.id), clock: this.clock });
    return {
      write: async (req) => {
        const { written, warnings } = await worker.write(req);
        for (const w of warnings) this.log.warn(w);
        return written;
      },
      close: () => worker.close(),
    };
  }

  private async checkArray(a: DiskArray, state: RelationState, files: FileWriter, naming: VmNamingData | undefined, digest: string): Promise<RelationResult> {
    const result: RelationResult = { array: a.name, wwn: a.wwn, changed: false, pruned: [] };
    const folders = arrayFolders(this.dataDir, a);
    try {
      const seq = this.source.lastSequences(a.name).event;
      const signature = configSignature(a, seq, { ...this.opts, naming: digest });
      const previous = state.arrays[a.wwn];
      const existing = listNames(folders.latest, XML_NAME);
      result.changed = !previous || previous.signature !== signature || existing.length === 0;
      if (result.changed) {
        const written = await files.write({
          array: a, folders, existing, rvOwners: previous?.rvOwners, startedAt: this.clock.now(),
          datacenter: this.opts.datacenter, vCenterServer: this.opts.vCenterServer, pageVvols: this.opts.pageVvols, ...(naming ? { naming } : {}),
        });
        state.arrays[a.wwn] = { signature, eventSeq: seq, file: path.basename(written.path), writtenAt: written.at, rvOwners: written.rvOwners };
        result.written = written.path;
        result.zipped = written.zipped;
        this.log.info(`relation file: ${a.name}: wrote ${written.path}${written.zipped ? `, kept the previous one as ${written.zipped}` : ''}`);
      }
    } catch (e) {
      return { ...this.failed(a, e), changed: result.changed };
    }
    try {
      result.pruned = await pruneArchive(folders.archive, this.clock.now());
      for (const p of result.pruned) this.log.info(`relation file: ${a.name}: removed ${p} (older than three days)`);
    } catch (e) {
      this.log.warn(`relation file: ${a.name}: cannot remove old generations in ${folders.archive}: ${describe(e)}`);
    }
    return result;
  }

  private failed(a: DiskArray, e: unknown, message: string = RELATION_WRITE_FAILED): RelationResult {
    const cause = describe(e);
    this.log.error(`${message} (${a.name}: ${cause})`);
    try {
      this.opts.onFailure?.({ array: a.name, wwn: a.wwn, message, cause });
    } catch (err) {
      this.log.error(`relation file: the failure handler failed: ${describe(err)}`);
    }
    return { array: a.name, wwn: a.wwn, changed: false, pruned: [], error: message, cause };
  }
}
