'use strict';
/**
 * npm run bench                 all scenarios (soak shortened, see README)
 * npm run bench -- <scenario>…  only these (names or numbers: steady 1, bootstorm 2,
 *                               reconnect 3, snapshot 4, relation 5, coldstart 6, soak 7,
 *                               scheduler-run 9)
 * Options: --reps N (default 3), --soak-seconds N, --steady-seconds N, --keep (keep the
 * temp folders), --profile (providers run with --cpu-prof; profiles in a vvol-bench-profiles-* temp folder).
 * Prints the results table and writes bench/results/bench-<time>.json (and latest.json).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Run } = require('./lib/procs');
const { Figures, table } = require('./lib/report');
const { DIST, gitCommit, machine } = require('./lib/util');

// S1-S7 the VASA face; S8-S10 the image-backup scheduler (issue 11): planning, a run in I/O-load order (seed 003), the image store.
const SCENARIOS = ['steady', 'bootstorm', 'reconnect', 'snapshot', 'relation', 'coldstart', 'soak', 'scheduler-planning', 'scheduler-run', 'image-store']
  .map((n) => require(`./scenarios/${n}`));

function parseArgs(argv) {
  const o = { names: [], reps: Number(process.env.BENCH_REPS) || 3, soakSeconds: undefined, steadySeconds: 3, keep: false, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a === '--soak-seconds') o.soakSeconds = Number(argv[++i]);
    else if (a === '--steady-seconds') o.steadySeconds = Number(argv[++i]);
    else if (a === '--keep') o.keep = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else o.names.push(a);
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(fs.readFileSync(__filename, 'utf8').split('*/')[0].replace(/^'use strict';\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
    return;
  }
  if (!fs.existsSync(path.join(DIST, 'main.js'))) throw Object.assign(new Error('dist/ is missing: run `npm ci` (its prepare script builds it) or `npm run build` first.'), { usage: true });
  const chosen = o.names.length
    ? o.names.map((n) => {
      const s = SCENARIOS.find((x) => x.id === n || String(x.number) === n);
      if (!s) throw Object.assign(new Error(`unknown scenario "${n}"; known: ${SCENARIOS.map((x) => `${x.number} ${x.id}`).join(', ')}`), { usage: true });
      return s;
    })
    : SCENARIOS;
  const explicitSoak = o.names.length > 0;
  // Soak: 10 minutes when asked for by name; 4 minutes inside a full run (15-minute budget).
  const soakSeconds = o.soakSeconds ?? Number(process.env.BENCH_SOAK_SECONDS || (explicitSoak ? 600 : 240));
  const started = new Date();
  const info = { date: started.toISOString(), machine: machine(), commit: gitCommit(), reps: o.reps, loadAverageAtStart: os.loadavg() };
  process.stdout.write(`vvol-provider bench: ${chosen.map((s) => s.id).join(', ')}; ${o.reps} repetitions; ${info.machine.cpus} CPUs (${info.machine.cpuModel}), ${info.machine.memoryMB} MB, Node ${info.machine.node}, commit ${info.commit.short}${info.commit.dirty ? ' + local changes' : ''}\n`);
  const run = new Run();
  if (o.profile) run.profileDir = path.join(os.tmpdir(), `vvol-bench-profiles-${started.toISOString().replace(/[:.]/g, '-')}`);
  const results = [];
  const all = [];
  try {
    for (const s of chosen) {
      const t0 = Date.now();
      const figures = new Figures(`S${s.number} ${s.id}`);
      process.stdout.write(`\n== ${s.title}\n   ${s.describe}\n`);
      const ctx = {
        run, reps: o.reps, figures, log: (m) => process.stdout.write(`${m}\n`),
        options: { soakSeconds, steadyMs: o.steadySeconds * 1000 },
      };
      let raw;
      let error;
      try {
        raw = await s.run(ctx);
      } catch (e) {
        error = e.stack || String(e);
        process.stdout.write(`   FAILED: ${error}\n`);
      }
      const seconds = (Date.now() - t0) / 1000;
      process.stdout.write(`   (${seconds.toFixed(0)} s, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})\n`);
      results.push({ id: s.id, number: s.number, title: s.title, describe: s.describe, seconds, loadAverageAfter: os.loadavg(), figures: figures.list, notes: figures.notes, error, raw });
      all.push(...figures.list);
      for (const n of figures.notes) process.stdout.write(`   note: ${n}\n`);
    }
  } finally {
    if (run.profileDir) process.stdout.write(`CPU profiles of the providers in ${run.profileDir} (summarise with node bench/lib/profile-summary.js <file>)\n`);
    if (o.keep) process.stdout.write(`temp folders kept in ${run.dir}\n`);
    else run.close();
  }
  const totalSeconds = (Date.now() - started.getTime()) / 1000;
  process.stdout.write(`\nResults (${info.date}, ${info.machine.os}, ${info.machine.cpus} CPUs, ${info.machine.memoryMB} MB, Node ${info.machine.node}, commit ${info.commit.short}${info.commit.dirty ? '+local' : ''}; ${o.reps} repetitions; total ${totalSeconds.toFixed(0)} s)\n\n${table(all)}\n`);
  const out = { ...info, totalSeconds, soakSeconds, scenarios: results };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${info.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`\nwritten ${path.relative(process.cwd(), file)}\n`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`bench: ${e && e.usage ? e.message : e.stack || e}\n`);
  process.exit(1);
});
