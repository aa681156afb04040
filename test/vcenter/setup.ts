/**
 * What the vCenter-link tests share: provider settings pointing at a simulator, a
 * loopback TCP relay that can be cut (vCenter unreachable) and joined again, a log that
 * keeps its lines, and VMs made of VVols with the metadata vSphere writes.
 */
import net from 'node:net';
import { ManualClock } from '../../src/array/clock';
import { DEFAULT_SETTINGS, ProviderSettings, withVCenter } from '../../src/config/settings';
import { InventoryService, InventoryServiceOptions, VCenterAlarm } from '../../src/vcenter';
import type { Fixture } from '../helpers/fixture';
import { addVvol, createVm, Vm } from '../relation/scenario';
import { Vcsim } from '../helpers/vcsim';

export const VC_USER = 'administrator@vsphere.local';
export const VC_PASSWORD = 'Vc-Sim-Secret!42';

export interface Lines {
  lines: string[];
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
}

export function lines(): Lines {
  const l: string[] = [];
  return { lines: l, info: (m) => l.push(`INFO ${m}`), warn: (m) => l.push(`WARN ${m}`), error: (m) => l.push(`ERROR ${m}`) };
}

/** Settings with the simulator (or another port) as vCenter; the thumbprint pinned unless `thumbprint` says otherwise. */
export function vcSettings(dataDir: string, o: { port: number; thumbprint?: string | 'none'; password?: string; user?: string; base?: ProviderSettings }): ProviderSettings {
  return withVCenter(o.base ?? DEFAULT_SETTINGS, {
    ip: '127.0.0.1', httpsPort: o.port, user: o.user ?? VC_USER, password: o.password ?? VC_PASSWORD,
    ...(o.thumbprint ? { thumbprint: o.thumbprint } : {}),
  }, dataDir);
}

export interface Harness {
  service: InventoryService;
  log: Lines;
  alarms: VCenterAlarm[];
  settings: { current: ProviderSettings };
  clock: ManualClock;
}

/** An InventoryService over settings the test can change, its log and alarms kept. */
export function inventoryService(dataDir: string, settings: ProviderSettings, o: Partial<InventoryServiceOptions> & { clock?: ManualClock } = {}): Harness {
  const log = lines();
  const alarms: VCenterAlarm[] = [];
  const holder = { current: settings };
  const clock = o.clock ?? new ManualClock();
  const service = new InventoryService({
    dataDir, clock, settings: () => holder.current, log, persist: true, onAlarm: (a) => alarms.push(a),
    taskWait: { pollMs: 20, maxPolls: 250, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    transport: { connectTimeoutMs: 5_000, answerTimeoutMs: 30_000, maxBodyBytes: 16 * 1024 * 1024 },
    ...o,
  });
  return { service, log, alarms, settings: holder, clock };
}

/** A free loopback port nobody listens on. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A TCP relay 127.0.0.1:port -> target: cut() makes vCenter unreachable at that address, join() brings it back on the same port. */
export class Relay {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async join(): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', () => r()));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    return this.port;
  }

  async cut(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const c of this.sockets) c.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

/** A VM on the array as vSphere makes one (config VVol named as vSphere names it, a data disk) and in the simulator. */
export async function vmInBoth(f: Fixture, sim: Vcsim, o: { id: string; name: string; vsphereName?: string; datacenter: string; powerOn?: boolean }): Promise<{ vm: Vm; disk: ReturnType<typeof addVvol> }> {
  const vm = createVm(f, o.id, o.vsphereName ?? o.name);
  const disk = addVvol(f, vm, 'data', `${o.vsphereName ?? o.name}.vmdk`);
  await sim.createVm({ name: o.name, instanceUuid: o.id, datacenter: o.datacenter, powerOn: o.powerOn });
  return { vm, disk };
}

/**
 * One simulator for the test file: started before its tests (the first build of
 * test/vcsim may take a while) and handed to `started`, stopped after them.
 */
export function useSimulator(started: (sim: Vcsim) => void | Promise<void>): void {
  let sim: Vcsim | undefined;
  beforeAll(async () => {
    sim = await Vcsim.start({ password: VC_PASSWORD });
    await started(sim);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });
}
