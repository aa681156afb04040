'use strict';
/**
 * S3 reconnect storm: 256 ESXi hosts know the provider (their PE access is in the
 * store, their sessions were open, they had polled up to the last event); the provider restarts and all 256 call setContext
 * at the same moment on new connections (busy answers retried), then each resumes
 * polling (getEvents + getAlarms from the ids it had). The store holds the 12,800 VVols
 * of the boot storm. Each repetition is a provider restart.
 */
const path = require('node:path');
const { Loadgen, startProvider, startBaseline, hosts, cpuMs, USER, PASSWORD } = require('../lib/procs');

const HOSTS = 256;

async function run(ctx) {
  const { run: r, reps, log, figures } = ctx;
  log('  setup: demo array with 3,200 VMs (12,800 VVols)');
  const s = await r.setup({ arrays: 'demo-large', groups: [{ tag: 'vms', vms: 3200, disks: ['config', 'data', 'data', 'swap'], pools: [0, 1] }] });
  const clients = hosts(HOSTS, 'esx-re');
  const conf = r.conf();
  const lg = await Loadgen.start(r);
  const res = { p: [], b: [], pResumed: [], bResumed: [], first: null };
  try {
    // The hosts meet the provider once (PE access is given and kept in the store).
    let prov = await startProvider(r, { dataDir: s.dataDir, confDir: conf });
    await lg.rpc('register', { target: prov.target, user: USER, password: PASSWORD });
    res.first = await lg.rpc('connect', { key: 'p', target: prov.target, clients, sockets: 5, parallel: 32 });
    log(`  first contact of ${HOSTS} hosts (32 at a time): ${(res.first.ms / 1000).toFixed(2)} s`);
    // Before the restart every host has polled (as it does every 10 s): it is caught up.
    const caught = await lg.rpc('poll', { key: 'p', parallel: 32 });
    log(`  every host polled once more: ${(caught.ms / 1000).toFixed(2)} s, ${caught.events} events`);
    // Each repetition restarts the provider twice: the hosts reconnect without their TLS
    // sessions (full handshakes), then with them (resumed with the tickets the provider
    // issued before its restart: the ticket keys are in the data folder).
    for (const resume of [false, true]) {
      for (let rep = 0; rep < reps; rep++) {
        await prov.stop();
        prov = await startProvider(r, { dataDir: s.dataDir, confDir: conf, port: prov.port });
        const c0 = cpuMs(prov.proc.pid);
        const pr = await lg.rpc('reconnect', { key: 'p', sockets: 5, resume });
        pr.serverCpuMs = cpuMs(prov.proc.pid) - c0;
        (resume ? res.pResumed : res.p).push(pr);
        log(`  ${resume ? 'TLS sessions resumed, ' : ''}rep ${rep + 1}: ${pr.sessions}/${HOSTS} sessions in ${(pr.allSessionsMs / 1000).toFixed(2)} s, all polled in ${(pr.allPolledMs / 1000).toFixed(2)} s; TLS handshakes ${pr.handshakes.full} full, ${pr.handshakes.resumed} resumed; busy ${pr.busy}, timeouts ${pr.timeouts}, transport errors ${pr.transportErrors}, polls failed ${pr.pollsFailed}${Object.keys(pr.faults).length ? `, faults ${JSON.stringify(pr.faults)}` : ''}`);
      }
    }
    await lg.rpc('close', { key: 'p' });
    await prov.stop();
    // The baseline reconnects to the same process (its ticket keys stay), so it resumes as well when asked to.
    for (const resume of [false, true]) {
      for (let rep = 0; rep < reps; rep++) {
        const base = await startBaseline(r);
        try {
          await lg.rpc('connect', { key: 'b', target: base.target, clients, sockets: 5, parallel: 32, canned: {}, feeds: false });
          const c0 = cpuMs(base.proc.pid);
          const br = await lg.rpc('reconnect', { key: 'b', sockets: 5, canned: { 'setContext:0': 1500 }, resume });
          br.serverCpuMs = cpuMs(base.proc.pid) - c0;
          (resume ? res.bResumed : res.b).push(br);
          await lg.rpc('close', { key: 'b' });
          log(`  baseline${resume ? ', TLS sessions resumed,' : ''} rep ${rep + 1}: ${(br.allSessionsMs / 1000).toFixed(2)} s (TLS handshakes ${br.handshakes.full} full, ${br.handshakes.resumed} resumed)`);
        } finally {
          await base.stop();
        }
      }
    }
  } finally {
    await lg.stop();
  }
  figures.add(`${HOSTS} setContext at once after a restart: all sessions established`, 's', res.p.map((x) => x.allSessionsMs / 1000), res.b.map((x) => x.allSessionsMs / 1000), { text: '≤ 1.5 s', on: 'provider', op: '<=', value: 1.5 }, 2);
  figures.add('sessions established', 'sessions', res.p.map((x) => x.sessions), res.b.map((x) => x.sessions), { text: '256', on: 'provider', op: '>=', value: HOSTS, use: 'min' }, 0);
  figures.add('transport timeouts', 'count', res.p.map((x) => x.timeouts), res.b.map((x) => x.timeouts), { text: '0', on: 'provider', op: '<=', value: 0, use: 'max' }, 0);
  figures.add('VasaProviderBusy answers (retried)', 'count', res.p.map((x) => x.busy), res.b.map((x) => x.busy), null, 0);
  figures.add('setContext latency p99 (incl. TLS handshake, retries)', 'ms', res.p.map((x) => x.setContextLatency.p99), res.b.map((x) => x.setContextLatency.p99));
  figures.add('all hosts polled again (getEvents + getAlarms)', 's', res.p.map((x) => x.allPolledMs / 1000), res.b.map((x) => x.allPolledMs / 1000), null, 2);
  figures.add('server CPU during the storm', 's', res.p.map((x) => x.serverCpuMs / 1000), res.b.map((x) => x.serverCpuMs / 1000), null, 2);
  figures.add('polls failed after reconnect', 'count', res.p.map((x) => x.pollsFailed), null, { text: '0', on: 'provider', op: '<=', value: 0, use: 'max' }, 0);
  figures.add(`${HOSTS} setContext at once after a restart, TLS sessions resumed (tickets kept across the restart): all sessions established`, 's', res.pResumed.map((x) => x.allSessionsMs / 1000), res.bResumed.map((x) => x.allSessionsMs / 1000), { text: '≤ 1.5 s', on: 'provider', op: '<=', value: 1.5 }, 2);
  figures.add('  TLS sessions resumed: setContext latency p99', 'ms', res.pResumed.map((x) => x.setContextLatency.p99), res.bResumed.map((x) => x.setContextLatency.p99));
  figures.add('  TLS sessions resumed: server CPU during the storm', 's', res.pResumed.map((x) => x.serverCpuMs / 1000), res.bResumed.map((x) => x.serverCpuMs / 1000), null, 2);
  figures.add('  TLS sessions resumed: handshakes resumed (of all new connections)', 'count', res.pResumed.map((x) => x.handshakes.resumed), res.bResumed.map((x) => x.handshakes.resumed), null, 0);
  figures.add('  TLS sessions resumed: sessions established', 'sessions', res.pResumed.map((x) => x.sessions), res.bResumed.map((x) => x.sessions), { text: '256', on: 'provider', op: '>=', value: HOSTS, use: 'min' }, 0);
  figures.add(`first contact of ${HOSTS} hosts (PE access given; 32 at a time)`, 's', [res.first.ms / 1000], null, null, 2);
  return { setup: { created: s.created }, ...res };
}

module.exports = {
  id: 'reconnect', number: 3, title: 'S3 reconnect storm', run,
  describe: '256 known hosts call setContext at the same moment on new connections right after a provider restart, then poll getEvents + getAlarms; store with 12,800 VVols.',
};
