/**
 * Registered disk arrays (L1), their monitoring state, licences and configuration
 * lock (B2, B3).
 */
import type { Ctx } from './context';
import { ArrayError, invalid } from './errors';
import { appendEvent } from './events';
import { isWwn, wwnFromSerial } from './ids';
import { findArray, getArray, ArrayRef } from './lookup';
import { LICENCES, LIMITS, Licence, MODELS, Model, MONITORING_STATES, MonitoringState } from './models';
import type { DiskArray } from './types';

export function isIpv4(ip: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  return !!m && m.slice(1).every((p) => Number(p) <= 255 && String(Number(p)) === p);
}

const NAME = /^[A-Za-z0-9_\-.]{1,32}$/;

export interface RegisterArray {
  name: string;
  serial: string;
  wwn?: string;
  model: Model;
  ip: string;
  monitoring?: MonitoringState;
  licences?: Partial<Record<Licence, boolean>>;
}

export function registerArray(ctx: Ctx, a: RegisterArray): DiskArray {
  const problems: string[] = [];
  if (!NAME.test(a.name)) problems.push(`array name "${a.name}" must be 1-32 letters, digits, "_", "-" or "."`);
  if (!/^[0-9A-Za-z]{1,16}$/.test(a.serial)) problems.push(`serial number "${a.serial}" must be 1-16 letters or digits`);
  const wwn = (a.wwn ?? wwnFromSerial(a.serial)).toUpperCase();
  if (!isWwn(wwn)) problems.push(`WWN "${a.wwn}" must be 16 hexadecimal digits`);
  if (!MODELS.includes(a.model)) problems.push(`model "${a.model}" must be one of ${MODELS.join(', ')}`);
  if (!isIpv4(a.ip)) problems.push(`IP address "${a.ip}" must be an IPv4 address (L1)`);
  const monitoring = a.monitoring ?? 'Running';
  if (!MONITORING_STATES.includes(monitoring)) problems.push(`monitoring state "${monitoring}" is not one of ${MONITORING_STATES.join(', ')}`);
  if (problems.length) throw invalid(`Cannot register the disk array: ${problems.join('; ')}.`);
  const s = ctx.store;
  const count = (s.get<{ n: number }>('SELECT COUNT(*) AS n FROM arrays') as { n: number }).n;
  if (count >= LIMITS.arraysPerProvider) {
    throw new ArrayError('TOO_MANY', `Up to ${LIMITS.arraysPerProvider} disk arrays can be registered.`, { limit: LIMITS.arraysPerProvider });
  }
  for (const [what, v] of [['name', a.name], ['serial', a.serial], ['wwn', wwn]] as const) {
    if (s.get(`SELECT 1 FROM arrays WHERE ${what} = ?`, v)) throw new ArrayError('ALREADY_EXISTS', `A disk array with ${what} ${v} is already registered.`, { [what]: v });
  }
  // N4: VVol, PE and container ids carry only the last 12 WWN digits; two arrays sharing them would share ids.
  const twin = s.get<{ name: string }>('SELECT name FROM arrays WHERE substr(wwn, 5) = ?', wwn.slice(4));
  if (twin) throw new ArrayError('ALREADY_EXISTS', `The last 12 digits of the WWN ${wwn} are those of the disk array ${twin.name}: the identifiers vSphere sees (3.1.3) would be the same.`, { wwn });
  const r = s.run(
    'INSERT INTO arrays (name, serial, wwn, model, ip, monitoring, created_at) VALUES (?,?,?,?,?,?,?)',
    a.name, a.serial, wwn, a.model, a.ip, monitoring, ctx.clock.now(),
  );
  const id = Number(r.lastInsertRowid);
  for (const l of LICENCES) s.run('INSERT INTO licences (array_id, name, unlocked) VALUES (?,?,?)', id, l, a.licences?.[l] ? 1 : 0);
  appendEvent(ctx, id, { type: 'System', objectType: 'StorageArray', objectId: a.serial, messageId: 'nec.array.registered', message: `The disk array ${a.name} (${a.model}, serial ${a.serial}) was registered.` });
  return getArray(ctx, id);
}

/** Removes an array from the provider; refused while it still holds pools unless forced. */
export function unregisterArray(ctx: Ctx, ref: ArrayRef, force = false): void {
  const a = getArray(ctx, ref);
  const pools = (ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM pools WHERE array_id = ?', a.id) as { n: number }).n;
  if (pools > 0 && !force) {
    throw new ArrayError('IN_USE', `The disk array ${a.name} still has ${pools} pool(s); delete them first or force the removal.`, { array: a.name, pools });
  }
  const s = ctx.store;
  for (const t of ['binding_hosts', 'bindings']) {
    s.run(`DELETE FROM ${t} WHERE pe_id IN (SELECT id FROM lds WHERE array_id = ?)`, a.id);
  }
  s.run('DELETE FROM ld_chunks WHERE ld_id IN (SELECT id FROM lds WHERE array_id = ?)', a.id);
  s.run('DELETE FROM blocks WHERE pool_id IN (SELECT id FROM pools WHERE array_id = ?)', a.id);
  s.run('DELETE FROM pairs WHERE array_id = ?', a.id);
  s.run('DELETE FROM tasks WHERE array_id = ?', a.id);
  s.run('UPDATE lds SET parent_id = NULL WHERE array_id = ?', a.id);
  s.run('DELETE FROM ld_metadata WHERE ld_id IN (SELECT id FROM lds WHERE array_id = ?)', a.id);
  s.run('DELETE FROM pe_hosts WHERE pe_id IN (SELECT id FROM lds WHERE array_id = ?)', a.id);
  s.run('DELETE FROM lds WHERE array_id = ?', a.id);
  s.run('DELETE FROM pools WHERE array_id = ?', a.id);
  s.run('DELETE FROM events WHERE array_id = ?', a.id);
  s.run('DELETE FROM alarms WHERE array_id = ?', a.id);
  s.run('DELETE FROM arrays WHERE id = ?', a.id);
}

export function setMonitoring(ctx: Ctx, ref: ArrayRef, state: MonitoringState): DiskArray {
  if (!MONITORING_STATES.includes(state)) throw invalid(`The monitoring state must be one of ${MONITORING_STATES.join(', ')}.`);
  const a = getArray(ctx, ref);
  if (a.monitoring === state) return a;
  ctx.store.run('UPDATE arrays SET monitoring = ? WHERE id = ?', state, a.id);
  appendEvent(ctx, a.id, { type: 'System', objectType: 'StorageArray', objectId: a.serial, messageId: 'nec.array.monitoring', message: `Monitoring of the disk array ${a.name} changed from ${a.monitoring} to ${state}.`, params: { from: a.monitoring, to: state } });
  return getArray(ctx, a.id);
}

export function setLicence(ctx: Ctx, ref: ArrayRef, licence: Licence, unlocked: boolean): DiskArray {
  if (!LICENCES.includes(licence)) throw invalid(`Unknown licence "${licence}"; the licences are ${LICENCES.join(', ')}.`);
  const a = getArray(ctx, ref);
  if (a.licences[licence] === unlocked) return a;
  ctx.store.run('UPDATE licences SET unlocked = ? WHERE array_id = ? AND name = ?', unlocked ? 1 : 0, a.id, licence);
  appendEvent(ctx, a.id, { type: 'System', objectType: 'StorageArray', objectId: a.serial, messageId: unlocked ? 'nec.licence.unlocked' : 'nec.licence.locked', message: `The license for ${licence} was ${unlocked ? 'unlocked' : 'locked'} on the disk array ${a.name}.`, params: { licence } });
  return getArray(ctx, a.id);
}

/** Takes the configuration lock (iSMcfg setseize -mode on). */
export function lockConfiguration(ctx: Ctx, ref: ArrayRef, holder: string): DiskArray {
  const a = getArray(ctx, ref);
  if (a.configLock && a.configLock !== holder) {
    throw new ArrayError('CONFIG_LOCKED', `Another user is configuring the disk array. (held by ${a.configLock})`, { holder: a.configLock });
  }
  ctx.store.run('UPDATE arrays SET config_lock = ? WHERE id = ?', holder, a.id);
  return getArray(ctx, a.id);
}

/** Releases the configuration lock (iSMcfg setseize -mode off [-force]). */
export function unlockConfiguration(ctx: Ctx, ref: ArrayRef, holder: string, force = false): DiskArray {
  const a = getArray(ctx, ref);
  if (a.configLock && a.configLock !== holder && !force) {
    throw new ArrayError('CONFIG_LOCKED', `The configuration lock is held by ${a.configLock}; release it with force.`, { holder: a.configLock });
  }
  ctx.store.run('UPDATE arrays SET config_lock = NULL WHERE id = ?', a.id);
  return getArray(ctx, a.id);
}

export function listArrays(ctx: Ctx): DiskArray[] {
  // findArray applies the context's scope: arrays outside it are left out.
  return ctx.store.all<{ id: number }>('SELECT id FROM arrays ORDER BY id').map((r) => findArray(ctx, r.id)).filter((a): a is DiskArray => a !== undefined);
}

export { findArray };
