/**
 * Registered arrays and their state: `list`, `register`, `unregister`, `monitor`
 * (monitoring state, B3), `license` (B2) and `setseize` (the configuration lock,
 * iSMcfg setseize).
 */
import os from 'node:os';
import { Argument, Command, Option } from 'commander';
import { LICENCES, Licence, MODELS, Model, MonitoringState } from '../array/models';
import { example } from './command-help';
import { arrayList, licenceList } from './format-tables';
import { licence } from './parse';
import { CliError, noArrayError, run, Session } from './run';

function defaultHolder(): string {
  try {
    return `vvolctl:${os.userInfo().username}`;
  } catch {
    return 'vvolctl';
  }
}

function monitorState(action: string | undefined, maintenance: boolean): MonitoringState | undefined {
  if (action === undefined) {
    if (maintenance) throw new CliError('--maintenance goes with "monitor stop".');
    return undefined;
  }
  if (action === 'start') {
    if (maintenance) throw new CliError('--maintenance goes with "monitor stop".');
    return 'Running';
  }
  return maintenance ? 'Stopped (maintenance)' : 'Stopped';
}

function licenceAction(s: Session, action: string, name: string | undefined) {
  if (action === 'list') {
    if (name !== undefined) throw new CliError('license list takes no licence name.');
    const a = s.array();
    return { value: a.licences, text: licenceList(a) };
  }
  if (name === undefined) throw new CliError(`license ${action} needs a licence name (snapshot, clone, ddr, vvol, thin, ioload or all).`);
  const targets: Licence[] = name.toLowerCase() === 'all' ? [...LICENCES] : [licence(name)];
  let a = s.array();
  for (const l of targets) a = s.engine.setLicence(a.name, l, action === 'unlock');
  return { value: a.licences, text: targets.map((l) => `The license for ${l} is ${action === 'unlock' ? 'unlocked' : 'locked'} on the disk array ${a.name}.`) };
}

export function addAdminCommands(array: Command): void {
  example(array.command('list').description('list the registered disk arrays (name, serial, WWN, model, IP, monitoring, licences)')
    .action((_o: unknown, cmd: Command) => run(cmd, (s) => {
      const arrays = s.engine.listArrays();
      if (arrays.length === 0) throw noArrayError(s.opts.data);
      return { value: arrays, text: arrayList(arrays) };
    })), 'list');

  example(array.command('register').description('register a disk array with the provider (up to 4; licences start locked)')
    .requiredOption('--name <name>', 'disk array name')
    .requiredOption('--serial <serial>', 'serial number')
    .addOption(new Option('--model <model>', 'model').choices(MODELS).makeOptionMandatory())
    .requiredOption('--ip <ipv4>', 'floating IP address (IPv4)')
    .option('--wwn <wwn>', 'WWN, 16 hex digits (default: derived from the serial)')
    .action((o: { name: string; serial: string; model: Model; ip: string; wwn?: string }, cmd: Command) => run(cmd, (s) => {
      const a = s.engine.registerArray({ name: o.name, serial: o.serial, model: o.model, ip: o.ip, wwn: o.wwn?.replace(/[\s:-]/g, '') });
      return { value: a, text: `The disk array ${a.name} (${a.model}, serial ${a.serial}, WWN ${a.wwn}) was registered.` };
    }, { createStore: true })), 'register --name Storage002 --serial 0000000991007778 --model M310 --ip 192.0.2.11');

  example(array.command('unregister').description('remove a disk array from the provider (refused while it has pools, unless --force)')
    .argument('<name>', 'disk array name, serial or WWN')
    .option('--force', 'remove it with everything it holds')
    .action((name: string, o: { force?: boolean }, cmd: Command) => run(cmd, (s) => {
      const a = s.engine.getArray(name);
      s.engine.unregisterArray(a.name, !!o.force);
      return { value: { unregistered: a.name }, text: `The disk array ${a.name} was unregistered.` };
    })), 'unregister Storage002 --force');

  example(array.command('monitor').description('show or change the monitoring state (Running, Stopped, Stopped (maintenance))')
    .addArgument(new Argument('[action]', 'start or stop (omit to show)').choices(['start', 'stop']))
    .option('--maintenance', 'with stop: stop for maintenance')
    .action((action: string | undefined, o: { maintenance?: boolean }, cmd: Command) => run(cmd, (s) => {
      const state = monitorState(action, !!o.maintenance);
      const a = state ? s.engine.setMonitoring(s.ref, state) : s.array();
      return { value: { array: a.name, monitoring: a.monitoring }, text: `Monitoring state of the disk array ${a.name}: ${a.monitoring}` };
    })), 'monitor stop --maintenance');

  example(array.command('license').alias('licence').description('list, lock or unlock licences (snapshot, clone, ddr, vvol, thin, ioload, or full names; "all")')
    .addArgument(new Argument('<action>', 'list, lock or unlock').choices(['list', 'lock', 'unlock']))
    .argument('[licence]', 'licence name')
    .action((action: string, name: string | undefined, _o: unknown, cmd: Command) => run(cmd, (s) => licenceAction(s, action, name))),
  'license lock snapshot');

  example(array.command('setseize').description('take or release the configuration lock (iSMcfg setseize); omit on/off to show it')
    .addArgument(new Argument('[mode]', 'on or off').choices(['on', 'off']))
    .option('--force', 'with off: release a lock another user holds')
    .option('--holder <name>', 'who holds the lock', defaultHolder())
    .action((mode: string | undefined, o: { force?: boolean; holder: string }, cmd: Command) => run(cmd, (s) => {
      const a = mode === 'on' ? s.engine.lockConfiguration(s.ref, o.holder)
        : mode === 'off' ? s.engine.unlockConfiguration(s.ref, o.holder, !!o.force) : s.array();
      const text = a.configLock ? `The configuration of the disk array ${a.name} is locked by ${a.configLock}.` : `The configuration of the disk array ${a.name} is not locked.`;
      return { value: { array: a.name, configLock: a.configLock }, text };
    })), 'setseize on --holder alice');
}
