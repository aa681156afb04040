/**
 * Issue 13's "done when", in a real browser: the daemon as src/main.ts starts it
 * (startDaemon with faceRouters: the admin API and the management screens on one HTTPS
 * server), on a ManualClock so the copies move only when the test says, and Debian's
 * Chromium driven by playwright-core. A person logs in, sees the VM list, backs a VM
 * up and watches the state change, cancels a backup, restores, generates a script,
 * sees a failed action's message from the manual, finds an unknown VVol after a
 * simulated failure, looks at the charts and the scheduler screen, works a dialog by
 * keyboard, and logs out. Controls are found by role and label, so their labelling is
 * tested too. Screenshots of each screen go to test-output/ui-screens (not committed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ManualClock } from '../../src/array/clock';
import { type Daemon, startDaemon } from '../../src/app/daemon';
import { faceRouters } from '../../src/main';
import type { Fixture } from '../helpers/fixture';
import { makeVm, PASSWORD, USER } from './setup';

const ROOT = path.resolve(__dirname, '..', '..');
const SHOTS = path.join(ROOT, 'test-output', 'ui-screens');
const CHROMIUM = '/usr/bin/chromium';

jest.setTimeout(60_000);

let daemon: Daemon | undefined;
let browser: Browser | undefined;
let base: string;
let clock: ManualClock;
let dir: string;
const problems: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vvol-ui-e2e-'));
  const conf = path.join(dir, 'conf');
  fs.cpSync(path.join(ROOT, 'conf'), conf, { recursive: true });
  clock = new ManualClock();
  daemon = await startDaemon({ dataDir: path.join(dir, 'data'), confDir: conf, port: 0, host: '127.0.0.1', user: USER, password: PASSWORD }, { routers: faceRouters, clock });
  base = `https://127.0.0.1:${daemon.server.port}`;
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
});
afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The daemon's engine, shaped as the test fixtures' (createVm and friends need the engine and the array name). */
const arrayOf = (): Fixture => ({ engine: (daemon as Daemon).assembly.engine, array: 'Storage001' }) as unknown as Fixture;

/** Moves the clock and ticks the engine as the daemon's timer would, second by second. */
function run(seconds: number): void {
  for (let i = 0; i < seconds; i++) {
    clock.advance(1000);
    (daemon as Daemon).assembly.engine.tick();
  }
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** Waits until the element shows the text (the page polls the API every few seconds, no reload). */
const showsText = (page: Page, selector: string, text: string) => page.locator(selector, { hasText: text }).first().waitFor({ timeout: 15_000 });

/** Presses OK in the open dialog and returns the text of the result dialog, then closes it. */
async function confirmAndRead(page: Page, dialogName: string): Promise<string> {
  const dialog = page.getByRole('dialog', { name: dialogName });
  await dialog.getByRole('button', { name: 'OK' }).click();
  const result = page.getByRole('dialog');
  await result.getByRole('button', { name: 'Close' }).waitFor();
  const text = await result.innerText();
  await result.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  return text;
}

test('log in, back up, watch, cancel, restore, script, unmanaged VVols, charts, scheduler, keyboard, log out', async () => {
  const web = makeVm(arrayOf(), 'web01', 1);
  makeVm(arrayOf(), 'db01', 2, 0);
  (daemon as Daemon).assembly.imageBackup.createPlan({ name: 'nightly', vms: ['web01'], schedule: { type: 'daily', startDate: '2026-01-01', slotHour: 3 }, timeZone: 'UTC', retentionDays: 7 });

  const context = await (browser as Browser).newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Refusals the test provokes (the wrong password's 401, the VM without a policy's 409) are logged by the browser too: not problems.
  page.on('console', (m) => { if (m.type() === 'error' && !/the server responded with a status of (401|409)/.test(m.text())) problems.push(`console: ${m.text()} (${m.location().url})`); });

  // ---- a stranger is sent to the login; a wrong password shows the guard's message
  await page.goto(`${base}/`);
  await page.waitForURL(`${base}/ui/login`);
  await page.getByLabel('User name').fill(USER);
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await showsText(page, '[role=alert]', 'The user name or password of the provider account is wrong.');
  await shot(page, '01-login');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();

  // ---- the VM list
  await page.waitForURL(`${base}/ui/`);
  const list = page.getByRole('table', { name: 'VMs and their backup state' });
  await list.getByRole('link', { name: 'web01' }).waitFor();
  expect(await list.getByRole('row').count()).toBe(3);
  expect(await list.getByRole('row', { name: /db01/ }).innerText()).toMatch(/Not set/);
  // "Last updated" is the provider's (manual) clock, which stands at the start of 2026, not the browser's.
  expect(new Date(clock.now()).toISOString()).toMatch(/^2026-01-01T/);
  expect(await page.locator('.updated').first().innerText()).toMatch(/^Last updated: 2026-01-01 \d\d:\d\d:\d\d$/);
  await shot(page, '02-vm-list');

  // ---- a failed action shows the manual's message (batch backup of a VM without a backup policy)
  await page.getByRole('checkbox', { name: 'Select db01' }).check();
  await page.getByRole('button', { name: 'Back up selected VMs' }).click();
  const failed = await confirmAndRead(page, 'Backup');
  expect(failed).toContain('Starting the backup failed');
  expect(failed).toContain('The backup policy of VM(Datacenter/db01) is not set.');

  // ---- the VM backup information screen: backup, and the state changing without a reload
  await list.getByRole('link', { name: 'web01' }).click();
  const disks = page.getByRole('table', { name: 'Virtual disk information' });
  await disks.waitFor();
  await shot(page, '03-vm-backup-information');
  await page.getByRole('button', { name: 'Backup', exact: true }).click();
  await page.getByRole('dialog', { name: 'Backup' }).waitFor();
  await shot(page, '04-backup-dialog');
  const started = await confirmAndRead(page, 'Backup');
  expect(started).toContain('Backup has started');
  expect(started).toContain('Success to online backup VM(Datacenter/web01) without keeping consistency.');
  await showsText(page, '[data-vm-state=web01]', 'Backing up');
  await shot(page, '05-backing-up');
  run(60);
  await showsText(page, '[data-vm-state=web01]', 'Backup completed');
  expect(await disks.innerText()).toMatch(/vvolbackup0/);

  // ---- cancel a running backup: its backup volume reads "Backup failed"
  run(5);
  await page.getByRole('button', { name: 'Backup', exact: true }).click();
  await confirmAndRead(page, 'Backup');
  await showsText(page, '[data-vm-state=web01]', 'Backing up');
  await page.getByRole('button', { name: 'Cancel backup' }).click();
  await page.getByRole('dialog', { name: 'Cancel backup' }).waitFor();
  await shot(page, '06-cancel-dialog');
  const cancelled = await confirmAndRead(page, 'Cancel backup');
  expect(cancelled).toContain('Failed to back up VM(Datacenter/web01).Backup is interrupted.');
  run(1);
  await showsText(page, '[data-vm-state=web01]', 'Backup failed');

  // ---- restore from the last backup; the config VVol is offered only on request. The guest wrote since the backup,
  // so the restore has chunks to copy back (and its state shows while the clock stands still).
  arrayOf().engine.write(web.data, 0, Array.from({ length: 10 }, (_, i) => `after-backup-${i}`));
  await page.getByRole('button', { name: 'Restore' }).click();
  const restore = page.getByRole('dialog', { name: 'Restore' });
  await restore.waitFor();
  expect(await restore.getByRole('radio', { name: 'From the Last Backup' }).isChecked()).toBe(true);
  const configBox = restore.getByRole('checkbox', { name: /config-VVOL\)$/ });
  expect(await configBox.isDisabled()).toBe(true);
  await restore.getByRole('checkbox', { name: 'Restore the config-VVOL' }).check();
  expect(await configBox.isDisabled()).toBe(false);
  await restore.getByRole('checkbox', { name: 'Restore the config-VVOL' }).uncheck();
  await shot(page, '07-restore-dialog');
  const restored = await confirmAndRead(page, 'Restore');
  expect(restored).toContain('Start to restore VM(Datacenter/web01) from the last backup.');
  await showsText(page, '[data-vm-state=web01]', 'Restore completed (copying in background)');
  run(60);
  await showsText(page, '[data-vm-state=web01]', 'Restore completed');
  await shot(page, '08-restored');
  expect(arrayOf().engine.readChunks(web.data, 0, 1)).toEqual(['web01-0']);

  // ---- the backup script
  await page.getByRole('button', { name: 'Generate script' }).click();
  await page.getByRole('dialog', { name: 'Generate script' }).getByRole('button', { name: 'OK' }).click();
  const script = page.getByRole('dialog', { name: 'Backup script generated' });
  await script.waitFor();
  expect(await script.getByLabel('Script').inputValue()).toContain("online 'web01' 'Datacenter'");
  expect(await script.getByRole('link', { name: 'Download backup-web01.sh' }).getAttribute('download')).toBe('backup-web01.sh');
  await shot(page, '09-script');
  await page.keyboard.press('Escape');
  await script.waitFor({ state: 'hidden' });

  // ---- keyboard: Tab to a control, Enter opens its dialog, focus stays inside, Escape closes and focus returns
  await page.getByRole('link', { name: 'Back to the VM list' }).focus();
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = (await page.evaluate('document.activeElement?.textContent')) === 'Generate script';
  }
  expect(reached).toBe(true);
  await page.keyboard.press('Enter');
  const kb = page.getByRole('dialog', { name: 'Generate script' });
  await kb.waitFor();
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
    expect(await page.evaluate('!!document.activeElement?.closest("dialog[open]")')).toBe(true);
  }
  await page.keyboard.press('Escape');
  await kb.waitFor({ state: 'hidden' });
  expect(await page.evaluate('document.activeElement?.textContent')).toBe('Generate script');

  // ---- a simulated failure leaves a VVol no VM uses: the unmanaged screen shows it, with what to do
  const orphan = arrayOf().engine.createVvol('Storage001', { pool: 0, type: 'data', sizeBytes: 1024 ** 3, metadata: {} }).ld;
  await page.getByRole('link', { name: 'VVols not used by VMs' }).click();
  const unmanaged = page.getByRole('table', { name: 'Information of VVOLs not used by VMs' });
  await unmanaged.waitFor();
  const row = unmanaged.getByRole('row', { name: new RegExp(orphan.name) });
  expect(await row.innerText()).toMatch(/Unknown VVOL \(invalidVVOLList\)[\s\S]*unnecessary/);
  await shot(page, '10-unmanaged');

  // ---- pool capacity as a chart (chart.js from node_modules, allowed by the CSP) and as a table
  await page.getByRole('link', { name: 'Pool capacity' }).click();
  await page.getByRole('img', { name: /Real capacity of each pool/ }).waitFor();
  expect(await page.evaluate('typeof window.Chart')).toBe('function');
  expect(await page.getByRole('table', { name: 'Pools' }).getByRole('row').count()).toBe(5);
  await shot(page, '11-capacity');

  // ---- the image-backup scheduler: plans, runs, images, history with the durations chart
  await page.getByRole('link', { name: 'Image backups' }).click();
  const plans = page.getByRole('table', { name: 'Backup plans' });
  await plans.waitFor();
  expect(await plans.innerText()).toMatch(/nightly[\s\S]*daily, slot 03:00 \(UTC\)/);
  await page.getByRole('heading', { name: 'History' }).waitFor();
  await page.getByRole('img', { name: /Backup durations/ }).waitFor();
  await shot(page, '12-image-backups');

  // ---- no script error, no CSP violation on any screen
  expect(problems).toEqual([]);

  // ---- log out: back to the login; the session is worth nothing
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(`${base}/ui/login`);
  const after = await page.evaluate(async () => (await fetch('/ui/session')).status);
  expect(after).toBe(401);
  await context.close();
});
