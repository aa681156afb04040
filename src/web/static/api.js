// The admin API, called with the session cookie; every change carries the session's CSRF token.
let csrf = null;
/** The provider's clock time of its last answer (X-Provider-Time), null before the first. */
let providerTime = null;

/** When the data on the screen was read, by the provider's clock (not the browser's). */
export const lastProviderTime = () => providerTime;

export class ApiFailure extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function toLogin() {
  location.replace('login');
}

/** The session's user and CSRF token; without a live session, the login page. */
export async function loadSession() {
  const r = await fetch('session', { credentials: 'same-origin' });
  if (r.status === 401) {
    toLogin();
    throw new ApiFailure(401, 'Not logged in.', null);
  }
  const s = await r.json();
  csrf = s.csrf;
  return s;
}

export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf ?? '';
  const r = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const said = Number(r.headers.get('X-Provider-Time'));
  if (r.headers.has('X-Provider-Time') && Number.isFinite(said)) providerTime = said;
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (r.status === 401) {
    toLogin();
    throw new ApiFailure(401, json?.error ?? 'Not logged in.', json);
  }
  if (!r.ok) throw new ApiFailure(r.status, json?.error ?? `HTTP ${r.status}`, json);
  return json;
}

export async function logout() {
  await fetch('logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf ?? '' } });
  toLogin();
}

/** A path segment for a name (VM, datacenter). */
export const seg = (s) => encodeURIComponent(s);
