/**
 * Powering a VM off through vCenter (PowerOffVM_Task) and waiting for the task: a
 * restore overwrites the VM's disks only once it is off (manual F.3.3: "shut down the
 * VM before starting restore"; seed 001: "restored at the state of Power Off"). The
 * task's info.state is polled every `pollMs`, at most `maxPolls` times, the waits made
 * by the injected `sleep` (timers), never by reading the clock.
 */
import { oneObject, propSet, VimClient } from './client';
import { VCenterError } from './errors';
import { readPowerState } from './read-inventory';
import { child, MoRef, VimNode, xsiTypeOf } from './xml';

export interface TaskWait {
  pollMs: number;
  maxPolls: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_TASK_WAIT: TaskWait = {
  pollMs: 500,
  maxPolls: 240,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type PowerOffOutcome = 'powered-off' | 'was-off';

/**
 * What a restore powers VMs off with (the vCenter link). `no-vcenter`: no vCenter is
 * in the settings, so nothing can be (or needs to be) powered off through it; a
 * refusal is a rejection with a VCenterError saying why.
 */
export interface VmPowerControl {
  powerOff(vmId: string, vmName: string): Promise<PowerOffOutcome | 'no-vcenter'>;
  /** vCenter's address, for messages ('' without vCenter). */
  readonly server: string;
}

function taskError(val: VimNode | undefined): { type: string; message: string } {
  const fault = child(val, 'fault');
  return { type: xsiTypeOf(fault) ?? fault?.local ?? 'unknown', message: child(val, 'localizedMessage')?.text.trim() ?? '' };
}

/** Waits for a task to end; resolves on success, rejects with its error or when the polls are used up. */
export async function waitForTask(client: VimClient, task: MoRef, what: string, w: TaskWait): Promise<void> {
  for (let i = 0; i < w.maxPolls; i++) {
    const [o] = await client.retrieve(propSet('Task', ['info.state', 'info.error']) + oneObject(task));
    const state = o?.props.get('info.state')?.text.trim();
    if (state === 'success') return;
    if (state === 'error') {
      const e = taskError(o?.props.get('info.error'));
      throw new VCenterError('fault', `${what} failed in vCenter: ${e.type}${e.message ? ` (${e.message})` : ''}.`, e.type);
    }
    await w.sleep(w.pollMs);
  }
  throw new VCenterError('timeout', `${what} did not end within ${Math.round((w.pollMs * w.maxPolls) / 1000)} s (vCenter task ${task.value}).`);
}

/**
 * Powers off the VM with this instance UUID, leaving it off. A VM already off is left
 * as it is. Throws VCenterError: not-found (vCenter does not know the VM), fault (the
 * task or the call failed), timeout. Call it inside client.withSession.
 */
export async function powerOffVm(client: VimClient, instanceUuid: string, vmName: string, w: TaskWait = DEFAULT_TASK_WAIT): Promise<PowerOffOutcome> {
  const vm = await client.findVmByInstanceUuid(instanceUuid);
  if (!vm) throw new VCenterError('not-found', `vCenter Server has no VM ${vmName} (instance UUID ${instanceUuid}).`);
  if ((await readPowerState(client, vm)) === 'poweredOff') return 'was-off';
  const what = `Powering off VM ${vmName}`;
  try {
    await waitForTask(client, await client.powerOffVmTask(vm), what, w);
  } catch (e) {
    // Powered off meanwhile (by someone else): the state asked for is there.
    if (e instanceof VCenterError && e.fault === 'InvalidPowerState' && (await readPowerState(client, vm)) === 'poweredOff') return 'was-off';
    throw e;
  }
  return 'powered-off';
}
