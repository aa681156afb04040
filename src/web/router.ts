/**
 * The management screens (issue 13, manual Appendix F) as an express router, mounted
 * at /ui on the provider's HTTPS server beside the admin API. It serves the login
 * page and a fixed list of files; the screens get their data from the admin API
 * (/api/v1) with the session cookie and the CSRF token. Nothing but the login page
 * and what it needs answers without a live session: the screen itself redirects to
 * the login, everything else answers 401 and no data.
 */
import express from 'express';
import type { Logger } from '../log/logger';
import type { VerifyAccount } from '../admin/api/auth';
import type { BodyLimits } from '../admin/api/body';
import { refusal } from '../admin/api/errors';
import { securityHeaders } from './headers';
import { loginHandler, logoutHandler, sessionHandler } from './login';
import type { SessionStore } from './sessions';
import { loadStaticFiles, type StaticFile } from './static-files';

export interface WebUiDeps {
  verify: VerifyAccount;
  sessions: SessionStore;
  log?: Logger;
  /** The files (default: src/web/static and chart.js, read once). */
  files?: Map<string, StaticFile>;
  loginLimits?: Partial<BodyLimits>;
}

function serveFile(files: Map<string, StaticFile>, sessions: SessionStore): express.RequestHandler {
  return (req, res) => {
    const f = files.get(req.path);
    const known = f !== undefined;
    if (!f?.public && !sessions.fromRequest(req)) {
      // The screen sends a person to the login; anything else is refused without a hint of what exists.
      if (req.path === '/') return void res.redirect(303, `${req.baseUrl}/login`);
      return void res.status(401).type('text/plain').send('Log in first.\n');
    }
    if (!known) return void res.status(404).type('text/plain').send('Not found\n');
    res.status(200).type(f.type).send(f.body);
  };
}

/** The last stop of the router's refusals: JSON { error, code, field }, never a stack. */
function errorHandler(log?: Logger): express.ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    try {
      const r = refusal(err);
      if (r.internal) log?.error(`management screens: ${req.method} ${req.originalUrl.slice(0, 200)} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (res.headersSent) return void res.destroy();
      for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
      res.status(r.status).json(r.body);
    } catch {
      if (!res.headersSent) res.status(500);
      res.end();
    }
  };
}

export function webUi(deps: WebUiDeps): express.Router {
  const files = deps.files ?? loadStaticFiles();
  const login = { verify: deps.verify, sessions: deps.sessions, log: deps.log, limits: deps.loginLimits };
  const router = express.Router({ caseSensitive: true, strict: true });
  router.use(securityHeaders());
  // /ui without the slash: the page's relative links need it.
  router.use((req, res, next) => (req.originalUrl === req.baseUrl ? res.redirect(301, `${req.baseUrl}/`) : next()));
  router.post('/login', loginHandler(login));
  router.post('/logout', logoutHandler(login));
  router.get('/session', sessionHandler(login));
  router.get(/.*/, serveFile(files, deps.sessions));
  router.use((req, res) => {
    if (!deps.sessions.fromRequest(req)) return void res.status(401).type('text/plain').send('Log in first.\n');
    res.setHeader('Allow', 'GET, HEAD');
    res.status(405).type('text/plain').send('Method not allowed\n');
  });
  router.use(errorHandler(deps.log));
  return router;
}
