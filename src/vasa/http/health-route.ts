/**
 * GET /health: liveness and load for monitoring (memory, event-loop delay since the
 * last reset or the start, sessions, admission and connections; nothing about arrays
 * or credentials). Readable from this machine (loopback) without credentials, from
 * elsewhere only with the provider account (HTTP Basic); ?reset=1 always needs it.
 */
import type express from 'express';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Admission } from '../admission';
import type { Face } from '../face';
import { VasaFault } from '../faults';
import { ConnectionLimits, isLoopback, plainAddress } from './connections';

export interface HealthDeps {
  face: Face;
  loopDelay: IntervalHistogram & { reset(): void };
  admission: Admission;
  strangers: Admission;
  connections: ConnectionLimits;
}

/** User and password of an HTTP Basic Authorization header. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? undefined : { user: text.slice(0, i), password: text.slice(i + 1) };
}

export function healthRoute(d: HealthDeps): express.RequestHandler {
  const { face, loopDelay, admission, strangers, connections } = d;
  return (req, res, next) => {
    const remote = plainAddress(req.socket.remoteAddress);
    const reset = 'reset' in req.query;
    const credentials = basicCredentials(req.get('Authorization'));
    const answer = () => {
      const m = process.memoryUsage();
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      res.setHeader('Cache-Control', 'no-store');
      res.json({
        status: 'ok', uptimeSeconds: Math.round(process.uptime()), rssBytes: m.rss, heapUsedBytes: m.heapUsed,
        eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max), mean: ms(loopDelay.mean) },
        sessions: face.sessions.count().total, admission: admission.stats(), strangers: strangers.stats(), connections: connections.stats(),
      });
      if (reset) loopDelay.reset();
    };
    if (!credentials) {
      if (reset || !isLoopback(remote)) {
        res.setHeader('WWW-Authenticate', 'Basic realm="vvol-provider"');
        res.status(401).type('text/plain').send(reset ? 'Resetting the health figures needs the provider account.\n' : 'The health figures need the provider account from other machines.\n');
        return;
      }
      return answer();
    }
    face.login.verify(remote, credentials.user, credentials.password).then(answer, (e: unknown) => {
      if (!(e instanceof VasaFault)) return next(e);
      res.setHeader('WWW-Authenticate', 'Basic realm="vvol-provider"');
      res.status(401).type('text/plain').send(`${e.message}\n`);
    });
  };
}
