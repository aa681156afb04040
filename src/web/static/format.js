// Small helpers: times, sizes, durations, and building DOM from data (text only, never HTML).
import { lastProviderTime } from './api.js';

export function time(ms) {
  if (ms === null || ms === undefined) return '-';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function remaining(ms) {
  if (ms === null || ms === undefined) return '-';
  const minutes = Math.ceil(ms / 60000);
  return `${Math.floor(minutes / 60)} hours ${minutes % 60} minutes`;
}

export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '-';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** el('td', { class: 'x' }, 'text', child) */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

/** A table with a caption, column headers and rows of cells (strings or nodes). */
export function table(caption, headers, rows, empty = 'None.') {
  if (rows.length === 0) return el('p', { class: 'empty' }, `${caption}: ${empty}`);
  return el('table', {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c))))));
}

/** The screen's heading with the last update time and the update button (F.2, F.3). */
export function heading(title, onUpdate) {
  return el('div', { class: 'screen-head' },
    el('h1', {}, title),
    el('span', { class: 'updated' }, `Last updated: ${time(lastProviderTime())}`),
    el('button', { type: 'button', class: 'icon', onclick: onUpdate }, 'Update'));
}
