/**
 * The compiled daemon and CLI (dist/) as child processes on temp data folders, for the
 * start-up tests: each daemon listens on a free loopback port (port 0), with a private
 * copy of conf/ and the provider account given in the environment.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'main.js');
export const CLI = path.join(ROOT, 'dist', 'admin', 'cli.js');

export function requireBuild(): void {
  for (const f of [MAIN, CLI]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: these tests run the compiled provider. Build it first (npm run build).`);
  }
}

export interface Proc {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout matches; rejects when the process ends first or the time is up. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
}

export function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      resolve({ code, signal });
      for (const l of listeners) l();
    });
  });
  return {
    proc,
    out: () => out,
    err: () => err,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${re}\nstdout: ${out}\nstderr: ${err}`)), timeoutMs);
        const check = () => {
          if (re.test(out)) done();
          else if (proc.exitCode !== null || proc.signalCode !== null) done(new Error(`the process ended (${proc.exitCode ?? proc.signalCode}) before ${re} appeared\nstdout: ${out}\nstderr: ${err}`));
        };
        const done = (e?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (e) reject(e);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

export interface Instance {
  data: string;
  conf: string;
  env: NodeJS.ProcessEnv;
}

/** A temp data folder (not created: the daemon makes it) and a private copy of conf/. */
export function instance(data?: string): Instance {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vvol-startup-'));
  const conf = path.join(base, 'conf');
  fs.cpSync(path.join(ROOT, 'conf'), conf, { recursive: true });
  const dir = data ?? path.join(base, 'data');
  return {
    data: dir,
    conf,
    env: {
      ...process.env,
      VASA_PROVIDER_DATA: dir,
      VASA_PROVIDER_CONF: conf,
      VASA_PROVIDER_PORT: '0',
      VASA_PROVIDER_HOST: '127.0.0.1',
      VASA_PROVIDER_USER: 'vasaadmin',
      VASA_PROVIDER_PASSWORD: 'Secret1!',
    },
  };
}

/**
 * The daemon's last start-up line. Not the "started" line before it: main() installs its
 * SIGTERM handler only after that, and a SIGTERM in between ends the process unhandled.
 */
export const READY = /administer with:/;

export function startDaemon(i: Instance): Proc {
  return startProcess(process.execPath, [MAIN], i.env);
}

/** Resolves with the exit when the daemon gives up, or with 'started' (it is then stopped with SIGKILL, so that old code cannot hang a test). */
export async function startOutcome(i: Instance): Promise<{ started: boolean; code: number | null; err: string; out: string }> {
  const p = startDaemon(i);
  const started = await p.waitFor(READY).then(() => true, () => false);
  if (started) p.proc.kill('SIGKILL');
  const e = await p.exited;
  return { started, code: e.code, err: p.err(), out: p.out() };
}

/** Stops a daemon the way systemd does (SIGTERM) and requires a clean exit. */
export async function stopDaemon(p: Proc): Promise<void> {
  p.proc.kill('SIGTERM');
  const e = await p.exited;
  if (e.code !== 0) throw new Error(`the daemon stopped with ${e.code ?? e.signal}\n${p.err()}`);
}

export function cli(i: Instance, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: i.env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
