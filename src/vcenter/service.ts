/**
 * The vCenter link as a service (src/sys/service.ts): it logs in to the vCenter Server
 * of the settings (`settings -v`), reads the datacenters and VMs (read-inventory.ts),
 * keeps the session (re-login when vCenter forgot it), and refreshes at the relation
 * interval. What it read last is the inventory everyone names VMs by (naming.ts); when
 * vCenter cannot be reached, that last good inventory stays in use, also across a
 * restart (state.ts). Without vCenter settings it names VMs by their metadata, as the
 * provider did before the link.
 *
 * Failures (wrong password, unreachable, certificate, not a vCenter) are logged with
 * the manual's B.1 message and the cause, raise one alarm when they start (Red) and
 * clear it when a refresh works again (Green), and show in status(). The password is
 * unsealed at each login only and never logged.
 *
 * The daemon keeps the state file and raises the alarms; a CLI command uses the same
 * service for a one-off refresh (falling back to the daemon's last good inventory).
 */
import type { Clock } from '../array/clock';
import { vCenterPassword } from '../config/settings';
import type { ProviderSettings, VCenterSettings } from '../config/settings-schema';
import type { Outcome, Service, ServiceStatus } from '../sys/service';
import { VimClient } from './client';
import { messageOf, LOGIN_KINDS, VCenterError } from './errors';
import { LOGIN_MEASURES, loginFailedKept, RELATION_LOGIN_FAILED, where } from './messages';
import { InventorySnapshot, VmNaming, VmNamingData } from './naming';
import { DEFAULT_TASK_WAIT, PowerOffOutcome, powerOffVm, TaskWait, VmPowerControl } from './power';
import { readInventory } from './read-inventory';
import { loadVCenterState, saveVCenterState, VCenterFailure, VCenterState } from './state';
import { DEFAULT_TRANSPORT, TransportOptions } from './transport';

export interface VCenterLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface VCenterAlarm {
  status: 'Red' | 'Green';
  message: string;
  cause: string;
}

export interface VCenterTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface InventoryServiceOptions {
  dataDir: string;
  clock: Clock;
  /** The settings in force, read when needed (a CLI command that never asks never reads them). */
  settings: () => ProviderSettings;
  log: VCenterLog;
  /** Keep <data>/vcenter-inventory.json (the daemon). */
  persist?: boolean;
  /** Raise and clear the link's alarm (the daemon). */
  onAlarm?: (a: VCenterAlarm) => void;
  /** How often start()'s timer looks whether a refresh is due (default 15 s). */
  pollMs?: number;
  timers?: VCenterTimers;
  transport?: TransportOptions;
  taskWait?: TaskWait;
}

export interface RefreshOutcome {
  ok: boolean;
  /** Set when vCenter is configured: what was read, or the last good inventory. */
  inventory: InventorySnapshot | null;
  error?: VCenterError;
}

export interface InventoryServiceStatus extends ServiceStatus {
  /** ip:port, null without vCenter settings. */
  vCenter: string | null;
  failing: boolean;
  inventory: { readAt: number; datacenters: number; vms: number } | null;
  logins: number;
}

const DEFAULT_TIMERS: VCenterTimers = {
  setInterval: (f, ms) => setInterval(f, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

/** Everything a change of which needs a new client (a new session). */
const clientKey = (v: VCenterSettings): string => JSON.stringify([v.ip, v.httpsPort, v.user, v.password, v.thumbprint ?? null]);
const serverOf = (v: VCenterSettings): string => where(v.ip, v.httpsPort);

export class InventoryService implements Service<ProviderSettings>, VmPowerControl {
  readonly name = 'vcenter';
  private client?: { key: string; client: VimClient };
  private last?: InventorySnapshot & { key: string };
  private persisted?: VCenterState;
  private lastSuccess?: Outcome;
  private lastFailure?: VCenterFailure;
  /** A failure alarm is up (raised Red, not yet cleared). */
  private alarmUp = false;
  private running?: Promise<RefreshOutcome>;
  private lastStart?: number;
  private timer?: unknown;
  private stopping = false;
  private readonly timers: VCenterTimers;

  constructor(private readonly o: InventoryServiceOptions) {
    this.timers = o.timers ?? DEFAULT_TIMERS;
  }

  private get vCenter(): VCenterSettings | null {
    return this.o.settings().vCenter;
  }

  // ---- the service -----------------------------------------------------------------------------

  /** Reads the inventory now and then whenever the relation interval has passed. */
  start(): void {
    if (this.timer !== undefined) return;
    this.stopping = false;
    this.timer = this.timers.setInterval(() => void this.refreshIfDue(), this.o.pollMs ?? 15_000);
    void this.refreshIfDue();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) this.timers.clearInterval(this.timer);
    this.timer = undefined;
    // A refresh waiting on vCenter ends now (its connection closed), rather than after the answer timeout.
    this.stopping = true;
    if (this.running) this.client?.client.abort();
    await this.running?.catch(() => undefined);
    const c = this.client;
    this.client = undefined;
    await c?.client.close().catch(() => undefined);
  }

  /** A vCenter change means a new session and a refresh soon; the last good inventory stays only for the same server. */
  applySettings(s: ProviderSettings): void {
    const v = s.vCenter;
    if (this.client && (!v || this.client.key !== clientKey(v))) {
      const old = this.client.client;
      this.client = undefined;
      this.lastStart = undefined;
      void old.close().catch(() => undefined);
    }
    if (!v && this.alarmUp) this.clearAlarm('vCenter Server is no longer in the settings.');
  }

  status(): InventoryServiceStatus {
    const v = this.vCenter;
    const inv = v ? this.lastGood(v) : null;
    const failing = !!this.lastFailure && (!this.lastSuccess || this.lastFailure.at >= this.lastSuccess.at);
    return {
      name: this.name, running: this.timer !== undefined,
      ...(this.lastSuccess ? { lastSuccess: this.lastSuccess } : {}),
      ...(this.lastFailure ? { lastFailure: { at: this.lastFailure.at, message: `${this.lastFailure.message} (${this.lastFailure.cause})` } } : {}),
      vCenter: v ? serverOf(v) : null, failing,
      inventory: inv ? { readAt: inv.readAt, datacenters: inv.datacenters.length, vms: inv.vms.length } : null,
      logins: this.client?.client.logins ?? 0,
    };
  }

  // ---- the inventory ---------------------------------------------------------------------------

  private intervalMs(): number {
    return this.o.settings().relationIntervalMinutes * 60_000;
  }

  /** A refresh when the relation interval has passed since the last one started. Never throws. */
  async refreshIfDue(): Promise<RefreshOutcome | null> {
    try {
      if (!this.vCenter) return null;
      const now = this.o.clock.now();
      if (this.lastStart !== undefined && now - this.lastStart < this.intervalMs()) return null;
    } catch (e) {
      this.o.log.error(`vCenter: cannot tell whether a refresh is due: ${messageOf(e)}`);
      return null;
    }
    return this.refresh();
  }

  /** Reads the inventory now (a refresh in progress is joined). Never throws: failures are in the outcome. */
  refresh(): Promise<RefreshOutcome> {
    if (!this.running) {
      this.lastStart = this.o.clock.now();
      this.running = this.read().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** How VMs are named now: by the last good inventory, or by metadata without vCenter settings. */
  naming(datacenter = 'Datacenter'): VmNaming {
    return VmNaming.of(this.namingData(datacenter));
  }

  namingData(datacenter = 'Datacenter'): VmNamingData {
    const v = this.vCenter;
    if (!v) return { source: 'metadata', datacenter, vCenterServer: '' };
    const inventory = this.lastGood(v);
    const f = this.lastFailure;
    const failing = !!f && (!this.lastSuccess || f.at >= this.lastSuccess.at);
    const problem = failing && f ? `${f.message} (${f.cause})` : inventory ? null : 'no inventory has been read yet';
    return { source: 'vcenter', vCenterServer: v.ip, inventory: inventory ? stripKey(inventory) : null, problem };
  }

  /**
   * The naming, refreshed first unless the last good inventory (this process's, or the
   * daemon's state file) was read less than `maxAgeMs` ago; a refresh in progress is
   * joined. A relation pass asks with a minute (the file shows vCenter as it is now,
   * without a second read right after the interval timer's), a CLI command with the
   * relation interval (the daemon's inventory is used while it is current). Never throws:
   * a failed refresh leaves the last good inventory, or none with the reason.
   */
  async freshNaming(maxAgeMs: number, datacenter = 'Datacenter'): Promise<VmNamingData> {
    const v = this.vCenter;
    if (v) {
      if (this.running) await this.running;
      else {
        const inv = this.lastGood(v);
        if (!inv || this.o.clock.now() - inv.readAt >= maxAgeMs) await this.refresh();
      }
    }
    return this.namingData(datacenter);
  }

  /**
   * Powers the VM off through vCenter and leaves it off (a restore's first step); 'no-vcenter'
   * without vCenter settings. Throws VCenterError when it cannot.
   */
  async powerOff(vmId: string, vmName: string): Promise<PowerOffOutcome | 'no-vcenter'> {
    const v = this.vCenter;
    if (!v) return 'no-vcenter';
    const client = this.clientFor(v);
    const outcome = await client.withSession(() => powerOffVm(client, vmId, vmName, this.o.taskWait ?? DEFAULT_TASK_WAIT));
    this.o.log.info(`vCenter: VM ${vmName} (${vmId}) ${outcome === 'was-off' ? 'was powered off already' : 'powered off'} through vCenter Server ${serverOf(v)}`);
    return outcome;
  }

  /** Whether vCenter is in the settings (then VMs are powered off through it before a restore). */
  get configured(): boolean {
    return this.vCenter !== null;
  }

  /** vCenter's address ('' without vCenter settings). */
  get server(): string {
    return this.vCenter?.ip ?? '';
  }

  // ---- inside ----------------------------------------------------------------------------------

  private clientFor(v: VCenterSettings): VimClient {
    const key = clientKey(v);
    if (this.client?.key !== key) {
      void this.client?.client.close().catch(() => undefined);
      const s = this.o.settings();
      this.client = {
        key,
        client: new VimClient({
          endpoint: { host: v.ip, port: v.httpsPort, ...(v.thumbprint ? { thumbprint: v.thumbprint } : {}) },
          user: v.user,
          password: () => {
            try {
              return vCenterPassword(s, this.o.dataDir) ?? '';
            } catch (e) {
              throw new VCenterError('settings', `The vCenter password cannot be read: ${messageOf(e)}`, undefined, { cause: e });
            }
          },
          transport: this.o.transport ?? DEFAULT_TRANSPORT,
        }),
      };
    }
    return this.client.client;
  }

  /** The last good inventory of this server: read in this process, else the state file's. */
  private lastGood(v: VCenterSettings): InventorySnapshot | null {
    const server = serverOf(v);
    if (this.last?.key === server) return this.last;
    this.persisted ??= loadVCenterState(this.o.dataDir);
    return this.persisted.server === server ? this.persisted.inventory : null;
  }

  private async read(): Promise<RefreshOutcome> {
    let v: VCenterSettings | null;
    try {
      v = this.vCenter;
    } catch (e) {
      return { ok: false, inventory: null, error: new VCenterError('settings', `The settings cannot be read: ${messageOf(e)}`, undefined, { cause: e }) };
    }
    if (!v) return { ok: true, inventory: null };
    const server = serverOf(v);
    let outcome: RefreshOutcome;
    try {
      const client = this.clientFor(v);
      const inv = await client.withSession(() => readInventory(client, v.ip, this.o.clock));
      this.last = { ...inv, key: server };
      this.succeeded(server, inv);
      outcome = { ok: true, inventory: inv };
    } catch (e) {
      const err = e instanceof VCenterError ? e : new VCenterError('protocol', messageOf(e), undefined, { cause: e });
      // Cut short by stop(): no failure of vCenter's to report.
      if (this.stopping) return { ok: false, inventory: this.lastGood(v), error: err };
      this.failed(server, err);
      outcome = { ok: false, inventory: this.lastGood(v), error: err };
    }
    await this.save(server);
    return outcome;
  }

  private succeeded(server: string, inv: InventorySnapshot): void {
    const message = `read ${inv.vms.length} VM(s) in ${inv.datacenters.length} datacenter(s) from vCenter Server ${server}`;
    const wasFailing = !!this.lastFailure && (!this.lastSuccess || this.lastFailure.at >= this.lastSuccess.at);
    this.lastSuccess = { at: this.o.clock.now(), message };
    if (wasFailing) this.o.log.info(`vCenter: ${message} (it answers again)`);
    if (this.alarmUp) this.clearAlarm(`vCenter Server ${server} answers again: ${message}.`);
  }

  private failed(server: string, e: VCenterError): void {
    const login = LOGIN_KINDS.includes(e.kind);
    const kept = this.lastGood(this.vCenter as VCenterSettings);
    // B.1 while nothing names the VMs (no relation file can be made); with a last good inventory the file goes on from it.
    const message = !login ? `Reading the inventory of vCenter Server ${server} failed.` : kept ? loginFailedKept(server, kept.readAt) : RELATION_LOGIN_FAILED;
    const previous = this.lastFailure;
    this.lastFailure = { at: this.o.clock.now(), message, cause: e.message, kind: e.kind };
    const keeping = kept && !login ? ` The inventory read at ${new Date(kept.readAt).toISOString()} stays in use.` : '';
    this.o.log.error(`vCenter: ${message} (${e.message})${login ? ` ${LOGIN_MEASURES}` : ''}${keeping}`);
    // One alarm per failure: when it starts, or when its kind changes (a new thing to fix).
    if (!this.alarmUp || previous?.kind !== e.kind) {
      this.alarmUp = true;
      this.alarm({ status: 'Red', message, cause: e.message });
    }
  }

  private clearAlarm(message: string): void {
    this.alarmUp = false;
    this.alarm({ status: 'Green', message, cause: '' });
  }

  private alarm(a: VCenterAlarm): void {
    try {
      this.o.onAlarm?.(a);
    } catch (e) {
      this.o.log.error(`vCenter: could not raise the alarm: ${messageOf(e)}`);
    }
  }

  private async save(server: string): Promise<void> {
    if (!this.o.persist) return;
    const inventory = this.last?.key === server ? stripKey(this.last) : this.persisted?.server === server ? this.persisted.inventory : null;
    const state: VCenterState = {
      version: 1, server, inventory,
      ...(this.lastSuccess ? { lastSuccess: this.lastSuccess } : {}), ...(this.lastFailure ? { lastFailure: this.lastFailure } : {}),
    };
    try {
      await saveVCenterState(this.o.dataDir, state);
      this.persisted = state;
    } catch (e) {
      this.o.log.warn(`vCenter: cannot save the inventory (${messageOf(e)}); the last good one is kept in memory only.`);
    }
  }
}

function stripKey(s: InventorySnapshot & { key?: string }): InventorySnapshot {
  const { key: _k, ...rest } = s;
  return rest;
}
