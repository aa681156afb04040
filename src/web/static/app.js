// The screens' frame: session, navigation by the URL's #fragment, and the refresh that keeps
// the shown screen current without reloading the page (every few seconds while it is shown).
import { loadSession, logout } from './api.js';
import { el } from './format.js';
import { vmDetailScreen, vmListScreen } from './screens-vms.js';
import { capacityScreen, unmanagedScreen } from './screens-arrays.js';
import { schedulerScreen } from './screens-scheduler.js';

const REFRESH_MS = 3000;
const main = document.getElementById('main');
const status = document.getElementById('status');
let current = null;
let timer = null;

/** Each screen: render(container, ctx) -> { refresh() } (refresh re-reads the data in place). */
function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'vm' && parts.length === 3) return () => vmDetailScreen(parts[1], parts[2]);
  if (parts[0] === 'unmanaged') return unmanagedScreen;
  if (parts[0] === 'capacity') return capacityScreen;
  if (parts[0] === 'scheduler') return schedulerScreen;
  return vmListScreen;
}

function markNav() {
  for (const a of document.querySelectorAll('nav a')) {
    const here = location.hash.startsWith(a.getAttribute('href')) || (a.getAttribute('href') === '#/vms' && (location.hash === '' || location.hash.startsWith('#/vm/')));
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

export function say(text) {
  status.textContent = text;
}

async function show() {
  clearInterval(timer);
  markNav();
  const make = route();
  current = make();
  main.replaceChildren(el('p', {}, 'Loading...'));
  try {
    await current.render(main);
  } catch (e) {
    main.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message));
  }
  timer = setInterval(async () => {
    // No refresh behind an open dialog: the person is reading or choosing there.
    if (document.getElementById('dialog').open || document.hidden) return;
    try {
      await current.refresh();
    } catch (e) {
      say(`Update failed: ${e.message}`);
    }
  }, REFRESH_MS);
}

async function start() {
  const s = await loadSession();
  document.getElementById('who').textContent = `Logged in as ${s.user}`;
  document.getElementById('logout').addEventListener('click', () => logout());
  window.addEventListener('hashchange', () => {
    show();
    main.focus();
  });
  await show();
}

start();
