/**
 * Start-up: data folder (locked) -> store -> array engine (demo array on a fresh
 * folder) -> provider account -> HTTPS VASA face -> background task clock; graceful
 * stop on SIGTERM/SIGINT (in-flight calls finish, the store closes).
 */
import { DiskArrayEngine } from './array/engine';
import { SystemClock } from './array/clock';
import { bootstrapArray } from './array/bootstrap';
import { hex4 } from './array/ids';
import { loadDemoArrays, DEMO_FILE } from './config/demo-array';
import { confDir, dataDir, logDir, packageVersion } from './config/runtime';
import { loadSettings, ProviderSettings, SettingsError } from './config/settings';
import { DEFAULT_PROVIDER_PORT, isManagedArray } from './config/settings-summary';
import { SettingsWatcher } from './config/watch';
import type { RelationSource } from './relation/model';
import { createLogger, Logger } from './log/logger';
import { EventLogger } from './log/event-log';
import { Store, StoreRefusedError } from './store/db';
import { acquireDataLock, DataFolderLockedError } from './store/lock';
import { ProviderAccount } from './config/account';
import { startServer, RunningServer } from './vasa/server';
import { RelationService } from './relation/service';

export interface Provider {
  engine: DiskArrayEngine;
  server: RunningServer;
  stop(): Promise<void>;
}

/** L13: the registration port. */
export const DEFAULT_PORT = DEFAULT_PROVIDER_PORT;

function portFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.VASA_PROVIDER_PORT;
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`VASA_PROVIDER_PORT must be a port number (0-65535), not "${raw}".`);
  return n;
}

const TICK_MS = 1000;

/** Exit status of a start refused because of the store (missing in a used folder, damaged, WAL lost): a person must act. */
export const EXIT_STORE_REFUSED = 4;

/**
 * The store, checked (quick_check; Store.open refuses a missing store in a used folder
 * and a lost WAL), with the demo array on a fresh one. It comes before anything else
 * the daemon writes into the data folder (logs, certificate, account): those are what
 * later shows the folder was used, so a first start killed half-way is never taken for
 * a lost store.
 */
function openStore(data: string, clock: SystemClock): { store: Store; engine: DiskArrayEngine; demo: string[] } {
  const store = Store.open(data, { verify: 'quick' });
  try {
    const engine = new DiskArrayEngine(store, clock);
    const demo: string[] = [];
    if (engine.listArrays().length === 0) {
      for (const spec of loadDemoArrays()) if (bootstrapArray(engine, spec).created) demo.push(spec.name);
    }
    return { store, engine, demo };
  } catch (e) {
    store.close();
    throw e;
  }
}

export async function startProvider(env: NodeJS.ProcessEnv = process.env): Promise<Provider> {
  const clock = new SystemClock();
  const data = dataDir(env);
  const conf = confDir(env);
  let settings: ProviderSettings = loadSettings(conf);
  ProviderAccount.checkFirstStart(data, env.VASA_PROVIDER_USER, env.VASA_PROVIDER_PASSWORD);
  const lock = acquireDataLock(data);
  let opened: { store: Store; engine: DiskArrayEngine; demo: string[] };
  try {
    opened = openStore(data, clock);
  } catch (e) {
    lock.release();
    throw e;
  }
  const { store, engine } = opened;
  const log: Logger = createLogger(logDir(data), clock);
  for (const name of opened.demo) log.info(`created the demo disk array ${name} from ${DEMO_FILE}`);
  // A generated password is shown once on the terminal and kept in <data>/initial-password; never in the log.
  const account = ProviderAccount.ensure(data, env.VASA_PROVIDER_USER, env.VASA_PROVIDER_PASSWORD, (m) => {
    log.info(`generated a provider account; its password is in ${data}/initial-password`);
    process.stdout.write(`${m}\n`);
  });
  let current = account;
  let server: RunningServer;
  try {
    // The face sees the managed arrays only: the same engine, with listArrays filtered.
    const face = Object.create(engine) as DiskArrayEngine;
    face.listArrays = () => engine.listArrays().filter((a) => isManagedArray(settings, a.ip));
    server = await startServer(face, clock, () => current, log, {
      dataDir: data, port: portFrom(env), host: env.VASA_PROVIDER_HOST || undefined,
      face: { version: packageVersion() },
    });
  } catch (e) {
    store.close();
    lock.release();
    throw e;
  }
  // The arrays the settings name (all of them when the settings name none); read on every
  // call, so a settings change applies without a restart.
  const managed: RelationSource = {
    listArrays: () => engine.listArrays().filter((a) => isManagedArray(settings, a.ip)),
    scanLds: (...a) => engine.scanLds(...a),
    ldsById: (...a) => engine.ldsById(...a),
    lastSequences: (...a) => engine.lastSequences(...a),
  };
  const relation = new RelationService(managed, clock, data, log, {
    intervalMinutes: settings.relationIntervalMinutes,
    vCenterServer: settings.vCenter?.ip ?? '',
    onFailure: (f) => {
      try {
        engine.raiseAlarm(f.array, { type: 'Manageability', status: 'Red', objectType: 'StorageArray', messageId: 'nec.relation.writeFailed', message: f.message, params: { cause: f.cause } });
      } catch (e) {
        log.error(`could not raise the relation alarm: ${(e as Error).message}`);
      }
    },
  });
  relation.start();
  const watcher = new SettingsWatcher({
    confDir: conf, dataDir: data, initial: settings, log,
    onChange: (next) => {
      settings = next;
      relation.setOptions({ intervalMinutes: next.relationIntervalMinutes, vCenterServer: next.vCenter?.ip ?? '' });
    },
    onAccountChange: (a) => {
      current = a;
    },
  });
  await watcher.start();
  process.on('SIGHUP', () => {
    watcher.reload();
    watcher.reloadAccount();
  });
  const eventLog = new EventLogger(engine, log);
  const timer = setInterval(() => {
    try {
      engine.tick();
      eventLog.poll();
    } catch (e) {
      log.error(`task tick failed: ${(e as Error).stack ?? e}`);
    }
  }, TICK_MS);
  log.info(`vvol-provider ${packageVersion()} started; data folder ${data}; store ${store.file}`);
  for (const a of engine.listArrays()) {
    const pools = engine.listPools(a.name);
    log.info(`disk array ${a.name} (${a.model}, serial ${a.serial}, WWN ${a.wwn}) monitoring ${a.monitoring}: ${pools.length} pools (${pools.filter((p) => p.container).map((p) => hex4(p.poolNo)).join(', ')} are Storage Containers), ${engine.countLds(a.name)} LDs`);
  }
  log.info(`VASA provider listening: register ${server.registrationUrl} in vCenter (user "${current.user}")`);
  log.info(`certificate SHA-256 fingerprint ${server.certificate.fingerprint256}, valid until ${new Date(server.certificate.validTo).toISOString()}`);
  log.info(`logs: ${logDir(data)}; administer with: npm run -s cli -- array --help`);
  let stopped = false;
  return {
    engine,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      await watcher.close();
      clearInterval(timer);
      await server.close();
      await relation.stop();
      log.info('stopping: store closed, lock released');
      store.close();
      lock.release();
      await new Promise<void>((resolve) => {
        log.on('finish', () => resolve());
        log.end();
        setTimeout(resolve, 500).unref();
      });
    },
  };
}

async function main(): Promise<void> {
  let provider: Provider | undefined;
  let stopRequested: string | undefined;
  // Installed before the start, not after it: until then SIGTERM's default action ends the
  // process unhandled (a stop during start-up, or right after the "started" line). A stop
  // asked for during start-up is carried out once the provider runs.
  const stop = (sig: string) => {
    process.stderr.write(`vvol-provider: ${sig} received, stopping\n`);
    if (!provider) {
      stopRequested = sig;
      return;
    }
    provider.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    provider = await startProvider();
  } catch (e) {
    if (e instanceof DataFolderLockedError) {
      process.stderr.write(`vvol-provider: ${e.message}\n`);
      process.exit(3);
    }
    if (e instanceof StoreRefusedError) {
      process.stderr.write(`vvol-provider: cannot start: ${e.message}\n`);
      process.exit(EXIT_STORE_REFUSED);
    }
    if (e instanceof SettingsError) {
      process.stderr.write(`vvol-provider: the settings are not valid:\n${(e.problems ?? [e.message]).map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    const err = e as NodeJS.ErrnoException;
    const hint = err.code === 'EADDRINUSE' ? ' (the port is in use: set VASA_PROVIDER_PORT to another one)' : '';
    process.stderr.write(`vvol-provider: cannot start: ${err.message}${hint}\n`);
    process.exit(1);
  }
  if (stopRequested) provider.stop().then(() => process.exit(0));
}

if (require.main === module) void main();
