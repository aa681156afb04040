/**
 * Issue 11 section 7 with a real SIGKILL: the compiled daemon is killed while it archives
 * an immediate backup asked for through the admin API; after a restart the run is taken
 * over and ends with exactly one image of the VM, complete and verified, and the run is
 * recorded completed once. The daemon runs on the real clock: the test waits for its log
 * lines, never for a time.
 */
import https from 'node:https';
import { cli, instance, Instance, Proc, READY, requireBuild, startDaemon, stopDaemon } from '../helpers/startup-daemon';

const VM = 'web01';
const VM_ID = '502e0676-e510-ccdd-394c-667f6867fa01';
const CHUNKS = 1500;

function portOf(p: Proc): number {
  const m = /listening: register https:\/\/[^:]+:(\d+)\//.exec(p.out());
  if (!m) throw new Error(`no port in the daemon's output:\n${p.out()}`);
  return Number(m[1]);
}

function post(port: number, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path, method: 'POST', rejectUnauthorized: false, agent: false,
      auth: 'vasaadmin:Secret1!', headers: { 'Content-Type': 'application/json', 'Content-Length': data.length },
    }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function ok(i: Instance, args: string[]): string {
  const r = cli(i, args);
  if (r.status !== 0) throw new Error(`vvolctl ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

let daemon: Proc | undefined;
afterEach(() => {
  if (daemon && daemon.proc.exitCode === null && daemon.proc.signalCode === null) daemon.proc.kill('SIGKILL');
});

test('a SIGKILL while a backup is archived: after the restart the run is taken over and ends with one complete image', async () => {
  requireBuild();
  const i = instance();
  daemon = startDaemon(i);
  await daemon.waitFor(READY);
  const meta = (type: string, name: string) => ['--meta', `VMW_VmID=${VM_ID}`, '--meta', `VMW_VVolType=${type}`, '--meta', `VMW_VVolName=${name}`];
  ok(i, ['array', 'vvol', 'create', '--pool', '0000h', '--type', 'config', '--size', '4g', ...meta('Config', VM)]);
  ok(i, ['array', 'vvol', 'create', '--pool', '0000h', '--type', 'data', '--size', '4g', ...meta('Data', `${VM}.vmdk`)]);
  const data = ok(i, ['array', 'vvol', 'query', `VMW_VVolName=${VM}.vmdk`]).trim().split('\n').pop() as string;
  ok(i, ['array', 'io', 'write', data, '0', ...Array.from({ length: CHUNKS }, (_, n) => `t${n}`)]);

  // 1,500 chunks at the default 200 chunks a second: the archive takes about 8 s.
  const r = await post(portOf(daemon), '/api/v1/backups', { vm: VM });
  expect(r.status).toBe(202);
  await daemon.waitFor(/image backup: run 1 started/);
  daemon.proc.kill('SIGKILL');
  expect((await daemon.exited).signal).toBe('SIGKILL');

  daemon = startDaemon(i);
  await daemon.waitFor(READY);
  await daemon.waitFor(/image backup: run 1: VM web01 archived as (\S+)/, 120_000);
  const images = JSON.parse(ok(i, ['image', 'list', '--json'])) as { id: string; vmName: string; runId: number }[];
  expect(images.map((m) => [m.vmName, m.runId])).toEqual([[VM, 1]]);
  expect(JSON.parse(ok(i, ['image', 'verify', images[0].id, '--json']))).toMatchObject({ ok: true, problems: [] });
  const runs = JSON.parse(ok(i, ['image', 'runs', '--json'])) as { id: number; state: string }[];
  expect(runs.map((x) => [x.id, x.state])).toEqual([[1, 'completed']]);
  expect(daemon.out()).toMatch(/run 1 taken over by this process/);
  await stopDaemon(daemon);
}, 180_000);
