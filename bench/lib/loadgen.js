'use strict';
/**
 * The load generator: its own process (forked by the runner), driving the provider or
 * the bare baseline server over HTTPS keep-alive. The runner sends jobs over IPC
 * ({ id, method, params }) and gets { id, result } or { id, error } back. Simulated
 * clients stay connected between jobs, grouped under a key ('p' provider, 'b' baseline).
 */
const https = require('node:https');
const { VasaClient, TransportError, esc, lastId, count, epochMs, now } = require('./soap-client');
const { latency, sleep } = require('./util');

let tls; // { cert, key } of the client certificate
const groups = new Map(); // key -> { target, clients: VasaClient[] }

const jitter = (ms) => ms / 2 + Math.random() * ms;

function group(key) {
  const g = groups.get(key);
  if (!g) throw new Error(`no clients under "${key}": connect first`);
  return g;
}

/** Size of the canned answer the baseline server sends for this call (0 for the provider). */
function cannedFor(canned, op, items) {
  if (!canned) return 0;
  const k = `${op}:${items}`;
  if (canned[k]) return canned[k];
  // Batch sizes not seen against the provider: linear in the items from the nearest seen.
  const seen = Object.keys(canned).filter((x) => x.startsWith(`${op}:`)).map((x) => Number(x.split(':')[1])).filter((n) => n > 0);
  if (seen.length === 0) return canned[`${op}:0`] || 1024;
  const max = Math.max(...seen);
  const min = Math.min(...seen);
  if (max === min) return Math.round((canned[`${op}:${max}`] * items) / max);
  const perItem = (canned[`${op}:${max}`] - canned[`${op}:${min}`]) / (max - min);
  return Math.round(canned[`${op}:${min}`] + perItem * (items - min));
}

/** Keeps the mean answer size per op:items, to give the baseline the same sizes. */
class Sizes {
  constructor() {
    this.sum = {};
    this.n = {};
  }

  add(op, items, bytes) {
    const k = `${op}:${items}`;
    this.sum[k] = (this.sum[k] || 0) + bytes;
    this.n[k] = (this.n[k] || 0) + 1;
  }

  out() {
    const o = {};
    for (const k of Object.keys(this.sum)) o[k] = Math.round(this.sum[k] / this.n[k]);
    return o;
  }
}

/** Calls until the answer is not VasaProviderBusy (retried after a short pause) or the attempts run out. */
async function callRetrying(c, op, inner, canned, stats, o = {}) {
  for (let attempt = 0; ; attempt++) {
    let r;
    try {
      r = await c.call(op, inner, canned);
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      if (e.code === 'TIMEOUT') stats.timeouts = (stats.timeouts || 0) + 1;
      else stats.transportErrors = (stats.transportErrors || 0) + 1;
      if (attempt >= (o.attempts || 20)) throw e;
      await sleep(jitter(100));
      continue;
    }
    if (r.fault === 'VasaProviderBusy') {
      stats.busy = (stats.busy || 0) + 1;
      if (attempt >= (o.attempts || 200)) return r;
      await sleep(jitter(o.busyPauseMs || 100));
      continue;
    }
    return r;
  }
}

// ---------------------------------------------------------------------------- jobs

const methods = {
  init(p) {
    tls = { cert: p.cert, key: p.key };
    return { pid: process.pid };
  },

  /** registerVASACertificate with the provider account (needs neither session nor trust). */
  async register(p) {
    const c = new VasaClient(p.target, tls, { sockets: 1 });
    const inner = `<vasa:userName>${esc(p.user)}</vasa:userName><vasa:password>${esc(p.password)}</vasa:password><vasa:newCertificate>${esc(tls.cert)}</vasa:newCertificate>`;
    const r = await c.call('registerVASACertificate', inner, p.canned ? 2048 : 0);
    c.close();
    if (r.status !== 200) throw new Error(`registerVASACertificate failed: ${r.fault} ${r.body.slice(0, 300)}`);
    return { ms: r.ms };
  },

  /**
   * Makes the clients of a group and opens a session for each (setContext, `parallel`
   * at a time, busy answers retried), then reads the event and alarm feeds once from -1
   * as a host does after setContext.
   */
  async connect(p) {
    if (groups.has(p.key)) methods.close({ key: p.key });
    const clients = p.clients.map((x) => new VasaClient(p.target, tls, { ...x, sockets: p.sockets || 5, timeoutMs: p.timeoutMs }));
    groups.set(p.key, { target: p.target, clients });
    const stats = {};
    const t0 = now();
    let next = 0;
    const worker = async () => {
      while (next < clients.length) {
        const c = clients[next++];
        const r = await callRetrying(c, 'setContext', c.usageContext(), p.canned ? p.canned['setContext:0'] || 1500 : 0, stats);
        if (r.status !== 200) throw new Error(`setContext failed for ${c.name}: ${r.fault} ${r.body.slice(0, 300)}`);
        if (p.canned) c.cookie = c.cookie || `VASASESSIONID=${c.name}`;
        if (p.feeds !== false) {
          const e = await callRetrying(c, 'getEvents', '<vasa:lastEventId>-1</vasa:lastEventId>', p.canned ? 1024 : 0, stats);
          c.lastEventId = p.canned ? 0 : lastId(e.body, 'eventId', -1);
          const a = await callRetrying(c, 'getAlarms', '<vasa:lastAlarmId>-1</vasa:lastAlarmId>', p.canned ? 1024 : 0, stats);
          c.lastAlarmId = p.canned ? 0 : lastId(a.body, 'alarmId', -1);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(p.parallel || 8, clients.length) }, worker));
    return { clients: clients.length, ms: now() - t0, ...stats };
  },

  /** One polling round of every client (getEvents and getAlarms from its last ids, until caught up), `parallel` at a time. */
  async poll(p) {
    const g = group(p.key);
    const stats = {};
    const t0 = now();
    let next = 0;
    let events = 0;
    const worker = async () => {
      while (next < g.clients.length) {
        const c = g.clients[next++];
        for (;;) {
          const e = await callRetrying(c, 'getEvents', `<vasa:lastEventId>${c.lastEventId}</vasa:lastEventId>`, 0, stats);
          const n = count(e.body, /<(?:\w+:)?eventId>/g);
          events += n;
          c.lastEventId = lastId(e.body, 'eventId', c.lastEventId);
          if (n === 0 || e.fault) break;
        }
        const a = await callRetrying(c, 'getAlarms', `<vasa:lastAlarmId>${c.lastAlarmId}</vasa:lastAlarmId>`, 0, stats);
        c.lastAlarmId = lastId(a.body, 'alarmId', c.lastAlarmId);
      }
    };
    await Promise.all(Array.from({ length: Math.min(p.parallel || 8, g.clients.length) }, worker));
    return { ms: now() - t0, events, ...stats };
  },

  close(p) {
    const g = groups.get(p.key);
    if (g) for (const c of g.clients) c.close();
    groups.delete(p.key);
    return {};
  },

  /**
   * Steady calls: every client runs `perClient` workers calling one operation in a
   * closed loop; `warmupMs` is not counted, then `durationMs` is measured.
   * op: queryVirtualVolumeInfo | bind1 | bind64 | getEvents. supply: VVol ids (binds
   * take fresh ones; each client walks the whole list from its own offset).
   */
  async steady(p) {
    const g = group(p.key);
    const sizes = new Sizes();
    const lat = [];
    const faults = {};
    let itemFaults = 0;
    let completed = 0;
    let exhausted = false;
    const stats = {};
    const supply = p.supply || [];
    const cursors = g.clients.map((_, i) => ({ at: Math.floor((i * supply.length) / g.clients.length), taken: 0 }));
    const take = (ci, n) => {
      const cur = cursors[ci];
      // Against the baseline the ids mean nothing: never run out.
      if (cur.taken + n > supply.length && !p.canned) return null;
      const out = [];
      for (let k = 0; k < n; k++) {
        out.push(supply[cur.at]);
        cur.at = (cur.at + 1) % supply.length;
      }
      cur.taken += n;
      return out;
    };
    const build = (ci, c) => {
      switch (p.op) {
        case 'queryVirtualVolumeInfo': {
          const id = supply[Math.floor(Math.random() * supply.length)];
          return { op: 'queryVirtualVolumeInfo', items: 1, inner: `<vasa:vvolId>${id}</vasa:vvolId>` };
        }
        case 'bind1':
        case 'bind64': {
          const n = p.op === 'bind1' ? 1 : 64;
          const ids = take(ci, n);
          if (!ids) return null;
          return { op: 'bindVirtualVolume', items: n, inner: `${ids.map((id) => `<vasa:vvolId>${id}</vasa:vvolId>`).join('')}<vasa:bindContext>Normal</vasa:bindContext>` };
        }
        case 'getEvents':
          return { op: 'getEvents', items: 0, inner: `<vasa:lastEventId>${c.lastEventId}</vasa:lastEventId>`, after: (r) => { if (!p.canned) c.lastEventId = lastId(r.body, 'eventId', c.lastEventId); } };
        default:
          throw new Error(`unknown op ${p.op}`);
      }
    };
    const t0 = now();
    const warmEnd = t0 + (p.warmupMs || 0);
    const end = warmEnd + p.durationMs;
    const worker = async (ci) => {
      const c = g.clients[ci];
      while (now() < end) {
        const req = build(ci, c);
        if (!req) {
          exhausted = true;
          return;
        }
        const r = await callRetrying(c, req.op, req.inner, cannedFor(p.canned, req.op, req.items), stats);
        const done = now();
        if (r.fault) {
          faults[r.fault] = (faults[r.fault] || 0) + 1;
          if (r.fault === 'LostEvent') c.lastEventId = -1;
        } else {
          if (req.after) req.after(r);
          if (req.op === 'bindVirtualVolume') itemFaults += count(r.body, /<vvol:fault\b/g);
        }
        sizes.add(req.op, req.items, r.bytes);
        if (done >= warmEnd && done <= end) {
          completed++;
          lat.push(r.ms);
        }
      }
    };
    const workers = [];
    g.clients.forEach((_, ci) => {
      for (let w = 0; w < p.perClient; w++) workers.push(worker(ci));
    });
    await Promise.all(workers);
    const windowMs = Math.min(now(), end) - warmEnd;
    return { op: p.op, completed, windowMs, throughput: completed / (windowMs / 1000), latency: latency(lat), faults, itemFaults, exhausted, sizes: sizes.out(), ...stats };
  },

  /**
   * Boot storm: every host binds the VVols of its VMs, vvold-style: at most
   * `outstanding` calls in flight per host (binds and polls together), each bind taking
   * whole VMs from the host's queue up to `batchMax` VVols; every host also polls
   * getEvents and getAlarms every `pollMs` (first poll at a random offset). Busy answers
   * are counted and retried; transport timeouts are counted and retried.
   */
  async bootstorm(p) {
    const g = group(p.key);
    const sizes = new Sizes();
    const bindLat = [];
    const pollLat = [];
    const stats = { busy: 0, timeouts: 0, transportErrors: 0 };
    const faults = {};
    let itemFaults = 0;
    let binds = 0;
    let bindCalls = 0;
    let polls = 0;
    const boundIds = [];
    let finished = false;
    const t0 = now();
    const perHost = g.clients.map(async (c, hi) => {
      const queue = p.hosts[hi].vms.map((vm) => vm.slice());
      let free = p.outstanding;
      const waiters = [];
      const acquire = () => (free > 0 ? (free--, Promise.resolve()) : new Promise((r) => waiters.push(r)));
      const release = () => {
        const w = waiters.shift();
        if (w) w();
        else free++;
      };
      // One call, retried until it is not busy and not a transport failure (each counted).
      const attempt = async (op, inner, items) => {
        for (;;) {
          let r;
          try {
            r = await c.call(op, inner, cannedFor(p.canned, op, items));
          } catch (e) {
            if (!(e instanceof TransportError)) throw e;
            if (e.code === 'TIMEOUT') stats.timeouts++;
            else stats.transportErrors++;
            await sleep(jitter(200));
            continue;
          }
          sizes.add(op, items, r.bytes);
          if (r.fault === 'VasaProviderBusy') {
            stats.busy++;
            await sleep(jitter(p.busyPauseMs || 200));
            continue;
          }
          return r;
        }
      };
      const poller = (async () => {
        await sleep(Math.random() * p.pollMs);
        while (!finished) {
          await acquire();
          if (finished) return release();
          try {
            for (const [op, inner, local] of [['getEvents', `<vasa:lastEventId>${c.lastEventId}</vasa:lastEventId>`, 'eventId'], ['getAlarms', `<vasa:lastAlarmId>${c.lastAlarmId}</vasa:lastAlarmId>`, 'alarmId']]) {
              const r = await attempt(op, inner, 0);
              pollLat.push(r.ms);
              polls++;
              if (r.fault) {
                faults[`${op}:${r.fault}`] = (faults[`${op}:${r.fault}`] || 0) + 1;
                // As vvold does: events were lost, read the feed again from the oldest held.
                if (r.fault === 'LostEvent') c.lastEventId = -1;
                if (r.fault === 'LostAlarm') c.lastAlarmId = -1;
              } else if (!p.canned) {
                if (op === 'getEvents') c.lastEventId = lastId(r.body, local, c.lastEventId);
                else c.lastAlarmId = lastId(r.body, local, c.lastAlarmId);
              }
            }
          } finally {
            release();
          }
          const until = now() + p.pollMs;
          while (!finished && now() < until) await sleep(Math.min(100, until - now()));
        }
      })();
      const inflight = new Set();
      while (queue.length || inflight.size) {
        if (queue.length === 0) {
          await Promise.race(inflight);
          continue;
        }
        await acquire();
        const batch = [];
        while (queue.length && batch.length + queue[0].length <= p.batchMax) batch.push(...queue.shift());
        if (batch.length === 0) batch.push(...queue.shift()); // a VM bigger than a batch
        const inner = `${batch.map((id) => `<vasa:vvolId>${id}</vasa:vvolId>`).join('')}<vasa:bindContext>Normal</vasa:bindContext>`;
        const task = attempt('bindVirtualVolume', inner, batch.length).then((r) => {
          bindLat.push(r.ms);
          bindCalls++;
          if (r.fault) faults[r.fault] = (faults[r.fault] || 0) + 1;
          else {
            const bad = count(r.body, /<vvol:fault\b/g);
            itemFaults += bad;
            binds += batch.length - bad;
            if (!p.canned) for (const id of batch) boundIds.push(id);
          }
        }).finally(() => {
          release();
          inflight.delete(task);
        });
        inflight.add(task);
      }
      return { poller }; // wrapped: returning the promise itself would wait for it
    });
    const pollers = (await Promise.all(perHost)).map((x) => x.poller);
    const ms = now() - t0;
    finished = true;
    await Promise.all(pollers);
    return { ms, binds, bindCalls, itemFaults, polls, faults, ...stats, bindLatency: latency(bindLat), pollLatency: latency(pollLat), sizes: sizes.out() };
  },

  /**
   * Reconnect storm: new connections for every client, all setContext at the same
   * moment (busy retried), then each host resumes polling (getEvents + getAlarms from
   * the ids it had) as soon as its session is back.
   */
  async reconnect(p) {
    const g = group(p.key);
    for (const c of g.clients) {
      // The old connections are gone either way. With `resume` the host keeps its TLS
      // session (the agent's session cache: its ticket is offered on the new connections,
      // as a client that caches sessions does); without, it starts over (a full handshake).
      c.agent.destroy();
      if (!p.resume) c.agent = new https.Agent({ keepAlive: true, maxSockets: p.sockets || 5, cert: tls.cert, key: tls.key, rejectUnauthorized: false });
      c.cookie = undefined;
    }
    const stats = { busy: 0, timeouts: 0, transportErrors: 0 };
    const hs0 = g.clients.reduce((a, c) => ({ full: a.full + c.handshakes.full, resumed: a.resumed + c.handshakes.resumed }), { full: 0, resumed: 0 });
    const setLat = [];
    const pollLat = [];
    const faults = {};
    let sessions = 0;
    let pollsOk = 0;
    let pollsFailed = 0;
    let lastSession = 0;
    let lastPoll = 0;
    const t0 = now();
    await Promise.all(g.clients.map(async (c) => {
      const started = now();
      let r;
      for (;;) {
        try {
          r = await c.setContext(p.canned ? p.canned['setContext:0'] || 1500 : 0);
        } catch (e) {
          if (!(e instanceof TransportError)) throw e;
          if (e.code === 'TIMEOUT') stats.timeouts++;
          else stats.transportErrors++;
          await sleep(jitter(200));
          continue;
        }
        if (r.fault === 'VasaProviderBusy') {
          stats.busy++;
          await sleep(jitter(p.busyPauseMs || 200));
          continue;
        }
        break;
      }
      if (r.fault) {
        faults[`setContext:${r.fault}`] = (faults[`setContext:${r.fault}`] || 0) + 1;
        return;
      }
      if (p.canned) c.cookie = c.cookie || `VASASESSIONID=${c.name}`;
      sessions++;
      setLat.push(now() - started);
      lastSession = Math.max(lastSession, now() - t0);
      for (const [op, inner] of [['getEvents', `<vasa:lastEventId>${c.lastEventId}</vasa:lastEventId>`], ['getAlarms', `<vasa:lastAlarmId>${c.lastAlarmId}</vasa:lastAlarmId>`]]) {
        try {
          const pr = await callRetrying(c, op, inner, p.canned ? 1024 : 0, stats);
          pollLat.push(pr.ms);
          if (pr.fault) {
            pollsFailed++;
            faults[`${op}:${pr.fault}`] = (faults[`${op}:${pr.fault}`] || 0) + 1;
          } else pollsOk++;
        } catch {
          pollsFailed++;
        }
      }
      lastPoll = Math.max(lastPoll, now() - t0);
    }));
    const hs1 = g.clients.reduce((a, c) => ({ full: a.full + c.handshakes.full, resumed: a.resumed + c.handshakes.resumed }), { full: 0, resumed: 0 });
    const handshakes = { full: hs1.full - hs0.full, resumed: hs1.resumed - hs0.resumed };
    return { clients: g.clients.length, sessions, allSessionsMs: lastSession, allPolledMs: lastPoll, pollsOk, pollsFailed, faults, handshakes, ...stats, setContextLatency: latency(setLat), pollLatency: latency(pollLat) };
  },

  /**
   * Snapshot and fast clone of one VM, as vSphere does it: prepareToSnapshotVirtualVolume
   * per disk, one snapshotVirtualVolume for all disks, then fastCloneVirtualVolume per
   * disk (a linked clone of the VM). Sequential; every call timed.
   */
  async snapshot(p) {
    const g = group(p.key);
    const c = g.clients[0];
    const lat = { prepareToSnapshotVirtualVolume: [], snapshotVirtualVolume: [], fastCloneVirtualVolume: [] };
    const sizes = new Sizes();
    const faults = {};
    const stats = {};
    const check = (op, r) => {
      sizes.add(op, op === 'snapshotVirtualVolume' ? p.disks.length : 1, r.bytes);
      lat[op].push(r.ms);
      if (r.fault) faults[`${op}:${r.fault}`] = (faults[`${op}:${r.fault}`] || 0) + 1;
      else if (!p.canned && /<vvol:taskState>Error<|<vvol:errorResult>/.test(r.body)) faults[`${op}:item`] = (faults[`${op}:item`] || 0) + 1;
    };
    for (let it = 0; it < p.iterations; it++) {
      const snaps = [];
      for (const id of p.disks) {
        const r = await callRetrying(c, 'prepareToSnapshotVirtualVolume', `<vasa:vvolId>${id}</vasa:vvolId>`, cannedFor(p.canned, 'prepareToSnapshotVirtualVolume', 1), stats);
        check('prepareToSnapshotVirtualVolume', r);
        const m = /<(?:\w+:)?snapshotId>([^<]+)</.exec(r.body);
        snaps.push(m ? m[1] : `naa.6${'0'.repeat(27)}${(it & 0xffff).toString(16).padStart(4, '0')}`); // an id of no VVol (N4 form)
      }
      const info = snaps.map((s, k) => `<vasa:snapshotInfo><vvol:vvolId>${s}</vvol:vvolId><vvol:metadata><data:parameterName>VMW_VVolName</data:parameterName><data:parameterValue>${p.vmName}_${k}-${String(it + 1).padStart(6, '0')}.vmdk</data:parameterValue></vvol:metadata></vasa:snapshotInfo>`).join('');
      const sr = await callRetrying(c, 'snapshotVirtualVolume', `${info}<vasa:timeoutMS>10000</vasa:timeoutMS>`, cannedFor(p.canned, 'snapshotVirtualVolume', p.disks.length), stats);
      check('snapshotVirtualVolume', sr);
      const cloneVm = `502e${String(it).padStart(4, '0')}-0000-4000-8000-${String(Date.now() % 1e12).padStart(12, '0')}`;
      for (let k = 0; k < p.disks.length; k++) {
        const md = [['VMW_VmID', cloneVm], ['VMW_VVolType', 'Data'], ['VMW_VVolName', `${p.vmName}-clone${it}_${k}.vmdk`], ['VMW_ContainerId', p.container]]
          .map(([n, v]) => `<vasa:metadata><data:parameterName>${n}</data:parameterName><data:parameterValue>${v}</data:parameterValue></vasa:metadata>`).join('');
        const r = await callRetrying(c, 'fastCloneVirtualVolume', `<vasa:vvolId>${p.disks[k]}</vasa:vvolId>${md}`, cannedFor(p.canned, 'fastCloneVirtualVolume', 1), stats);
        check('fastCloneVirtualVolume', r);
      }
    }
    const out = {};
    for (const [op, l] of Object.entries(lat)) out[op] = latency(l);
    return { latency: out, faults, sizes: sizes.out(), ...stats };
  },

  /**
   * Soak: scenario 1's mix in a closed loop (every client: queryVirtualVolumeInfo,
   * getEvents, bind of 1, bind of 64, then unbind of the 65 so the store stays the same
   * size) while /health is read every `sampleMs`.
   */
  async soak(p) {
    const g = group(p.key);
    const lat = {};
    const faults = {};
    const stats = {};
    const samples = [];
    let calls = 0;
    const t0 = now();
    const end = t0 + p.durationMs;
    const sampler = (async () => {
      let next = t0 + p.sampleMs;
      // A first read resets the provider's histogram, so each sample covers its own window.
      await health(g.target, true).catch(() => undefined);
      while (now() < end + 1) {
        await sleep(Math.max(0, next - now()));
        next += p.sampleMs;
        try {
          const h = await health(g.target, true);
          samples.push({ atS: (now() - t0) / 1000, ...h });
        } catch (e) {
          samples.push({ atS: (now() - t0) / 1000, error: e.message });
        }
        if (now() >= end) break;
      }
    })();
    const supply = p.supply;
    const perWorker = Math.floor(supply.length / (g.clients.length * p.perClient));
    const sizes = new Sizes();
    const record = (op, r, wireOp, items) => {
      calls++;
      sizes.add(wireOp, items, r.bytes);
      (lat[op] = lat[op] || []).push(r.ms);
      if (r.fault) faults[`${op}:${r.fault}`] = (faults[`${op}:${r.fault}`] || 0) + 1;
    };
    const worker = async (ci, w) => {
      const c = g.clients[ci];
      const base = (ci * p.perClient + w) * perWorker;
      const mine = supply.slice(base, base + perWorker);
      let at = 0;
      while (now() < end) {
        const q = mine[Math.floor(Math.random() * mine.length)];
        record('queryVirtualVolumeInfo', await callRetrying(c, 'queryVirtualVolumeInfo', `<vasa:vvolId>${q}</vasa:vvolId>`, cannedFor(p.canned, 'queryVirtualVolumeInfo', 1), stats), 'queryVirtualVolumeInfo', 1);
        const ev = await callRetrying(c, 'getEvents', `<vasa:lastEventId>${c.lastEventId}</vasa:lastEventId>`, cannedFor(p.canned, 'getEvents', 0), stats);
        record('getEvents', ev, 'getEvents', 0);
        if (ev.fault === 'LostEvent') c.lastEventId = -1;
        else if (!ev.fault && !p.canned) c.lastEventId = lastId(ev.body, 'eventId', c.lastEventId);
        const ids = [];
        for (let k = 0; k < 65; k++) ids.push(mine[(at + k) % mine.length]);
        at = (at + 65) % mine.length;
        record('bind1', await callRetrying(c, 'bindVirtualVolume', `<vasa:vvolId>${ids[0]}</vasa:vvolId><vasa:bindContext>Normal</vasa:bindContext>`, cannedFor(p.canned, 'bindVirtualVolume', 1), stats), 'bindVirtualVolume', 1);
        const b64 = ids.slice(1);
        record('bind64', await callRetrying(c, 'bindVirtualVolume', `${b64.map((id) => `<vasa:vvolId>${id}</vasa:vvolId>`).join('')}<vasa:bindContext>Normal</vasa:bindContext>`, cannedFor(p.canned, 'bindVirtualVolume', 64), stats), 'bindVirtualVolume', 64);
        // Unbind what was bound, 64 + 1 handles in two calls (the PE is found by the provider).
        for (const part of [ids.slice(0, 64), ids.slice(64)]) {
          const handles = part.map((id) => `<vasa:vvolHandle><data:uniqueIdentifier>${id}</data:uniqueIdentifier><vvol:peInBandId><vvol:protocolEndpointType>SCSI</vvol:protocolEndpointType></vvol:peInBandId><vvol:vvolSecondaryId>0x0</vvol:vvolSecondaryId></vasa:vvolHandle>`).join('');
          record('unbind', await callRetrying(c, 'unbindVirtualVolume', `${handles}<vasa:unbindContext>Normal</vasa:unbindContext>`, cannedFor(p.canned, 'unbindVirtualVolume', part.length), stats), 'unbindVirtualVolume', part.length);
        }
      }
    };
    const workers = [];
    g.clients.forEach((_, ci) => {
      for (let w = 0; w < p.perClient; w++) workers.push(worker(ci, w));
    });
    await Promise.all(workers);
    await sampler;
    const out = {};
    for (const [op, l] of Object.entries(lat)) out[op] = latency(l);
    return { ms: now() - t0, calls, throughput: calls / ((now() - t0) / 1000), latency: out, faults, samples, sizes: sizes.out(), ...stats };
  },

  /**
   * Cold start: polls GET /version.xml (fresh connection each try) until it is answered,
   * then setContext (vCenter session; its certificate was registered before the restart)
   * and queryArrays. Times are epoch ms, so the runner relates them to the spawn.
   */
  async coldstart(p) {
    const deadline = now() + (p.timeoutMs || 60_000);
    let tries = 0;
    let versionAt;
    while (now() < deadline) {
      tries++;
      const ok = await new Promise((resolve) => {
        const req = https.get({ host: '127.0.0.1', port: p.target.port, path: '/version.xml', rejectUnauthorized: false, agent: false, timeout: 5000, cert: tls.cert, key: tls.key }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', () => resolve(false));
      });
      if (ok) {
        versionAt = epochMs();
        break;
      }
      await sleep(p.pollMs || 5);
    }
    if (!versionAt) throw new Error('version.xml was never answered');
    const c = new VasaClient(p.target, tls, { name: 'vc', guid: 'vc-guid-coldstart', vc: true, sockets: 1 });
    const stats = {};
    const s = await callRetrying(c, 'setContext', c.usageContext(), p.canned ? 1500 : 0, stats);
    if (s.fault) throw new Error(`setContext failed: ${s.fault} ${s.body.slice(0, 300)}`);
    if (p.canned) c.cookie = 'VASASESSIONID=vc';
    const q = await callRetrying(c, 'queryArrays', '', p.canned ? p.canned['queryArrays:0'] || 1024 : 0, stats);
    if (q.fault) throw new Error(`queryArrays failed: ${q.fault}`);
    const arraysAt = epochMs();
    c.close();
    return { tries, versionAt, arraysAt, arrays: count(q.body, /<(?:\w+:)?arrayName>/g), queryArraysBytes: q.bytes, ...stats };
  },

  async health(p) {
    return health(p.target, p.reset);
  },
};

/** GET /health of the provider or the baseline (own connection). */
function health(target, reset) {
  return new Promise((resolve, reject) => {
    // Resetting the provider's figures needs its account (the bench's, from procs.js).
    const { USER, PASSWORD } = require('./procs');
    const headers = reset ? { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } : {};
    const req = https.get({ host: '127.0.0.1', port: target.port, path: `/health${reset ? '?reset=1' : ''}`, headers, rejectUnauthorized: false, agent: false, timeout: 10_000 }, (res) => {
      let b = '';
      res.on('data', (c) => { b += c; });
      res.on('end', () => {
        try {
          resolve(JSON.parse(b));
        } catch (e) {
          reject(new Error(`/health answered ${res.statusCode}: ${b.slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('health timeout')));
    req.on('error', reject);
  });
}

process.on('message', async (m) => {
  try {
    const fn = methods[m.method];
    if (!fn) throw new Error(`unknown method ${m.method}`);
    const result = await fn(m.params || {});
    process.send({ id: m.id, result });
  } catch (e) {
    process.send({ id: m.id, error: e && e.stack ? e.stack : String(e) });
  }
});
process.on('disconnect', () => process.exit(0));
