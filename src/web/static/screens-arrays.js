// F.4 (VVols not used by VMs, with what to do about each: A.2) and the pool capacity chart.
import { api } from './api.js';
import { bytes, el, heading, table, time } from './format.js';

export function unmanagedScreen() {
  let root;
  async function draw() {
    const list = await api('GET', '/unmanaged-vvols');
    root.replaceChildren(
      heading('VVols not used by VMs', draw),
      el('p', {}, 'VVols that vCenter Server does not use: unknown VVols, VVols being deleted or cloned, and backup volumes left by the backup policy (manual A.2).'),
      table('Information of VVOLs not used by VMs', ['Volume', 'LDN(h)', 'Status', 'Attribute', 'Disk array', 'Since', 'VM of the backup', 'What you can do'],
        list.map((v) => [v.volume, v.ldn, el('span', { 'data-unmanaged': v.volume }, v.status), v.attribute, v.arrayName, time(v.since), v.mvVmId ?? '-', v.action]),
        'every VVol is used by a VM'),
    );
  }
  return { async render(c) { root = c; await draw(); }, refresh: () => draw() };
}

/** A chart.js chart in a labelled figure, with the same numbers as a table beside it for people who read rather than look. */
export function chartFigure(id, label, config, charts) {
  const canvas = el('canvas', { id, role: 'img', 'aria-label': label });
  const fig = el('figure', { class: 'chart' }, el('div', { class: 'chart-box' }, canvas), el('figcaption', {}, label));
  if (window.Chart) charts.push(new window.Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } }));
  return fig;
}

export function capacityScreen() {
  let root;
  const charts = [];
  async function draw() {
    const pools = await api('GET', '/pools');
    for (const c of charts.splice(0)) c.destroy();
    const GiB = 1024 ** 3;
    const labels = pools.map((p) => `${p.arrayName} ${p.name}`);
    const fig = chartFigure('capacity-chart', 'Real capacity of each pool: used and free (GiB)', {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'Used (GiB)', data: pools.map((p) => +(p.usedBytes / GiB).toFixed(2)), backgroundColor: '#c0392b' },
          { label: 'Free (GiB)', data: pools.map((p) => +(Math.max(0, p.capacityBytes - p.usedBytes) / GiB).toFixed(2)), backgroundColor: '#27ae60' },
        ],
      },
      options: { indexAxis: 'y', scales: { x: { stacked: true, title: { display: true, text: 'GiB' } }, y: { stacked: true } } },
    }, charts);
    root.replaceChildren(
      heading('Pool capacity', draw),
      fig,
      table('Pools', ['Disk array', 'Pool', 'Name', 'Storage Container', 'Capacity', 'Used', 'Provisioned', 'Threshold'],
        pools.map((p) => [p.arrayName, p.poolNo, p.name, p.container ? 'yes' : 'no', bytes(p.capacityBytes), `${bytes(p.usedBytes)} (${p.capacityBytes ? Math.round((p.usedBytes * 100) / p.capacityBytes) : 0}%)`,
          bytes(p.provisionedBytes), p.threshold === null ? '-' : `${p.threshold}%${p.thresholdExceeded ? ' (exceeded)' : ''}`])),
    );
  }
  return { async render(c) { root = c; await draw(); }, refresh: () => draw() };
}
