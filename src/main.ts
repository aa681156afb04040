/**
 * Start-up: data folder (locked) -> store -> array engine (demo array on a fresh
 * folder) -> background task clock; graceful stop on SIGTERM/SIGINT.
 */
import { DiskArrayEngine } from './array/engine';
import { SystemClock } from './array/clock';
import { bootstrapArray } from './array/bootstrap';
import { hex4 } from './array/ids';
import { loadDemoArrays, DEMO_FILE } from './config/demo-array';
import { dataDir, logDir, packageVersion } from './config/runtime';
import { createLogger, Logger } from './log/logger';
import { Store } from './store/db';
import { acquireDataLock, DataFolderLockedError } from './store/lock';

export interface Provider {
  engine: DiskArrayEngine;
  stop(): Promise<void>;
}

const TICK_MS = 1000;

export function startProvider(env: NodeJS.ProcessEnv = process.env): Provider {
  const clock = new SystemClock();
  const data = dataDir(env);
  const log: Logger = createLogger(logDir(data), clock);
  const lock = acquireDataLock(data);
  const store = Store.open(data);
  const engine = new DiskArrayEngine(store, clock);
  if (engine.listArrays().length === 0) {
    for (const spec of loadDemoArrays()) {
      const r = bootstrapArray(engine, spec);
      if (r.created) log.info(`created the demo disk array ${spec.name} from ${DEMO_FILE}`);
    }
  }
  const timer = setInterval(() => {
    try {
      engine.tick();
    } catch (e) {
      log.error(`task tick failed: ${(e as Error).stack ?? e}`);
    }
  }, TICK_MS);
  log.info(`vvol-provider ${packageVersion()} started; data folder ${data}; store ${store.file}`);
  for (const a of engine.listArrays()) {
    const pools = engine.listPools(a.name);
    const lds = engine.listLds(a.name);
    log.info(`disk array ${a.name} (${a.model}, serial ${a.serial}, WWN ${a.wwn}) monitoring ${a.monitoring}: ${pools.length} pools (${pools.filter((p) => p.container).map((p) => hex4(p.poolNo)).join(', ')} are Storage Containers), ${lds.length} LDs`);
  }
  log.info(`logs: ${logDir(data)}; administer with: npm run -s cli -- array --help`);
  let stopped = false;
  return {
    engine,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
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

if (require.main === module) {
  let provider: Provider;
  try {
    provider = startProvider();
  } catch (e) {
    if (e instanceof DataFolderLockedError) {
      process.stderr.write(`vvol-provider: ${e.message}\n`);
      process.exit(3);
    }
    process.stderr.write(`vvol-provider: cannot start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const stop = (sig: string) => {
    process.stderr.write(`vvol-provider: ${sig} received, stopping\n`);
    provider.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
