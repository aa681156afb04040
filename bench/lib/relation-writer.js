'use strict';
/**
 * One relation pass in its own process, as the daemon's interval and `vvolctl relation
 * write` run it (RelationService.checkAndWrite over the data folder's store), timed,
 * with the process's peak RSS. Or, with "baseline", the floor for the same output: the
 * same number of bytes of canned XML lines written in the same 256 KiB pieces, fsynced
 * and renamed into place, with no store behind it.
 * Usage: node relation-writer.js <dataDir> [baseline <bytes> <files>]
 */
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const { DIST } = require('./util');

async function pass(dataDir) {
  const { Store } = require(path.join(DIST, 'store', 'db'));
  const { DiskArrayEngine } = require(path.join(DIST, 'array', 'engine'));
  const { SystemClock } = require(path.join(DIST, 'array', 'clock'));
  const { RelationService } = require(path.join(DIST, 'relation', 'service'));
  const rssBefore = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const store = Store.open(dataDir);
  const clock = new SystemClock();
  const engine = new DiskArrayEngine(store, clock);
  const quiet = { info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) };
  const service = new RelationService(engine, clock, dataDir, quiet, {});
  const t1 = process.hrtime.bigint();
  const results = await service.checkAndWrite();
  const t2 = process.hrtime.bigint();
  store.close();
  const written = results.filter((r) => r.written);
  const bytes = written.reduce((n, r) => n + fs.statSync(r.written).size, 0);
  return {
    ms: Number(t2 - t1) / 1e6, openMs: Number(t1 - t0) / 1e6, arrays: results.length, written: written.length, zipped: results.filter((r) => r.zipped).length,
    errors: results.filter((r) => r.error).map((r) => `${r.array}: ${r.error} ${r.cause || ''}`), bytes,
    rssBeforeMB: rssBefore / 1048576, peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

async function baseline(dataDir, bytes, files) {
  const t0 = process.hrtime.bigint();
  const line = '    <VM name="baseline-vm-000000" id="00000000-0000-4000-8000-000000000000"><dataList/></VM>\n';
  const piece = Buffer.from(line.repeat(Math.ceil((256 * 1024) / line.length)));
  const per = Math.ceil(bytes / files);
  for (let f = 0; f < files; f++) {
    const dir = path.join(dataDir, 'baseline-relation', String(f));
    fs.mkdirSync(dir, { recursive: true });
    const target = path.join(dir, 'latest.xml');
    const temp = `${target}.tmp`;
    const fh = await fsp.open(temp, 'w', 0o644);
    let done = 0;
    while (done < per) {
      const n = Math.min(piece.length, per - done);
      await fh.write(piece, 0, n, done);
      done += n;
    }
    await fh.sync();
    await fh.close();
    await fsp.rename(temp, target);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, bytes, peakRssMB: process.resourceUsage().maxRSS / 1024 };
}

const [dataDir, mode, bytes, files] = process.argv.slice(2);
(mode === 'baseline' ? baseline(dataDir, Number(bytes), Number(files)) : pass(dataDir))
  .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
  .catch((e) => {
    process.stderr.write(`${e.stack || e}\n`);
    process.exit(1);
  });
