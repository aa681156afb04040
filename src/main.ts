/**
 * Start-up only: reads the runtime variables, asks src/app/ for the assembled daemon
 * (with the admin API and the management screens mounted beside the VASA face), and stops it gracefully on SIGTERM/SIGINT. Exit statuses: 1 cannot start (settings,
 * runtime variables, port), 3 another daemon holds the data folder, 4 the store is
 * refused (missing in a used folder, damaged, WAL lost): a person must act.
 */
import type express from 'express';
import type { Daemon, RouteDeps } from './app/daemon';
// Only what opens the store is loaded before the start: the rest of the provider loads while its check runs (see main()).
import { openUsedStoreEarly, type DaemonStore } from './app/daemon-store';
import { StoreRefusedError } from './store/db';
import { DataFolderLockedError } from './store/lock';
import { readRuntime } from './sys/runtime';

/** Exit status of a start refused because of the store (missing in a used folder, damaged, WAL lost). */
export const EXIT_STORE_REFUSED = 4;
/** Exit status while another daemon holds the data folder (the systemd unit does not restart on it). */
export const EXIT_LOCKED = 3;

function exitFor(e: unknown): never {
  if (e instanceof DataFolderLockedError) {
    process.stderr.write(`vvol-provider: ${e.message}\n`);
    process.exit(EXIT_LOCKED);
  }
  if (e instanceof StoreRefusedError) {
    process.stderr.write(`vvol-provider: cannot start: ${e.message}\n`);
    process.exit(EXIT_STORE_REFUSED);
  }
  const { SettingsError } = require('./config/settings') as typeof import('./config/settings');
  if (e instanceof SettingsError) {
    process.stderr.write(`vvol-provider: the settings are not valid:\n${(e.problems ?? [e.message]).map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  const err = e as NodeJS.ErrnoException;
  const hint = err.code === 'EADDRINUSE' ? ' (the port is in use: set VASA_PROVIDER_PORT to another one)' : '';
  process.stderr.write(`vvol-provider: cannot start: ${err.message}${hint}\n`);
  process.exit(1);
}

/**
 * The faces mounted beside the VASA face: the admin API at /api/v1 and the management
 * screens at /ui (one session store: the screens' session cookie is good for the API),
 * and / sending a browser to the screens.
 */
export function faceRouters(deps: RouteDeps): { path: string; router: express.RequestHandler }[] {
  // Loaded here, when the server first needs its Express routes (after the port is open), not at start (issue 12, S6).
  const { adminApi } = require('./admin/api') as typeof import('./admin/api');
  const { SessionStore, webUi } = require('./web') as typeof import('./web');
  const createApp = require('express') as typeof express;
  const sessions = new SessionStore(deps.clock, {}, deps.account);
  const root = createApp.Router({ strict: true });
  root.get('/', (_req, res) => res.redirect(302, '/ui/'));
  return [
    { path: '/api/v1', router: adminApi({ scheduler: deps.scheduler, backup: deps.backup, verify: deps.verify, log: deps.log, session: sessions.check, clock: deps.clock }) },
    { path: '/ui', router: webUi({ verify: deps.verify, sessions, log: deps.log }) },
    { path: '/', router: root },
  ];
}

async function main(): Promise<void> {
  let daemon: Daemon | undefined;
  let stopRequested = false;
  // Installed before the start, not after it: until then SIGTERM's default action ends the
  // process unhandled (a stop during start-up, or right after the "started" line). A stop
  // asked for during start-up is carried out once the provider runs.
  const stop = (sig: string) => {
    process.stderr.write(`vvol-provider: ${sig} received, stopping\n`);
    if (!daemon) {
      stopRequested = true;
      return;
    }
    daemon.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    const runtime = readRuntime(process.env);
    // A restart opens its store first: SQLite's check of it (150-200 ms on 100,000 LDs) runs in a
    // worker thread while the rest of the provider loads here (issue 12, S6); the start waits for it.
    const opened: DaemonStore | undefined = openUsedStoreEarly(runtime);
    const { startDaemon } = require('./app/daemon') as typeof import('./app/daemon');
    daemon = await startDaemon(runtime, { routers: faceRouters, opened });
  } catch (e) {
    exitFor(e);
  }
  daemon.assembly.log.info(`management screens: ${daemon.server.registrationUrl.replace(/\/version\.xml$/, '')}/ui/ (log in with the provider account)`);
  if (stopRequested) daemon.stop().then(() => process.exit(0));
}

if (require.main === module) void main();
