/**
 * The daemon around the assembly: the provider account, the VASA face over the managed
 * scope, the services started, the settings watcher handing changes to the assembly,
 * the task clock and the array event log; a graceful stop in reverse order (calls in
 * flight finish, services stop, the store closes, the lock is released).
 */
import type express from 'express';
import { Clock, SystemClock } from '../array/clock';
import type { DiskArrayEngine } from '../array/engine';
import type { BackupOptions } from '../backup/operations';
import type { ImageBackupApi } from '../scheduler/contract';
import { hex4 } from '../array/ids';
import { ProviderAccount } from '../config/account';
import { loadSettings } from '../config/settings';
import type { ProviderSettings } from '../config/settings-schema';
import { SettingsWatcher } from '../config/watch';
import { EventLogger } from '../log/event-log';
import { createLogger, Logger } from '../log/logger';
import { packageVersion, Runtime } from '../sys/runtime';
import { RunningServer, startServer } from '../vasa/server';
import { assemble, Assembly } from './assembly';
import { closeDaemonStore, type DaemonStore } from './daemon-store';

export interface Daemon {
  assembly: Assembly;
  server: RunningServer;
  stop(): Promise<void>;
}

const TICK_MS = 1000;

function announce(a: Assembly, server: RunningServer, user: string): void {
  const { log, engine } = a;
  log.info(`vvol-provider ${packageVersion()} started; data folder ${a.layout.dir}; store ${a.store.file}`);
  for (const arr of engine.listArrays()) {
    const pools = engine.listPools(arr.name);
    log.info(`disk array ${arr.name} (${arr.model}, serial ${arr.serial}, WWN ${arr.wwn}) monitoring ${arr.monitoring}: ${pools.length} pools (${pools.filter((p) => p.container).map((p) => hex4(p.poolNo)).join(', ')} are Storage Containers), ${engine.countLds(arr.name)} LDs`);
  }
  log.info(`VASA provider listening: register ${server.registrationUrl} in vCenter (user "${user}")`);
  log.info(`certificate SHA-256 fingerprint ${server.certificate.fingerprint256}, valid until ${new Date(server.certificate.validTo).toISOString()}`);
  log.info(`admin API: ${server.registrationUrl.replace(/\/version\.xml$/, '')}/api/v1/ (OpenAPI document at /api/v1/openapi.json; provider account, HTTP Basic)`);
  log.info(`logs: ${a.layout.logs}; administer with: npm run -s cli -- array --help`);
}

/** What the daemon hands the routes mounted beside the VASA face. */
export interface RouteDeps {
  scheduler: () => ImageBackupApi;
  verify: (remote: string, user: string, password: string) => Promise<void>;
  log: Logger;
  /** The daemon's clock (sessions of the management screens expire by it). */
  clock: Clock;
  /** The provider account in force: a new object once it changes (SIGHUP, a settings edit), so sessions made under the old one can end. */
  account: () => { readonly user: string };
  /** The RV backup operations' ground: the managed arrays, the provider's datacenter and vCenter, the data folder. */
  backup: () => { engine: DiskArrayEngine; options: BackupOptions; dataDir: string; clock: Clock };
}

export interface DaemonOptions {
  /** Routes on the same HTTPS server (src/main.ts mounts the admin API here; this room does not import the faces above it). */
  routers?: (deps: RouteDeps) => { path: string; router: express.RequestHandler }[];
  /** The clock (tests pass a ManualClock to move task progress and session expiry by hand); default the system clock. */
  clock?: Clock;
  /** The lock and store src/main.ts took before loading the provider (openUsedStoreEarly); the start owns them from here. */
  opened?: DaemonStore;
}

export async function startDaemon(runtime: Runtime, o: DaemonOptions = {}): Promise<Daemon> {
  let settings: ProviderSettings;
  try {
    ProviderAccount.checkFirstStart(runtime.dataDir, runtime.user, runtime.password);
    // Read while a store opened early is being checked in a worker thread (they need no store).
    settings = loadSettings(runtime.confDir);
    // Nothing uses the store before its check passed.
    await o.opened?.store.verified();
  } catch (e) {
    if (o.opened) closeDaemonStore(o.opened);
    throw e;
  }
  const clock = o.clock ?? new SystemClock();
  const a = assemble({ runtime, role: 'daemon', clock, log: (layout) => createLogger(layout.logs, clock), opened: o.opened, settings });
  const log: Logger = a.log;
  for (const name of a.demoCreated) log.info(`created the demo disk array ${name} from ${runtime.confDir}`);
  let server: RunningServer;
  let account: ProviderAccount;
  try {
    // A generated password is shown once on the terminal and kept in <data>/initial-password; never in the log.
    account = ProviderAccount.ensure(runtime.dataDir, runtime.user, runtime.password, (m) => {
      log.info(`generated a provider account; its password is in ${a.layout.initialPassword}`);
      process.stdout.write(`${m}\n`);
    });
    // Routes of the faces above the assembly (the admin API at /api/v1) check the provider
    // account with the VASA face's throttled login, which exists once the server does: bound late.
    // They are made when the server first needs Express (after the start: see server.ts).
    let face: RunningServer['face'] | undefined;
    const routers = () => (o.routers ?? (() => []))({
      scheduler: () => a.imageBackup, log, clock: a.clock, account: () => account,
      backup: () => ({
        engine: a.managed, dataDir: runtime.dataDir, clock: a.clock, options: a.backupOptions(),
      }),
      verify: (remote, user, password) => (face ? face.login.verify(remote, user, password) : Promise.reject(new Error('The provider is starting.'))),
    });
    server = await startServer(a.managed, a.clock, () => account, log, {
      dataDir: runtime.dataDir, port: runtime.port, host: runtime.host, face: { version: packageVersion() }, routers,
    });
    face = server.face;
  } catch (e) {
    a.close();
    throw e;
  }
  for (const s of a.services) await s.start();
  const watcher = new SettingsWatcher({
    confDir: runtime.confDir, dataDir: runtime.dataDir, initial: a.settings.get(), log,
    onChange: (next) => a.applySettings(next),
    onAccountChange: (next) => {
      account = next;
    },
  });
  await watcher.start();
  const onHup = () => {
    watcher.reload();
    watcher.reloadAccount();
  };
  process.on('SIGHUP', onHup);
  const eventLog = new EventLogger(a.engine, log);
  const timer = setInterval(() => {
    try {
      a.engine.tick();
      eventLog.poll();
    } catch (e) {
      log.error(`task tick failed: ${(e as Error).stack ?? e}`);
    }
  }, TICK_MS);
  announce(a, server, account.user);
  let stopped = false;
  return {
    assembly: a,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('SIGHUP', onHup);
      await watcher.close();
      clearInterval(timer);
      await server.close();
      for (const s of [...a.services].reverse()) await s.stop();
      log.info('stopping: store closed, lock released');
      a.close();
      await new Promise<void>((resolve) => {
        log.on('finish', () => resolve());
        log.end();
        setTimeout(resolve, 500).unref();
      });
    },
  };
}
