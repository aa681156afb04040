// F.2 (Virtual Volume VM list) and F.3 (VM backup information) with their dialogs:
// backup (one VM or a batch), cancel, restore, backup script (F.3.1-F.3.4).
import { api, seg } from './api.js';
import { closeDialog, openDialog, showProgress, showResult } from './dialogs.js';
import { el, heading, remaining, table, time } from './format.js';

const vmPath = (vm) => `/vms/${seg(vm.datacenter)}/${seg(vm.name)}`;
const vmLink = (vm) => el('a', { href: `#/vm/${seg(vm.datacenter)}/${seg(vm.name)}` }, vm.name);
const stateCell = (vm) => el('span', { class: `state state-${vm.state}`, 'data-vm-state': vm.name }, vm.stateText);

/** Runs an action with the startup progress dialog, then shows the manual's messages. */
async function act(what, progressText, call) {
  showProgress(what, progressText);
  try {
    const r = await call();
    closeDialog();
    await showResult(what, r.messages);
    return true;
  } catch (e) {
    closeDialog();
    await showResult(what, e.message.split('\n'), true);
    return false;
  }
}

async function backupDialog(vms) {
  const names = vms.map((v) => v.name).join(', ');
  const answer = await openDialog({
    heading: vms.length > 1 ? 'Backups' : 'Backup',
    content: [
      el('p', {}, `Back up ${vms.length > 1 ? 'these VMs' : 'the VM'} now: ${names}.`),
      el('p', {}, 'For a VM that has two generations of backup volumes, the older backup volume is automatically selected and overwritten.'),
      vms.length > 4 ? el('p', { class: 'warning' }, 'Use the batch backup for up to four VMs: more may overload the management server and make some backups fail.') : null,
    ],
  });
  if (answer !== 'ok') return;
  showProgress('Backup', 'Starting the backup...');
  const failed = [];
  const lines = [];
  for (const vm of vms) {
    try {
      const r = await api('POST', `${vmPath(vm)}/backup`);
      lines.push(...r.messages);
    } catch (e) {
      failed.push(vm.name);
      lines.push(...e.message.split('\n'));
    }
  }
  closeDialog();
  const heading = failed.length === 0 ? 'Backup has started'
    : failed.length === vms.length ? 'Starting the backup failed' : `Starting the backup of some VMs failed (${failed.join(', ')})`;
  await showResult(heading, lines, failed.length > 0);
}

export function vmListScreen() {
  let root;
  const selected = new Set();
  async function draw() {
    const vms = await api('GET', '/vms');
    const backupButton = el('button', { type: 'button', disabled: selected.size === 0, onclick: () => backupDialog(vms.filter((v) => selected.has(v.name))).then(draw) }, 'Back up selected VMs');
    const rows = vms.map((vm) => [
      el('input', {
        type: 'checkbox', 'aria-label': `Select ${vm.name}`, checked: selected.has(vm.name),
        onchange: (ev) => { if (ev.target.checked) selected.add(vm.name); else selected.delete(vm.name); backupButton.disabled = selected.size === 0; },
      }),
      vmLink(vm), vm.datacenter, vm.policySet ? 'Set' : 'Not set', String(vm.generations), stateCell(vm),
      time(vm.lastBackupAt), time(vm.previousBackupAt), vm.busy ? remaining(vm.remainingMs) : '-',
    ]);
    root.replaceChildren(
      heading('Virtual Volume VMs', draw),
      el('div', { class: 'toolbar' }, backupButton),
      table('VMs and their backup state', ['Select', 'VM', 'Datacenter', 'Backup policy', 'Generations', 'Backup state', 'Last backup time', 'Previous backup time', 'Time remaining'], rows, 'no VM has VVols on the managed disk arrays'),
    );
  }
  return {
    async render(container) { root = container; await draw(); },
    refresh: () => draw(),
  };
}

function restoreContent(vm) {
  const config = vm.disks.filter((d) => d.role === 'config');
  const data = vm.disks.filter((d) => d.role === 'data');
  const hasPrevious = vm.disks.some((d) => d.previous);
  const diskBoxes = data.map((d) => el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'disk', value: d.ldName, checked: true }), ` ${d.diskFile} (${d.ldName})`));
  const configBox = el('input', { type: 'checkbox', name: 'config', id: 'restore-config', disabled: true });
  const wantConfig = el('input', {
    type: 'checkbox', id: 'restore-config-wanted',
    onchange: (ev) => { configBox.disabled = !ev.target.checked; if (!ev.target.checked) configBox.checked = false; },
  });
  return [
    el('fieldset', {}, el('legend', {}, 'Restore from'),
      el('label', { class: 'check' }, el('input', { type: 'radio', name: 'from', value: 'last', checked: true }), ' From the Last Backup'),
      el('label', { class: 'check' }, el('input', { type: 'radio', name: 'from', value: 'previous', disabled: !hasPrevious }), ' From the Previous Backup')),
    el('fieldset', {}, el('legend', {}, 'Virtual disks'), diskBoxes,
      config.length ? el('p', {}, el('label', { class: 'check', for: 'restore-config-wanted' }, wantConfig, ' Restore the config-VVOL')) : null,
      config.length ? el('label', { class: 'check', for: 'restore-config' }, configBox, ` ${config[0].ldName} (config-VVOL)`) : null),
    el('ul', { class: 'notes' },
      el('li', {}, 'You do not need to restore config-VVOL in a normal case. Unless otherwise required, do not restore config-VVOL.'),
      el('li', {}, 'Restoring will overwrite the data in the disk currently used.'),
      el('li', {}, 'Before starting restore, shut down the VM or unmount the virtual disk of the restore destination from the OS.'),
      el('li', {}, 'Make sure that the storage container has enough space.')),
  ];
}

async function restoreDialog(vm) {
  const content = restoreContent(vm);
  let request;
  const answer = await openDialog({
    heading: 'Restore', content,
    onSubmit: () => {
      const form = document.getElementById('dialog-form');
      const from = form.querySelector('input[name=from]:checked')?.value ?? 'last';
      const disks = [...form.querySelectorAll('input[name=disk]:checked')].map((i) => i.value);
      const config = !!form.querySelector('input[name=config]:checked');
      request = { from, config, disks };
      return true;
    },
  });
  if (answer !== 'ok') return;
  const data = vm.disks.filter((d) => d.role === 'data');
  if (request.disks.length === 0 && !request.config) {
    await showResult('Restore', ['Select at least one virtual disk to restore.'], true);
    return;
  }
  // No data disk chosen but the config-VVOL: the API's empty list means "every data disk", so the config-VVOL alone is sent as such.
  const body = request.disks.length === data.length ? { from: request.from, config: request.config } : request.disks.length ? request : null;
  if (body === null) {
    await showResult('Restore', ['Restoring the config-VVOL alone is not offered: select the virtual disks to restore with it.'], true);
    return;
  }
  await act('Restore', 'Starting the restore...', () => api('POST', `${vmPath(vm)}/restore`, body));
}

async function scriptDialog(vm) {
  const answer = await openDialog({ heading: 'Generate script', content: el('p', {}, `Generate a backup script of VM ${vm.name} (it calls the online backup command).`) });
  if (answer !== 'ok') return;
  showProgress('Generate script', 'Generating the backup script...');
  try {
    const s = await api('POST', `${vmPath(vm)}/script`);
    closeDialog();
    const url = URL.createObjectURL(new Blob([s.content], { type: 'text/x-shellscript' }));
    await openDialog({
      heading: 'Backup script generated',
      content: [
        el('p', {}, `Save it on this management server as ${s.fileName} and run it there (for example from cron).`),
        el('label', { for: 'script-text' }, 'Script'),
        el('textarea', { id: 'script-text', readonly: true, rows: 10, cols: 80 }, s.content),
        el('p', {}, el('a', { href: url, download: s.fileName }, `Download ${s.fileName}`)),
      ],
      actions: [{ value: 'ok', label: 'Close' }],
    });
    URL.revokeObjectURL(url);
  } catch (e) {
    closeDialog();
    await showResult('Generating the backup script failed', e.message.split('\n'), true);
  }
}

function diskRows(vm) {
  return vm.disks.map((d) => [
    d.role === 'config' ? 'config-VVOL' : 'vmdk-VVOL', d.ldName, d.ldn, d.diskFile, d.arrayName,
    d.generations.length ? d.generations.map((g) => `${g.rvName} (${g.rvLdn}h)`).join(', ') : '-',
    el('span', { class: 'state', 'data-disk-state': d.ldName }, d.generations.length ? d.generations.map((g) => g.stateText).join(' / ') : '-'),
    d.last?.poolName ?? '-', d.last?.rvName ?? '-', time(d.last?.backedUpAt),
    d.previous?.poolName ?? '-', d.previous?.rvName ?? '-', time(d.previous?.backedUpAt),
  ]);
}

export function vmDetailScreen(datacenter, name) {
  let root;
  const path = `/vms/${seg(datacenter)}/${seg(name)}`;
  async function draw() {
    const vm = await api('GET', path);
    const after = () => draw();
    root.replaceChildren(
      heading(`VM backup information: ${vm.name}`, draw),
      el('p', {}, el('a', { href: '#/vms' }, 'Back to the VM list')),
      el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'VM backup actions' },
        el('button', { type: 'button', onclick: () => backupDialog([vm]).then(after) }, 'Backup'),
        el('button', { type: 'button', onclick: () => cancelDialog(vm).then(after) }, 'Cancel backup'),
        el('button', { type: 'button', onclick: () => restoreDialog(vm).then(after) }, 'Restore'),
        el('button', { type: 'button', onclick: () => scriptDialog(vm) }, 'Generate script')),
      el('dl', { class: 'facts' },
        el('dt', {}, 'VM name'), el('dd', {}, vm.name),
        el('dt', {}, 'Datacenter'), el('dd', {}, vm.datacenter),
        el('dt', {}, 'VM id'), el('dd', {}, vm.id),
        el('dt', {}, 'Backup state'), el('dd', {}, stateCell(vm)),
        el('dt', {}, 'Backup generations'), el('dd', {}, String(vm.generations))),
      table('Virtual disk information', ['Type', 'LD name', 'LDN(h)', 'Disk file', 'Disk array', 'Backup volumes (RV)', 'Backup state', 'Last backup', 'Last backup LD', 'Last backup time', 'Previous backup', 'Previous backup LD', 'Previous backup time'], diskRows(vm)),
    );
  }
  return {
    async render(container) { root = container; await draw(); },
    refresh: () => draw(),
  };
}

async function cancelDialog(vm) {
  const answer = await openDialog({
    heading: 'Cancel backup',
    content: [
      el('p', {}, `Cancel the running backup of VM ${vm.name}?`),
      el('p', {}, 'If the backup operation is cancelled, data in the backup volume might become invalid. The backup volume including invalid data cannot be used to restore a VM. In this case, back up the VM again.'),
      el('p', {}, 'Cancellation of the mostly completed backup operation might fail. If the backup operation cannot be cancelled, wait until the operation is complete.'),
    ],
  });
  if (answer !== 'ok') return;
  await act('Cancel backup', 'Starting the cancellation...', () => api('POST', `${vmPath(vm)}/cancel`));
}
