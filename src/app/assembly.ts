/**
 * The one assembly, shared by the daemon and every CLI command: data folder -> store ->
 * engine -> the managed-array scope -> services (the vCenter link before its users: the
 * relation writer, the backup commands and the scheduler name VMs through it). Nothing
 * else wires these. The daemon (src/app/daemon.ts) adds the VASA face, the settings
 * watcher and the timers around what is built here; a CLI command uses it as it is and
 * closes it.
 *
 *   role 'daemon': takes the data folder's lock, checks the store (quick_check), makes
 *                  the demo array on a fresh folder, needs valid settings
 *   role 'cli':    no lock (SQLite WAL lets both work), settings read when first asked
 *                  for, optionally read-only (status)
 */
import { bootstrapArray } from '../array/bootstrap';
import { Clock, SystemClock } from '../array/clock';
import { DiskArrayEngine } from '../array/engine';
import { complianceVerdict } from '../policy/compliance';
import type { DiskArray } from '../array/types';
import { demoFile, loadDemoArrays } from '../config/demo-array';
import { loadSettings } from '../config/settings';
import type { ProviderSettings } from '../config/settings-schema';
import { isManagedArray } from '../config/settings-summary';
import { silentLogger, type Logger } from '../log/logger';
import { RelationLogger, RelationOptions, RelationService, relationSettings } from '../relation/service';
import { loadOrCreateKey, unseal } from '../config/secrets';
import { ImageStore } from '../scheduler/image-store';
import { createJobMailer } from '../scheduler/notify/mailer';
import { PlanStore } from '../scheduler/plans';
import { ImageBackupService } from '../scheduler/service';
import { imageBackupSection, schedulerSettings } from '../scheduler/settings';
import type { SchedulerSettings } from '../scheduler/contract';
import { CheckpointService } from '../store/checkpointer';
import { Store } from '../store/db';
import type { BackupOptions } from '../backup/operations';
import { ALARM_LOGIN_FAILED } from '../vcenter/messages';
import { InventoryService, VCenterAlarm } from '../vcenter/service';
import type { DataLock } from '../store/lock';
import { closeDaemonStore, DaemonStore, openDaemonStore } from './daemon-store';
import { DataLayout, dataLayout } from '../sys/layout';
import type { Runtime } from '../sys/runtime';
import type { Service } from '../sys/service';
import { SettingsHolder } from './settings-holder';

export interface AssemblyOptions {
  runtime: Runtime;
  role: 'daemon' | 'cli';
  clock?: Clock;
  /**
   * The provider log; a function is called once the store is open (the daemon: its log
   * folder is one of the signs that a data folder was used, so it comes after the store).
   */
  log?: Logger | ((layout: DataLayout) => Logger);
  /** CLI only: open the store read-only (status). */
  readonly?: boolean;
  /** Overrides of the relation writer's options (the CLI's --datacenter). */
  relation?: Partial<RelationOptions>;
  /** Daemon only: the lock and store already held and checked (src/main.ts opens a used store early); else taken here. */
  opened?: DaemonStore;
  /** Daemon only: the settings, already read (the start reads them while the store is checked); else read here. */
  settings?: ProviderSettings;
}

export class Assembly {
  readonly layout: DataLayout;
  /** Every array in the store: the administrator's view (CLI `array ...`). */
  readonly engine: DiskArrayEngine;
  /** The managed arrays only (the provider settings' list, all when it is empty): what vCenter and the relation file see. */
  readonly managed: DiskArrayEngine;
  readonly relation: RelationService;
  /** The vCenter link: VM and datacenter names, powering VMs off before a restore. */
  readonly vcenter: InventoryService;
  /** The services, in start order; the daemon stops them in reverse. */
  readonly services: Service<ProviderSettings>[];
  /** Names of the demo arrays made at this start (a fresh data folder). */
  readonly demoCreated: string[];
  private holder?: SettingsHolder;
  private scheduler?: ImageBackupService;
  private closed = false;

  constructor(
    readonly runtime: Runtime,
    readonly clock: Clock,
    readonly log: Logger,
    readonly store: Store,
    private readonly lock: DataLock | undefined,
    settings: SettingsHolder | undefined,
    demoCreated: string[],
    relationOverrides: Partial<RelationOptions>,
  ) {
    this.layout = dataLayout(runtime.dataDir);
    this.holder = settings;
    this.demoCreated = demoCreated;
    this.engine = new DiskArrayEngine(store, clock);
    // Before scoping: the managed view shares the judge (pool changes raise Compliance alarms at once).
    this.engine.setComplianceJudge(complianceVerdict);
    this.managed = this.engine.scoped((a: DiskArray) => isManagedArray(this.settings.get(), a.ip));
    const daemon = lock !== undefined;
    this.vcenter = new InventoryService({
      dataDir: runtime.dataDir, clock, settings: () => this.settings.get(),
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
      // The daemon keeps the last good inventory for `status`, the CLI and its next start, and raises the alarm.
      persist: daemon, ...(daemon ? { onAlarm: (al: VCenterAlarm) => this.raiseVCenterAlarm(al) } : {}),
    });
    const relationLog: RelationLogger = { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) };
    this.relation = new RelationService(this.managed, clock, runtime.dataDir, relationLog, {
      ...(settings ? relationSettings(settings.get()) : {}),
      onFailure: (f) => {
        try {
          this.engine.raiseAlarm(f.array, { type: 'Manageability', status: 'Red', objectType: 'StorageArray', messageId: 'nec.relation.writeFailed', message: f.message, params: { cause: f.cause } });
        } catch (e) {
          log.error(`could not raise the relation alarm: ${(e as Error).message}`);
        }
      },
      // A pass names VMs by an inventory at most a minute old (the CLI's: the daemon's while it is current).
      vmNaming: (datacenter) => this.vcenter.freshNaming(daemon ? 60_000 : this.cliInventoryAgeMs(), datacenter),
      ...relationOverrides,
    });
    // The daemon's checkpoints run in a worker thread (first in the list: stopped last, before the store closes).
    this.services = settings ? [new CheckpointService(store, { log })] : [];
    // The vCenter link before its users: the relation writer and the scheduler name VMs through it.
    this.services.push(this.vcenter, this.relation);
    // The daemon builds the scheduler now (its settings are read); a CLI command when it first asks.
    if (settings) this.services.push(this.imageBackup);
  }

  /**
   * The image-backup scheduler over the managed arrays: the plan book, the backup store
   * (<data>/backups unless the settings name a folder), the job mailer (SMTP, or .eml
   * files in <data>/outbox). Built on first use: a CLI command that never asks for it
   * neither reads the settings for it nor makes its folders.
   */
  get imageBackup(): ImageBackupService {
    if (!this.scheduler) {
      const { store, clock, log } = this;
      const fromProvider = (s: ProviderSettings): SchedulerSettings => schedulerSettings(imageBackupSection(s), (sealed) => this.unsealMailPassword(sealed));
      this.scheduler = new ImageBackupService({
        engine: this.managed, store, clock,
        plans: (hooks) => new PlanStore(store, clock, hooks),
        openStore: (dir) => ImageStore.open(dir),
        mailer: (mail) => createJobMailer(mail, this.layout.outbox, { log }),
        settings: fromProvider(this.settings.get()),
        defaultStoreDir: this.layout.backups,
        fromProvider,
        datacenter: this.relation.options.datacenter,
        naming: () => this.vcenter.naming(this.relation.options.datacenter),
        power: this.vcenter,
        log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
      });
    }
    return this.scheduler;
  }

  /**
   * What the backup operations (src/backup/operations.ts) need, for the CLI and the admin
   * API alike: VMs and datacenters named through the vCenter link (read at each call, so
   * a refresh or a settings change is seen), vCenter's address, and restores that power
   * the VM off through vCenter first. A CLI command refreshes the inventory once before
   * (`vcenter.freshNaming`).
   */
  backupOptions(): BackupOptions {
    const datacenter = this.relation.options.datacenter;
    const vcenter = this.vcenter;
    const settings = this.settings;
    return {
      datacenter,
      get vCenterServer() {
        return settings.get().vCenter?.ip ?? '';
      },
      naming: () => vcenter.naming(datacenter),
      power: vcenter,
    };
  }

  /** How old the daemon's saved inventory may be for a CLI command to use it instead of reading vCenter itself. */
  cliInventoryAgeMs(): number {
    return this.settings.get().relationIntervalMinutes * 60_000 + 60_000;
  }

  /** The vCenter link's alarm, on every managed array (the VASA alarm feed is per array). */
  private raiseVCenterAlarm(al: VCenterAlarm): void {
    try {
      for (const a of this.managed.listArrays()) {
        this.engine.raiseAlarm(a.name, {
          type: 'Manageability', status: al.status, objectType: 'StorageArray', objectId: a.serial, messageId: ALARM_LOGIN_FAILED, message: al.message,
          ...(al.cause ? { params: { cause: al.cause } } : {}),
        });
      }
    } catch (e) {
      this.log.error(`could not raise the vCenter alarm: ${(e as Error).message}`);
    }
  }

  /** The SMTP password in clear for the mailer; a password that cannot be unsealed is left out (and logged), never fatal. */
  private unsealMailPassword(sealed: string): string {
    try {
      return unseal(sealed, loadOrCreateKey(this.runtime.dataDir));
    } catch (e) {
      this.log.error(`image backup: the SMTP password in the settings cannot be decrypted with ${this.layout.settingsKey} (${(e as Error).message}); mails are sent without it. Set it again.`);
      return '';
    }
  }

  /**
   * The settings in force. The daemon reads them at start (invalid settings stop it);
   * a CLI command reads them the first time it asks (so `array ...` commands work even
   * while conf/ holds an invalid edit), and a SettingsError reaches that command.
   */
  get settings(): SettingsHolder {
    if (!this.holder) {
      this.holder = new SettingsHolder(loadSettings(this.runtime.confDir));
      this.vcenter.applySettings(this.holder.get());
      this.relation.applySettings(this.holder.get());
      this.scheduler?.applySettings(this.holder.get());
    }
    return this.holder;
  }

  /** Hands a settings change to the scope (read on every lookup) and every service. */
  applySettings(next: ProviderSettings): void {
    this.settings.set(next);
    for (const s of this.services) s.applySettings(next);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.store.close();
    this.lock?.release();
  }
}

/** The demo arrays of conf/ on a store without arrays (a fresh one); the names of those made. */
function bootstrapDemo(store: Store, runtime: Runtime, clock: Clock): string[] {
  const engine = new DiskArrayEngine(store, clock);
  const demo: string[] = [];
  if (engine.listArrays().length === 0) {
    for (const spec of loadDemoArrays(demoFile(runtime.confDir))) if (bootstrapArray(engine, spec).created) demo.push(spec.name);
  }
  return demo;
}

export function assemble(o: AssemblyOptions): Assembly {
  const clock = o.clock ?? new SystemClock();
  const logFor = (): Logger => (typeof o.log === 'function' ? o.log(dataLayout(o.runtime.dataDir)) : o.log ?? silentLogger());
  if (o.role === 'cli') {
    const store = Store.open(o.runtime.dataDir, { readonly: !!o.readonly });
    return new Assembly(o.runtime, clock, logFor(), store, undefined, undefined, [], o.relation ?? {});
  }
  let held = o.opened;
  try {
    const settings = new SettingsHolder(o.settings ?? loadSettings(o.runtime.confDir));
    // The lock and the store come before anything else the daemon writes into the data folder (see daemon-store.ts).
    held ??= openDaemonStore(o.runtime, false);
    const demo = bootstrapDemo(held.store, o.runtime, clock);
    // The daemon writes relation files in a worker thread, off the VASA face's event loop.
    return new Assembly(o.runtime, clock, logFor(), held.store, held.lock, settings, demo, { inWorker: true, ...o.relation });
  } catch (e) {
    if (held) closeDaemonStore(held);
    throw e;
  }
}
