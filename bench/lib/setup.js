'use strict';
/**
 * Setup process (run before the provider starts, never while it runs): fills a data
 * folder through the engine of dist/ in one transaction, so large stores are made in
 * seconds. Usage: node bench/lib/setup.js <job.json>; prints one JSON line.
 *
 * job = {
 *   dataDir,
 *   arrays: 'demo' | 'demo-large' | 'big',   demo: conf/demo-array.jsonc as is; demo-large: the
 *                                            same with room for tens of thousands of thin VVols;
 *                                            big: two M710 arrays for 100,000 VVols (S5, S6)
 *   groups: [{ tag, array?, pools?, vms, disks: ['config','data',...], perHost?, poolBy?: 'vm'|'host',
 *              writeChunks?, sizeBytes? }],
 *   identity?: { key, cert },                the provider's TLS key and certificate (certs/)
 *   trust?: [pem],                           client certificates to trust (as registerVASACertificate does)
 *   account?: { user, password },
 *   idsFile,                                 where the VVol ids go: { [tag]: [{ vmId, host, vvols: [id] }] }
 * }
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { DIST } = require('./util');

const { Store } = require(path.join(DIST, 'store', 'db'));
const { DiskArrayEngine } = require(path.join(DIST, 'array', 'engine'));
const { SystemClock } = require(path.join(DIST, 'array', 'clock'));
const { bootstrapArray } = require(path.join(DIST, 'array', 'bootstrap'));
const { loadDemoArrays } = require(path.join(DIST, 'config', 'demo-array'));
const { containerUuid } = require(path.join(DIST, 'array', 'ids'));
const { GiB } = require(path.join(DIST, 'array', 'models'));

const LICENCES = ['Virtual Volume', 'DynamicSnapVolume', 'VolumeClone', 'DynamicDataReplication', 'ThinProvisioning', 'I/O Load Manager'];

function bigArray(i) {
  const n = String(i + 1).padStart(3, '0');
  return {
    name: `Storage${n}`,
    serial: `00000009910077${String(70 + i)}`,
    wwn: `00255CDB0531${String(i).padStart(2, '0')}00`.slice(0, 16),
    model: 'M710',
    ip: `192.0.2.${10 + i}`,
    licences: LICENCES,
    pools: [
      { poolNo: 0, name: 'Pool0000', virtual: true, container: true, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 65536, virtualCapacityGB: 4 * 65536 * 4, threshold: 80 },
      { poolNo: 1, name: 'Pool0001', virtual: true, container: true, raid: 'RAID1/10', pdType: 'SSD', capacityGB: 65536, virtualCapacityGB: 4 * 65536 * 4, threshold: 80 },
      { poolNo: 2, name: 'Pool0002', virtual: false, container: false, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 4096 },
      { poolNo: 3, name: 'vvolbackup0', virtual: true, container: false, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 4096 },
    ],
    ssv: { pool: 2 },
    pes: [{ pool: 0, ldn: 0x400 + 0 }, { pool: 1, ldn: 0x401 }],
  };
}

function specs(kind) {
  if (kind === 'big') return [bigArray(0), bigArray(1)];
  const demo = loadDemoArrays();
  if (kind === 'demo') return demo;
  // demo-large: the demo array with room for many thin VVols (logical limit raised).
  return demo.map((a) => ({ ...a, pools: a.pools.map((p) => (p.container ? { ...p, virtualCapacityGB: 512 * 1024 } : p)) }));
}

function metadata(vmId, vmName, type, diskIndex, container) {
  const label = { config: 'Config', data: 'Data', swap: 'Swap', memory: 'Memory', other: 'Other' }[type];
  const name = type === 'config' ? vmName : type === 'swap' ? `${vmName}-${vmId.slice(0, 8)}.vswp` : `${vmName}${diskIndex ? `_${diskIndex}` : ''}.vmdk`;
  return {
    VMW_VmID: vmId,
    VMW_VVolType: label,
    VMW_VVolName: name,
    VMW_VVolNamespace: `/vmfs/volumes/vvol:${container.replace(/-/g, '').slice(0, 16)}-${container.replace(/-/g, '').slice(16)}/${vmId}`,
    VMW_ContainerId: container,
  };
}

const SIZES = { config: 4 * GiB, data: 40 * GiB, swap: 4 * GiB, memory: 8 * GiB, other: GiB };

function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const t0 = process.hrtime.bigint();
  fs.mkdirSync(job.dataDir, { recursive: true, mode: 0o700 });
  // The store first: a folder holding certificates but no store is one whose store was lost,
  // and Store.open refuses it.
  const store = Store.open(job.dataDir);
  if (job.identity) {
    const certs = path.join(job.dataDir, 'certs');
    fs.mkdirSync(path.join(certs, 'trusted'), { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.join(certs, 'ca'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(certs, 'provider.key'), job.identity.key, { mode: 0o600 });
    fs.writeFileSync(path.join(certs, 'provider.crt'), job.identity.cert, { mode: 0o600 });
    fs.writeFileSync(path.join(certs, 'provider.source'), 'generated\n', { mode: 0o600 });
  }
  for (const pem of job.trust || []) {
    // The same file CertificateStore.trust writes for registerVASACertificate.
    const fp = new crypto.X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
    fs.mkdirSync(path.join(job.dataDir, 'certs', 'trusted'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(job.dataDir, 'certs', 'trusted', `${fp}.pem`), pem, { mode: 0o600 });
  }
  if (job.account) {
    const { ProviderAccount } = require(path.join(DIST, 'config', 'account'));
    ProviderAccount.set(job.dataDir, job.account.user, job.account.password);
  }
  const engine = new DiskArrayEngine(store, new SystemClock());
  const arrays = specs(job.arrays || 'demo');
  for (const spec of arrays) bootstrapArray(engine, spec);
  const ids = {};
  let created = 0;
  let chunks = 0;
  const tCreate = process.hrtime.bigint();
  // One transaction for everything (a few seconds for 100,000 VVols).
  store.tx(() => {
    for (const g of job.groups || []) {
      const list = (ids[g.tag] = []);
      const arrayNames = g.array ? [g.array] : arrays.map((a) => a.name);
      const pools = g.pools || [0, 1];
      for (let i = 0; i < g.vms; i++) {
        // Spread VMs over the arrays and their two containers.
        const arr = arrays.find((a) => a.name === arrayNames[i % arrayNames.length]);
        const host = g.perHost ? Math.floor(i / g.perHost) : undefined;
        // By VM (alternating containers), or by host (all VMs of a host in one container).
        const poolNo = g.poolBy === 'host' && host !== undefined ? pools[host % pools.length] : pools[Math.floor(i / arrayNames.length) % pools.length];
        const container = containerUuid(arr.wwn.replace(/\s/g, ''), poolNo);
        const vmId = crypto.randomUUID();
        const vmName = `${g.tag}-vm-${String(i).padStart(6, '0')}`;
        const vvols = [];
        let dataIndex = 0;
        for (const type of g.disks) {
          const md = metadata(vmId, vmName, type, type === 'data' ? dataIndex++ : 0, container);
          const r = engine.createVvol(arr.name, { pool: poolNo, type, sizeBytes: g.sizeBytes || SIZES[type], metadata: md });
          vvols.push(r.ld.vvolId);
          created++;
          if (g.writeChunks && type === 'data') {
            const tokens = Array.from({ length: g.writeChunks }, (_, k) => `${vmName}-${dataIndex}-${k}`);
            engine.write(r.ld, 0, tokens);
            chunks += tokens.length;
          }
        }
        list.push({ vmId, vmName, array: arr.name, pool: poolNo, container, host, vvols });
      }
    }
  });
  const createMs = Number(process.hrtime.bigint() - tCreate) / 1e6;
  const arraysOut = engine.listArrays().map((a) => ({ name: a.name, serial: a.serial, wwn: a.wwn, model: a.model }));
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  if (job.idsFile) fs.writeFileSync(job.idsFile, JSON.stringify(ids));
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`${JSON.stringify({ created, chunks, createMs, perVvolUs: created ? (createMs * 1000) / created : 0, totalMs, arrays: arraysOut })}\n`);
}

main();
