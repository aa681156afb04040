/** The management screens (issue 13): the /ui router and its sessions. */
export { webUi, type WebUiDeps } from './router';
export { SessionStore, SESSION_COOKIE, type SessionOptions } from './sessions';
