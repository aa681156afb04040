'use strict';
/**
 * The runner's side of the processes: certificates made once per run, data folders
 * filled by the setup process, the provider (node dist/main.js), the baseline server
 * and the node-soap anchor as their own processes on free loopback ports, and the load
 * generator (forked, spoken to over IPC).
 */
const childProcess = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const { DIST, ROOT, freePort, runNodeJson, sleep, tempDir } = require('./util');

const USER = 'benchadmin';
const PASSWORD = 'Bench-Secret-1!';
const epochMs = () => performance.timeOrigin + performance.now();

/** Work folder of this run (removed at the end) and the certificates every scenario uses. */
class Run {
  constructor() {
    this.dir = tempDir('vvol-bench-');
    const { makeSelfSigned } = require(path.join(DIST, 'vasa', 'certificates'));
    // The provider's identity (RSA 2048 as the provider generates it), shared with the baseline server.
    this.identity = makeSelfSigned(['127.0.0.1', 'localhost'], Date.now());
    // The client certificate all simulated hosts present (registered with registerVASACertificate).
    this.client = makeSelfSigned(['bench-loadgen.example.test'], Date.now());
    this.keyFile = path.join(this.dir, 'provider.key');
    this.certFile = path.join(this.dir, 'provider.crt');
    fs.writeFileSync(this.keyFile, this.identity.key, { mode: 0o600 });
    fs.writeFileSync(this.certFile, this.identity.cert);
    this.templates = new Map();
  }

  sub(name) {
    const d = path.join(this.dir, `${name}-${Math.random().toString(36).slice(2, 8)}`);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  /**
   * A data folder made by the setup process (see setup.js for the job). The provider's
   * TLS identity is put in place so no start pays for key generation.
   */
  async setup(job) {
    const dir = job.dataDir ? path.dirname(job.dataDir) : this.sub('data');
    const dataDir = job.dataDir || path.join(dir, 'data');
    const jobFile = path.join(dir, `setup-${Date.now()}.json`);
    const idsFile = path.join(dir, 'ids.json');
    fs.writeFileSync(jobFile, JSON.stringify({ identity: this.identity, ...job, dataDir, idsFile }));
    const r = await runNodeJson(path.join(__dirname, 'setup.js'), [jobFile]);
    r.dataDir = dataDir;
    r.ids = JSON.parse(fs.readFileSync(idsFile, 'utf8'));
    return r;
  }

  /** The provider settings folder for a provider: conf/ copied. */
  conf() {
    const d = this.sub('conf');
    fs.cpSync(path.join(ROOT, 'conf'), d, { recursive: true });
    return d;
  }

  close() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** GET over HTTPS (own connection); resolves { status, body } or rejects. */
function get(port, p, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: p, rejectUnauthorized: false, agent: false, timeout: timeoutMs }, (res) => {
      let b = '';
      res.on('data', (c) => { b += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: b }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitReady(port, proc, what, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}) before answering`);
    try {
      const r = await get(port, '/version.xml', 1000);
      if (r.status === 200) return;
    } catch {
      /* not yet */
    }
    await sleep(20);
  }
  throw new Error(`${what} did not answer /version.xml within ${timeoutMs} ms`);
}

function stopProcess(proc, timeoutMs = 15_000) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      try {
        proc.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

/**
 * Starts the provider: node dist/main.js with a data folder, a conf folder, a free
 * loopback port and the bench account. Output goes to <dataDir>/../provider-N.out.
 * o.wait=false returns at once (cold start measures the wait itself).
 */
async function startProvider(run, o) {
  const port = o.port || (await freePort());
  const out = fs.openSync(path.join(path.dirname(o.dataDir), `provider-${port}-${Date.now()}.out`), 'a');
  const env = {
    ...process.env,
    VASA_PROVIDER_DATA: o.dataDir,
    VASA_PROVIDER_CONF: o.confDir || run.conf(),
    VASA_PROVIDER_PORT: String(port),
    VASA_PROVIDER_HOST: '127.0.0.1',
    VASA_PROVIDER_USER: USER,
    VASA_PROVIDER_PASSWORD: PASSWORD,
  };
  const spawnedAt = epochMs();
  const nodeArgs = [...(o.nodeArgs || [])];
  if (run.profileDir) {
    fs.mkdirSync(run.profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${run.profileDir}`);
  }
  const proc = childProcess.spawn(process.execPath, [...nodeArgs, path.join(DIST, 'main.js')], { cwd: o.cwd || ROOT, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const p = { proc, port, spawnedAt, dataDir: o.dataDir, target: { port }, stop: () => stopProcess(proc) };
  if (o.wait !== false) await waitReady(port, proc, 'the provider');
  return p;
}

async function startBaseline(run, o = {}) {
  const port = o.port || (await freePort());
  const spawnedAt = epochMs();
  const proc = childProcess.spawn(process.execPath, [path.join(__dirname, 'baseline-server.js'), String(port), run.keyFile, run.certFile], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const b = { proc, port, spawnedAt, target: { port }, stop: () => stopProcess(proc) };
  if (o.wait !== false) await waitReady(port, proc, 'the baseline server');
  return b;
}

/**
 * The node-soap anchor (soap-anchor-server.js) on a free loopback port: the provider's key
 * and certificate, queryVirtualVolumeInfo answered from vvolsFile ({ id: { name: value } }).
 */
async function startSoapAnchor(run, o) {
  const port = o.port || (await freePort());
  const proc = childProcess.spawn(process.execPath, [path.join(__dirname, 'soap-anchor-server.js'), String(port), run.keyFile, run.certFile, o.vvolsFile], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const a = { proc, port, target: { port }, stop: () => stopProcess(proc) };
  await waitReady(port, proc, 'the node-soap anchor');
  return a;
}

/** The load generator process and its RPC. */
class Loadgen {
  static async start(run) {
    const lg = new Loadgen();
    lg.proc = childProcess.fork(path.join(__dirname, 'loadgen.js'), [], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    lg.next = 1;
    lg.pending = new Map();
    lg.proc.on('message', (m) => {
      const w = lg.pending.get(m.id);
      if (!w) return;
      lg.pending.delete(m.id);
      if (m.error) w.reject(new Error(`load generator: ${m.error}`));
      else w.resolve(m.result);
    });
    lg.proc.on('exit', (code) => {
      for (const w of lg.pending.values()) w.reject(new Error(`load generator exited (${code})`));
      lg.pending.clear();
    });
    await lg.rpc('init', { cert: run.client.cert, key: run.client.key });
    return lg;
  }

  rpc(method, params) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.send({ id, method, params });
    });
  }

  async stop() {
    if (this.proc.exitCode === null) {
      this.proc.disconnect();
      await new Promise((r) => this.proc.once('exit', r));
    }
  }
}

/** Simulated ESXi hosts: hostGuid and iSCSI initiator per host. */
function hosts(n, prefix = 'esx') {
  return Array.from({ length: n }, (_, i) => {
    const name = `${prefix}${String(i + 1).padStart(3, '0')}`;
    return { name, guid: `bench-host-guid-${name}`, iqn: `iqn.1998-01.com.vmware:${name}-bench` };
  });
}

/** The lines of the provider's log files (server/logs/*.log) in the data folder. */
function providerLogLines(dataDir) {
  const dir = path.join(dataDir, 'server', 'logs');
  let files = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
  } catch {
    return [];
  }
  return files.flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'));
}

/** Durations (ms) of the VASA calls the provider logged (`vasa <op> session=… <ms>ms ok`), by operation. */
function providerCallTimes(dataDir) {
  const out = {};
  for (const line of providerLogLines(dataDir)) {
    const m = / vasa (\w+) session=\S+(?: \w+=\S+)* ([\d.]+)ms (\w+)/.exec(line);
    if (m) (out[m[1]] = out[m[1]] || []).push({ ms: Number(m[2]), outcome: m[3] });
  }
  return out;
}

/** The relation files the provider logged as written (time from the log line, array), in order. */
function relationFilesWritten(dataDir) {
  const out = [];
  for (const line of providerLogLines(dataDir)) {
    const m = /^(\S+) INFO relation file: (\S+): wrote /.exec(line);
    if (m) out.push({ atMs: Date.parse(m[1]), array: m[2] });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

module.exports = { Run, Loadgen, startProvider, startBaseline, startSoapAnchor, stopProcess, hosts, get, providerCallTimes, relationFilesWritten, USER, PASSWORD, epochMs };

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}
module.exports.cpuMs = cpuMs;
