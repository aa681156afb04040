// The image-backup scheduler: plans, runs (with progress), images, history, and the
// backup durations drawn as a chart.
import { api } from './api.js';
import { bytes, duration, el, heading, table, time } from './format.js';
import { chartFigure } from './screens-arrays.js';

function schedule(p) {
  const s = p.schedule;
  const when = s.type === 'weekly' ? ` on ${s.weekday}` : s.type === 'monthly' ? ` on ${s.monthDay ?? `${s.ordinal} ${s.weekday}`}` : '';
  return `${s.type}${when}, slot ${String(s.slotHour).padStart(2, '0')}:00 (${p.timeZone}) from ${s.startDate}`;
}

function progress(r) {
  return el('span', {}, el('progress', { max: 100, value: r.progress.percent, 'aria-label': `Run ${r.id} progress` }), ` ${r.progress.percent}% (${r.progress.vmsDone}/${r.progress.vmsTotal} VMs)`);
}

export function schedulerScreen() {
  let root;
  const charts = [];
  async function draw() {
    const [plans, runs, images, history] = await Promise.all([api('GET', '/plans'), api('GET', '/runs'), api('GET', '/images'), api('GET', '/history?view=all')]);
    for (const c of charts.splice(0)) c.destroy();
    const done = history.filter((h) => h.type === 'backup' && h.durationMs !== null).slice(0, 30).reverse();
    const fig = chartFigure('duration-chart', 'Backup durations of the latest jobs (seconds)', {
      type: 'bar',
      data: { labels: done.map((h) => `${h.planName ?? 'immediate'} ${time(h.startedAt)}`), datasets: [{ label: 'Duration (s)', data: done.map((h) => Math.round(h.durationMs / 1000)), backgroundColor: '#2c6fbb' }] },
      options: { scales: { y: { title: { display: true, text: 'seconds' }, beginAtZero: true } } },
    }, charts);
    root.replaceChildren(
      heading('Image backups', draw),
      el('section', { 'aria-labelledby': 'plans-h' }, el('h2', { id: 'plans-h' }, 'Plans'),
        table('Backup plans', ['Name', 'VMs', 'Schedule', 'Retention (days)', 'Enabled', 'Next run'],
          plans.map((p) => [p.name, p.vms.join(', '), schedule(p), String(p.retentionDays), p.enabled ? 'yes' : 'no', time(p.nextRunAt)]), 'no plan yet')),
      el('section', { 'aria-labelledby': 'runs-h' }, el('h2', { id: 'runs-h' }, 'Runs'),
        table('Runs', ['Run', 'Plan', 'Kind', 'State', 'Progress', 'Started', 'Finished', 'Message'],
          runs.slice(0, 50).map((r) => [String(r.id), r.planName ?? '-', r.kind, r.state, progress(r), time(r.startedAt), time(r.finishedAt), r.message ?? '']), 'no run yet')),
      el('section', { 'aria-labelledby': 'images-h' }, el('h2', { id: 'images-h' }, 'Images'),
        table('Images', ['Image', 'VM', 'Backup time', 'Expires', 'Read', 'Stored', 'Local', 'Secondary'],
          images.slice(0, 100).map((i) => [i.id, i.vmName, time(i.backupTime), time(i.expiresAt), bytes(i.bytesRead), bytes(i.bytesStored), i.local, i.secondary]), 'no image yet')),
      el('section', { 'aria-labelledby': 'history-h' }, el('h2', { id: 'history-h' }, 'History'),
        fig,
        table('Jobs', ['Job', 'Type', 'Plan', 'VMs', 'Started', 'Duration', 'Status', 'Message'],
          history.slice(0, 100).map((h) => [h.jobId, h.type, h.planName ?? '-', h.vms.join(', '), time(h.startedAt), duration(h.durationMs), h.status, h.message ?? '']), 'no job yet')),
    );
  }
  return { async render(c) { root = c; await draw(); }, refresh: () => draw() };
}
