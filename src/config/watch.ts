/**
 * Live reload of the provider settings (issue 4 section 2; the NEC product needs a
 * restart, we do not). Chokidar looks at provider-settings.jsonc and, when given, the
 * data folder's provider-account.json by polling their paths (a stat each per second):
 * a stat by path sees a file replaced by rename and a file that appears later, and
 * costs nothing under load, where a watch of the data folder (whose store, WAL and logs
 * change on every call) re-listed it over and over (bench/ S1 profile). Events are
 * debounced (an editor's save is several events).
 *
 * A valid new file: `onChange(settings, changes)` and a log line per change. An invalid
 * one: its problems are logged and the last good settings stay. Nothing here throws
 * into chokidar's event loop. `reload()` / `reloadAccount()` do the same work
 * synchronously, so tests (and a SIGHUP handler) need not wait for file events; every
 * result is also emitted as a 'reload' / 'account' event.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import chokidar, { FSWatcher } from 'chokidar';
import { ProviderAccount } from './account';
import { loadSettings, settingsFile, SettingsError } from './settings';
import { diffSettings, SettingsChange } from './settings-diff';
import type { ProviderSettings } from './settings-schema';

export interface WatchLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type ReloadResult =
  | { status: 'applied'; settings: ProviderSettings; changes: SettingsChange[] }
  | { status: 'unchanged'; settings: ProviderSettings }
  | { status: 'rejected'; settings: ProviderSettings; problems: string[] };

export type AccountReloadResult =
  | { status: 'applied'; user: string }
  | { status: 'unchanged' }
  | { status: 'rejected'; problems: string[] };

export interface SettingsWatcherOptions {
  confDir: string;
  /** The settings in force now (what start-up loaded). */
  initial: ProviderSettings;
  log: WatchLogger;
  /** Applies new, valid settings. A throw is logged; the new settings are still the current ones. */
  onChange(settings: ProviderSettings, changes: SettingsChange[]): void;
  /** With onAccountChange: the data folder whose provider-account.json is watched too. */
  dataDir?: string;
  onAccountChange?(account: ProviderAccount): void;
  debounceMs?: number;
  /** How often the files are looked at (ms, default 1000). */
  pollMs?: number;
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class SettingsWatcher extends EventEmitter {
  private settings: ProviderSettings;
  private accountStamp?: string;
  private watcher?: FSWatcher;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly file: string;
  private readonly accountFile?: string;

  constructor(private readonly opts: SettingsWatcherOptions) {
    super();
    this.settings = opts.initial;
    this.file = path.resolve(settingsFile(opts.confDir));
    if (opts.dataDir && opts.onAccountChange) {
      this.accountFile = path.resolve(ProviderAccount.file(opts.dataDir));
      this.accountStamp = this.readAccountStamp();
    }
  }

  /** The last good settings. */
  get current(): ProviderSettings {
    return this.settings;
  }

  /** Reads and checks the settings file now; applies it when valid and different. */
  reload(): ReloadResult {
    const result = this.reloadSettings();
    this.emit('reload', result);
    return result;
  }

  private reloadSettings(): ReloadResult {
    let next: ProviderSettings;
    try {
      next = loadSettings(this.opts.confDir);
    } catch (e) {
      const problems = e instanceof SettingsError ? e.problems : [describe(e)];
      this.opts.log.warn(`settings: refused the edit of ${this.file}; the last good settings stay in force: ${problems.join('; ')}`);
      return { status: 'rejected', settings: this.settings, problems };
    }
    const changes = diffSettings(this.settings, next);
    if (changes.length === 0) return { status: 'unchanged', settings: this.settings };
    this.settings = next;
    for (const c of changes) this.opts.log.info(`settings: ${c.message}`);
    try {
      this.opts.onChange(next, changes);
    } catch (e) {
      this.opts.log.error(`settings: applying the change failed: ${describe(e)}`);
    }
    return { status: 'applied', settings: next, changes };
  }

  private readAccountStamp(): string | undefined {
    try {
      const a = ProviderAccount.load(this.opts.dataDir as string);
      return a ? JSON.stringify(a) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Reads the provider account file now; hands a changed, readable account to onAccountChange. */
  reloadAccount(): AccountReloadResult {
    const result = this.reloadAccountFile();
    this.emit('account', result);
    return result;
  }

  private reloadAccountFile(): AccountReloadResult {
    if (!this.opts.dataDir || !this.opts.onAccountChange) return { status: 'unchanged' };
    let account: ProviderAccount | undefined;
    try {
      account = ProviderAccount.load(this.opts.dataDir);
    } catch (e) {
      this.opts.log.warn(`settings: the provider account file cannot be read; the current account stays in force: ${describe(e)}`);
      return { status: 'rejected', problems: [describe(e)] };
    }
    // A removed file is not a new account: the daemon keeps the one it has.
    const stamp = account ? JSON.stringify(account) : undefined;
    if (!account || stamp === this.accountStamp) return { status: 'unchanged' };
    this.accountStamp = stamp;
    this.opts.log.info(`settings: provider account changed (user "${account.user}"); new sessions log in with it`);
    try {
      this.opts.onAccountChange(account);
    } catch (e) {
      this.opts.log.error(`settings: applying the new provider account failed: ${describe(e)}`);
    }
    return { status: 'applied', user: account.user };
  }

  /** Starts watching; resolves when chokidar has scanned the folders. */
  start(): Promise<void> {
    if (this.watcher) return Promise.resolve();
    // The two files themselves, polled by path (a stat each per second): the account file
    // lives in the data folder, whose store, WAL and logs change on every call, and a
    // folder watch re-listed that folder (an lstat per entry) again and again under load.
    // A stat by path also sees a file replaced by rename, as the settings commands write it.
    const watcher = chokidar.watch([this.file, ...(this.accountFile ? [this.accountFile] : [])], {
      ignoreInitial: true,
      usePolling: true,
      interval: this.opts.pollMs ?? 1000,
      binaryInterval: this.opts.pollMs ?? 1000,
    });
    this.watcher = watcher;
    watcher.on('all', (_event, p) => this.schedule(path.resolve(p)));
    watcher.on('error', (e) => this.opts.log.warn(`settings: watching ${path.dirname(this.file)} failed: ${describe(e)}`));
    return new Promise((resolve) => watcher.once('ready', () => resolve()));
  }

  private schedule(p: string): void {
    const job = p === this.file ? () => this.reload() : p === this.accountFile ? () => this.reloadAccount() : undefined;
    if (!job) return;
    clearTimeout(this.timers.get(p));
    const t = setTimeout(() => {
      this.timers.delete(p);
      try {
        job();
      } catch (e) {
        this.opts.log.error(`settings: reload failed: ${describe(e)}`);
      }
    }, this.opts.debounceMs ?? 200);
    t.unref();
    this.timers.set(p, t);
  }

  async close(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const w = this.watcher;
    this.watcher = undefined;
    await w?.close();
  }
}
