/**
 * govmomi's vCenter simulator for the vCenter-link tests: test/vcsim/main.go (our small
 * program around Debian's golang-github-vmware-govmomi-dev) built once per content of
 * main.go into a cache folder under the system temp folder (a Go build cache beside it),
 * so repeated runs and parallel test files share one binary; then started on a loopback
 * port with TLS and driven over its stdin (see main.go for the commands).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export const GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi/simulator';
const GOPATH = '/usr/share/gocode';
const SOURCE_DIR = path.resolve(__dirname, '..', 'vcsim');
const CACHE = path.join(os.tmpdir(), 'vvol-provider-vcsim');
const MISSING = "The vCenter tests need Go and govmomi's source: run 'sudo apt-get install golang-go golang-github-vmware-govmomi-dev'.";

function goBinary(): string {
  if (fs.existsSync('/usr/bin/go')) return '/usr/bin/go';
  const which = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(MISSING);
}

function run(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { ...o, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', (e) => resolve({ code: -1, out: e.message }));
    p.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** The simulator binary, built when main.go (or Go, or govmomi) changed since the last build (about 15 s cold, nothing warm). */
export async function buildVcsim(): Promise<string> {
  const go = goBinary();
  if (!fs.existsSync(GOVMOMI)) throw new Error(MISSING);
  const source = fs.readFileSync(path.join(SOURCE_DIR, 'main.go'));
  const version = spawnSync(go, ['version'], { encoding: 'utf8' }).stdout.trim();
  // A new main.go, Go or govmomi package (its simulator's main file changes with every release) makes a new binary.
  const govmomi = fs.statSync(path.join(GOVMOMI, 'simulator.go'));
  const key = crypto.createHash('sha256').update(source).update(version).update(`${govmomi.size}:${govmomi.mtimeMs}`).digest('hex').slice(0, 16);
  const bin = path.join(CACHE, key, 'vcsim');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  // Built under a name of its own and renamed: a second test file building at the same time gets an equal binary.
  const tmp = `${bin}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  const env = { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: path.join(CACHE, 'gocache') };
  const r = await run(go, ['build', '-o', tmp, '.'], { cwd: SOURCE_DIR, env });
  if (r.code !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`building test/vcsim failed (${go} build, GOPATH=${GOPATH}):\n${r.out}`);
  }
  fs.renameSync(tmp, bin);
  pruneOldBuilds(path.dirname(bin));
  return bin;
}

/** Builds of other main.go versions made over a week ago go (the Go build cache stays). */
function pruneOldBuilds(keep: string): void {
  const weekAgo = Date.now() - 7 * 24 * 3600_000;
  for (const name of fs.readdirSync(CACHE)) {
    const dir = path.join(CACHE, name);
    if (dir === keep || name === 'gocache') continue;
    try {
      if (fs.statSync(dir).mtimeMs < weekAgo) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* another run removed it */
    }
  }
}

export interface VcsimInfo {
  url: string;
  host: string;
  port: number;
  /** SHA-256 of the server certificate, "AB:CD:...". */
  thumbprint: string;
  certificatePem: string;
  datacenters: string[];
}

export interface CreateVm {
  name: string;
  instanceUuid: string;
  uuid?: string;
  datacenter: string;
  powerOn?: boolean;
}

type Reply = Record<string, unknown> & { id: number; ok: boolean; error?: string };

export class Vcsim {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private exited: Promise<void>;

  private constructor(private readonly proc: ChildProcess, readonly info: VcsimInfo, lines: readline.Interface, readonly user: string) {
    lines.on('line', (line) => {
      let r: Reply;
      try {
        r = JSON.parse(line) as Reply;
      } catch {
        return;
      }
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  /** Builds (if needed) and starts a simulator whose logins need `user` / `password`. */
  static async start(o: { user?: string; password: string; datacenters?: number }): Promise<Vcsim> {
    const bin = await buildVcsim();
    const user = o.user ?? 'administrator@vsphere.local';
    const proc = spawn(bin, ['-dc', String(o.datacenters ?? 2), '-user', user], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    // The password goes in on stdin, not in the arguments (ps shows those).
    proc.stdin?.write(`${o.password}\n`);
    const lines = readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the simulator did not start within 30 s: ${err}`)), 30_000);
      lines.once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the simulator stopped (exit ${code}): ${err}`));
      });
    });
    return new Vcsim(proc, JSON.parse(first) as VcsimInfo, lines, user);
  }

  get port(): number {
    return this.info.port;
  }

  get thumbprint(): string {
    return this.info.thumbprint;
  }

  private command(cmd: string, args: Record<string, unknown> = {}): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (r) => (r.ok ? resolve(r) : reject(new Error(`vcsim ${cmd}: ${r.error}`))));
      this.proc.stdin?.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  async createVm(vm: CreateVm): Promise<{ moref: string; vmPathName: string }> {
    const r = await this.command('create-vm', { ...vm });
    return { moref: String(r.moref), vmPathName: String(r.vmPathName) };
  }

  async deleteVm(instanceUuid: string): Promise<void> {
    await this.command('delete-vm', { instanceUuid });
  }

  async powerOn(instanceUuid: string): Promise<void> {
    await this.command('power-on', { instanceUuid });
  }

  async powerState(instanceUuid: string): Promise<string> {
    return String((await this.command('power-state', { instanceUuid })).powerState);
  }

  async renameVm(instanceUuid: string, name: string): Promise<void> {
    await this.command('rename-vm', { instanceUuid, name });
  }

  async setCredentials(user: string, password: string): Promise<void> {
    await this.command('set-credentials', { user, password });
  }

  /** Every session made so far is forgotten: the next call in one gets NotAuthenticated. */
  async expireSessions(): Promise<number> {
    return Number((await this.command('expire-sessions')).expired);
  }

  /** PowerOffVM_Task of this VM answers MethodDisabled from now on. */
  async disablePowerOff(instanceUuid: string): Promise<void> {
    await this.command('disable-power-off', { instanceUuid });
  }

  async enablePowerOff(instanceUuid: string): Promise<void> {
    await this.command('enable-power-off', { instanceUuid });
  }

  /** Stops the simulator (it removes its temporary datastore folders) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.stdin?.write(`${JSON.stringify({ id: 0, cmd: 'stop' })}\n`);
    this.proc.stdin?.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}
