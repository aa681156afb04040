'use strict';
/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file,
 * and inclusive time of the heaviest functions.
 * Usage: node bench/lib/profile-summary.js <file.cpuprofile> [top=25] [filter]
 */
const fs = require('node:fs');
const path = require('node:path');

function summarise(file, top = 25, filter) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const self = new Map();
  const dt = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) || 0) + (dt[i] || 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const label = (n) => {
    const cf = n.callFrame;
    const url = cf.url ? cf.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/') : '';
    return `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
  };
  const fnSelf = new Map();
  const fileSelf = new Map();
  const fnIncl = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const l = label(n);
    fnSelf.set(l, (fnSelf.get(l) || 0) + us);
    const f = n.callFrame.url ? label(n).split(' ').slice(1).join(' ').replace(/:\d+$/, '') : `(${n.callFrame.functionName})`;
    fileSelf.set(f, (fileSelf.get(f) || 0) + us);
    // inclusive: every distinct function on the stack gets the sample's time once
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cl = label(byId.get(cur));
      if (seen.has(cl)) continue;
      seen.add(cl);
      fnIncl.set(cl, (fnIncl.get(cl) || 0) + us);
    }
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const rows = (m) => [...m.entries()].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`${path.basename(file)}: ${(total / 1e6).toFixed(2)} s sampled`];
  lines.push('', 'self time by function:');
  for (const [k, us] of rows(fnSelf)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', 'self time by file:');
  for (const [k, us] of rows(fileSelf)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', 'inclusive time by function:');
  for (const [k, us] of rows(fnIncl)) lines.push(`  ${pct(us)}  ${k}`);
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top, filter] = process.argv.slice(2);
  process.stdout.write(`${summarise(file, Number(top) || 25, filter)}\n`);
}

module.exports = { summarise };
