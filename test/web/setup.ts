/**
 * The provider's real HTTPS server (test/helpers/vasa-server.ts: the face's throttled
 * login, a ManualClock) with the admin API and the management screens mounted as
 * src/main.ts mounts them (faceRouters), over a demo array with VMs made as vSphere
 * makes them, each with two backup generations. Copies run at 1 MiB/s: a VM of 10
 * written chunks per disk takes about 10 s of the clock to back up.
 */
import { adminApi } from '../../src/admin/api';
import { MiB } from '../../src/array/models';
import type { LogicalDisk } from '../../src/array/types';
import { SessionStore, webUi } from '../../src/web';
import { request, type RequestOptions } from '../helpers/attack';
import { captureLogger, PASSWORD, startTestServer, type TestServer, USER } from '../helpers/vasa-server';
import { addVvol, createVm, type Vm } from '../relation/scenario';
import type { Fixture } from '../helpers/fixture';

export { PASSWORD, USER };
export const DC = 'Datacenter';
export const OPTIONS = { datacenter: DC, vCenterServer: '192.0.2.50' };

export interface WebBed {
  t: TestServer;
  sessions: SessionStore;
  log: ReturnType<typeof captureLogger>;
  f: Fixture;
  close(): Promise<void>;
}

export interface BedVm {
  vm: Vm;
  data: LogicalDisk;
}

/** A VM with a config and a data VVol, backup volumes of `generations`, and 10 written chunks. */
export function makeVm(f: Fixture, name: string, n: number, generations: 0 | 1 | 2 = 2): BedVm {
  const vm = createVm(f, `502e0676-e510-ccdd-394c-667f6867fd${String(n).padStart(2, '0')}`, name);
  const data = addVvol(f, vm, 'data', `${name}.vmdk`);
  if (generations) for (const ld of [vm.config, data]) f.engine.ensureBackupVolumes(ld.vvolId as string, { generations, autoDelete: false });
  f.engine.write(data, 0, Array.from({ length: 10 }, (_, i) => `${name}-${i}`));
  return { vm, data };
}

export async function startWebBed(o: { idleMs?: number; loginTimeoutMs?: number } = {}): Promise<WebBed> {
  const log = captureLogger();
  let t: TestServer | undefined;
  const late = () => t as TestServer;
  const clock = { now: () => late().fixture.clock.now() };
  const sessions = new SessionStore(clock, { idleMs: o.idleMs });
  const verify = (remote: string, user: string, password: string) => late().server.face.login.verify(remote, user, password);
  const backup = () => ({ engine: late().fixture.engine, options: OPTIONS, dataDir: late().fixture.dir, clock });
  t = await startTestServer({
    engine: { copyBytesPerSec: MiB },
    log: log.log,
    server: {
      routers: [
        { path: '/api/v1', router: adminApi({ scheduler: () => { throw new Error('no scheduler in these tests'); }, backup, verify, log: log.log, session: sessions.check, clock }) },
        { path: '/ui', router: webUi({ verify, sessions, log: log.log, loginLimits: o.loginTimeoutMs ? { timeoutMs: o.loginTimeoutMs } : undefined }) },
      ],
    },
  });
  return { t, sessions, log, f: t.fixture, close: () => (t as TestServer).close() };
}

/** Moves the clock a second at a time, ticking the engine, as the daemon's timer would. */
export function run(f: Fixture, seconds: number): void {
  for (let i = 0; i < seconds; i++) {
    f.clock.advance(1000);
    f.engine.tick();
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function call(port: number, o: RequestOptions): Promise<Answer> {
  const r = await request(port, o);
  let json: unknown;
  try { json = JSON.parse(r.body); } catch { json = undefined; }
  return { ...r, json };
}

/** Logs in; the session cookie (name=value) and the CSRF token. */
export async function login(port: number, user = USER, password = PASSWORD): Promise<{ cookie: string; csrf: string; answer: Answer }> {
  const answer = await call(port, { path: '/ui/login', method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
  const set = ([] as string[]).concat(answer.headers['set-cookie'] ?? []);
  const cookie = (set[0] ?? '').split(';')[0];
  return { cookie, csrf: answer.json?.csrf, answer };
}
