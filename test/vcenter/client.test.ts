/**
 * Issue 13: the provider logs in to vCenter over vim25 SOAP/HTTPS (govmomi's simulator
 * here) and reads datacenters and VMs; keeps the session and logs in again when vCenter
 * forgot it; refuses a wrong password, an unreachable address and a certificate that is
 * not the trusted one with the manual's B.1 message, an alarm and a status line; keeps
 * the last good inventory while vCenter cannot be reached.
 */
import fs from 'node:fs';
import net from 'node:net';
import { RELATION_LOGIN_FAILED, VimClient, readInventory, vCenterStatus, vCenterStatusLines } from '../../src/vcenter';
import { ManualClock } from '../../src/array/clock';
import { tempDir } from '../helpers/fixture';
import { Vcsim } from '../helpers/vcsim';
import { closedPort, inventoryService, Relay, VC_PASSWORD, VC_USER, vcSettings, useSimulator } from './setup';

let sim: Vcsim;
let data: string;
const WEB = '502e0676-e510-ccdd-394c-667f6867fa01';
const DB = '502e0676-e510-ccdd-394c-667f6867fa02';

useSimulator(async (started) => {
  sim = started;
  await sim.createVm({ name: 'web01', instanceUuid: WEB, uuid: '4215aaaa-0000-4000-8000-000000000001', datacenter: 'DC0', powerOn: true });
  await sim.createVm({ name: 'db01', instanceUuid: DB, datacenter: 'DC1' });
});
beforeEach(() => {
  data = tempDir('vvol-vc-');
});
afterEach(() => fs.rmSync(data, { recursive: true, force: true }));

test('login and the inventory: datacenters, VMs with name, instance and BIOS UUID, power state, folder and datacenter', async () => {
  const client = new VimClient({ endpoint: { host: '127.0.0.1', port: sim.port, thumbprint: sim.thumbprint }, user: VC_USER, password: () => VC_PASSWORD });
  try {
    const inv = await client.withSession(() => readInventory(client, '127.0.0.1', new ManualClock(Date.UTC(2026, 0, 2))));
    expect(inv.datacenters).toEqual(['DC0', 'DC1']);
    expect(inv.readAt).toBe(Date.UTC(2026, 0, 2));
    expect(inv.vms).toEqual([
      expect.objectContaining({ name: 'db01', instanceUuid: DB, datacenter: 'DC1', powerState: 'poweredOff', folder: '[LocalDS_0] db01', template: false }),
      expect.objectContaining({ name: 'web01', instanceUuid: WEB, biosUuid: '4215aaaa-0000-4000-8000-000000000001', datacenter: 'DC0', powerState: 'poweredOn', folder: '[LocalDS_0] web01' }),
    ]);
    expect(inv.vms[1].moref).toMatch(/^vm-\d+$/);
    expect(client.logins).toBe(1);
  } finally {
    await client.close();
  }
});

test('a wrong password: B.1\'s message, the cause, a Red alarm once, a status line; no inventory to name VMs by', async () => {
  const h = inventoryService(data, vcSettings(data, { port: sim.port, thumbprint: sim.thumbprint, password: 'Not-The-Password-1' }));
  const r = await h.service.refresh();
  expect(r.ok).toBe(false);
  expect(r.error).toMatchObject({ kind: 'login', fault: 'InvalidLogin' });
  expect(r.error?.message).toBe(`vCenter Server 127.0.0.1:${sim.port} refused the user name or password of "${VC_USER}" (InvalidLogin).`);
  expect(h.alarms).toEqual([{ status: 'Red', message: RELATION_LOGIN_FAILED, cause: r.error?.message }]);
  expect(h.log.lines.join('\n')).toContain(`ERROR vCenter: ${RELATION_LOGIN_FAILED} (${r.error?.message})`);
  await h.service.refresh();
  expect(h.alarms).toHaveLength(1); // still the same failure: no second alarm
  expect(h.service.naming().available).toBe(false);
  expect(() => h.service.naming().vm(WEB)).toThrow(/refused the user name or password/);
  const lines = vCenterStatusLines(vCenterStatus(data, h.settings.current.vCenter));
  expect(lines[0]).toBe(`vCenter link: 127.0.0.1:${sim.port}, user ${VC_USER}, certificate pinned to SHA-256 ${sim.thumbprint}`);
  expect(lines[1]).toMatch(new RegExp(`^ {2}FAILED at .*: ${RELATION_LOGIN_FAILED.replace(/[.()]/g, '\\$&')} \\(vCenter Server 127\\.0\\.0\\.1:\\d+ refused`));
  expect(lines[2]).toBe('  inventory in use: none: VM names cannot be given until vCenter answers');
  await h.service.stop();
});

test('an unreachable address: refused connection, B.1\'s message with the cause', async () => {
  const port = await closedPort();
  const h = inventoryService(data, vcSettings(data, { port, thumbprint: sim.thumbprint }));
  const r = await h.service.refresh();
  expect(r.error).toMatchObject({ kind: 'unreachable' });
  expect(r.error?.message).toBe(`vCenter Server 127.0.0.1:${port} cannot be reached: the connection was refused (ECONNREFUSED).`);
  expect(h.alarms).toEqual([{ status: 'Red', message: RELATION_LOGIN_FAILED, cause: r.error?.message }]);
  await h.service.stop();
});

test('certificates: a thumbprint that is not the server\'s, and an untrusted certificate without one, are refused before the password is sent; each says what to set', async () => {
  const wrong = 'AA:'.repeat(31) + 'AA';
  const h = inventoryService(data, vcSettings(data, { port: sim.port, thumbprint: wrong }));
  const r = await h.service.refresh();
  expect(r.error).toMatchObject({ kind: 'certificate' });
  expect(r.error?.message).toBe(`The certificate of vCenter Server 127.0.0.1:${sim.port} does not match the trusted thumbprint: it presented SHA-256 ${sim.thumbprint}, the settings trust ${wrong}. `
    + `If vCenter's certificate was replaced, set the new thumbprint (vvolctl settings -v 127.0.0.1 ${sim.port} <user> --thumbprint ${sim.thumbprint}); otherwise another server answers at this address.`);
  expect(h.alarms.map((a) => [a.status, a.message])).toEqual([['Red', RELATION_LOGIN_FAILED]]);
  expect(h.service.status().logins).toBe(0); // never logged in: the password did not leave

  h.settings.current = vcSettings(data, { port: sim.port });
  h.service.applySettings(h.settings.current);
  const r2 = await h.service.refresh();
  expect(r2.error?.kind).toBe('certificate');
  expect(r2.error?.message).toContain(`is not trusted by this machine (`);
  expect(r2.error?.message).toContain(`it presented SHA-256 ${sim.thumbprint}. If that is your vCenter Server's certificate, trust it with: vvolctl settings -v 127.0.0.1 ${sim.port} <user> --thumbprint ${sim.thumbprint}`);
  await h.service.stop();
});

test('session expiry: vCenter forgets the session, the provider logs in again and reads on', async () => {
  const h = inventoryService(data, vcSettings(data, { port: sim.port, thumbprint: sim.thumbprint }));
  expect((await h.service.refresh()).ok).toBe(true);
  expect(h.service.status().logins).toBe(1);
  expect((await h.service.refresh()).ok).toBe(true);
  expect(h.service.status().logins).toBe(1); // the session is kept
  expect(await sim.expireSessions()).toBeGreaterThan(0);
  const r = await h.service.refresh();
  expect(r.ok).toBe(true);
  expect(r.inventory?.vms.map((v) => v.name)).toEqual(['db01', 'web01']);
  expect(h.service.status().logins).toBe(2);
  expect(h.alarms).toEqual([]);
  await h.service.stop();
});

test('the last good inventory is kept while vCenter is unreachable (also for a restarted service), and the alarm clears when it answers again', async () => {
  const relay = new Relay(sim.port);
  const port = await relay.join();
  const settings = vcSettings(data, { port, thumbprint: sim.thumbprint });
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 10, 0, 0));
  const h = inventoryService(data, settings, { clock });
  try {
    expect((await h.service.refresh()).ok).toBe(true);
    await relay.cut();
    clock.advance(5 * 60_000);
    const r = await h.service.refresh();
    expect(r).toMatchObject({ ok: false, error: { kind: 'unreachable' } });
    expect(r.inventory?.readAt).toBe(Date.UTC(2026, 0, 5, 10, 0, 0));
    const naming = h.service.naming();
    expect(naming.vm(WEB)).toMatchObject({ name: 'web01', datacenter: 'DC0' });
    expect(naming.problem).toContain('cannot be reached');
    const kept = `Failed to log in to vCenter Server 127.0.0.1:${port}; the relation file and VM names use the inventory read at 2026-01-05T10:00:00.000Z.`;
    expect(h.alarms).toEqual([{ status: 'Red', message: kept, cause: r.error?.message }]);
    expect(h.log.lines.join('\n')).toContain(`ERROR vCenter: ${kept} (vCenter Server 127.0.0.1:${port} cannot be reached`);
    expect(vCenterStatusLines(vCenterStatus(data, settings.vCenter))[2]).toBe('  inventory in use: the last good one: 2 VM(s) in 2 datacenter(s) (DC0, DC1), read 2026-01-05T10:00:00.000Z');

    // A restarted daemon: nothing read yet in this process, vCenter still away: the saved inventory names the VMs.
    const again = inventoryService(data, settings, { clock });
    expect((await again.service.refresh()).ok).toBe(false);
    expect(again.service.naming().vm(DB)).toMatchObject({ name: 'db01', datacenter: 'DC1' });
    await again.service.stop();

    await relay.join();
    clock.advance(5 * 60_000);
    expect((await h.service.refresh()).ok).toBe(true);
    expect(h.alarms.map((a) => a.status)).toEqual(['Red', 'Green']);
    expect(h.service.naming().problem).toBeNull();
  } finally {
    await h.service.stop();
    await relay.cut();
  }
});

test('stop() does not wait for a vCenter that does not answer: the refresh in progress ends at once, with no alarm', async () => {
  const silent = net.createServer(() => undefined); // accepts, never answers the TLS handshake
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as net.AddressInfo).port;
  const h = inventoryService(data, vcSettings(data, { port, thumbprint: sim.thumbprint }), { transport: { connectTimeoutMs: 60_000, answerTimeoutMs: 60_000, maxBodyBytes: 1024 * 1024 } });
  try {
    const refreshing = h.service.refresh();
    await new Promise((r) => setTimeout(r, 200));
    const started = process.hrtime.bigint();
    await h.service.stop();
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2_000);
    expect((await refreshing).ok).toBe(false);
    expect(h.alarms).toEqual([]);
    expect(h.log.lines).toEqual([]);
  } finally {
    silent.close();
  }
});
