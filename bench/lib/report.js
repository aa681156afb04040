'use strict';
/**
 * Figures, goals and the results table. A figure holds the provider's value of each
 * repetition, the baseline's of the same repetition (when the figure has one) and
 * their ratio, summarised as min / median / max. Goals are judged on the median of the
 * repetitions unless a goal says otherwise (counts that must be zero: on the maximum).
 */
const { fmt, spread } = require('./util');

class Figures {
  constructor(scenario) {
    this.scenario = scenario;
    this.list = [];
    this.notes = [];
  }

  /**
   * add(label, unit, providerValues, baselineValues|null, goal?)
   * goal = { text, on: 'provider'|'ratio', op: '<='|'>='|'==', value, use: 'median'|'max'|'min' }
   */
  add(label, unit, provider, baseline = null, goal = null, digits = 1) {
    const p = spread(provider);
    const b = baseline ? spread(baseline) : null;
    let ratio = null;
    if (baseline) {
      const r = [];
      for (let i = 0; i < Math.min(provider.length, baseline.length); i++) {
        if (Number.isFinite(provider[i]) && Number.isFinite(baseline[i]) && baseline[i] !== 0) r.push(provider[i] / baseline[i]);
      }
      ratio = spread(r);
    }
    const f = { scenario: this.scenario, label, unit, provider: p, baseline: b, ratio, digits, goal: null, met: null };
    if (goal) {
      const src = goal.on === 'ratio' ? ratio : p;
      const v = src ? src[goal.use || 'median'] : null;
      let met = null;
      if (v !== null && v !== undefined) {
        if (goal.op === '<=') met = v <= goal.value;
        else if (goal.op === '>=') met = v >= goal.value;
        else met = v === goal.value;
      }
      f.goal = goal.text;
      f.judgedOn = `${goal.on === 'ratio' ? 'ratio' : 'provider'} ${goal.use || 'median'}`;
      f.judgedValue = v;
      f.met = met;
    }
    this.list.push(f);
    return f;
  }

  note(text) {
    this.notes.push(text);
  }
}

function cell(s, digits) {
  if (!s || s.median === null) return '-';
  if (s.n === 1 || s.min === s.max) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} [${fmt(s.min, digits)}–${fmt(s.max, digits)}]`;
}

/** The results as a Markdown table (also readable on a terminal). */
function table(figures) {
  const head = ['scenario', 'figure', 'unit', 'provider median [min–max]', 'baseline', 'ratio to baseline', 'goal', 'met'];
  const rows = figures.map((f) => [
    f.scenario, f.label, f.unit, cell(f.provider, f.digits), cell(f.baseline, f.digits), cell(f.ratio, 2), f.goal || '', f.met === null ? '' : f.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

module.exports = { Figures, table };
