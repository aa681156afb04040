/**
 * Configuration of pools and logical disks as iSMcfg does it: poolbind, poolunbind,
 * poolexpand, poolmodify (N1, B1, L10), ldbind / ldunbind (SSV L3, PE L2, ordinary
 * LDs) and addldsetld / delldsetld (PE host access; one PE, many hosts).
 */
import { Command, Option } from 'commander';
import type { ModifyPool } from '../array/pools';
import { hex4 } from '../array/ids';
import { example } from './command-help';
import { capacity } from './text';
import { capacityBytes, hexNumber, integer, onOff, pdType, positiveNumber, raid, unit } from './parse';
import { CliError, run } from './run';

interface PoolRefOptions {
  poolnumber?: number;
  poolname?: string;
}

/** Exactly one of --poolnumber / --poolname, as iSMcfg asks. */
function poolRef(o: PoolRefOptions): number | string {
  if ((o.poolnumber === undefined) === (o.poolname === undefined)) throw new CliError('give either --poolnumber or --poolname.');
  return o.poolnumber ?? (o.poolname as string);
}

function threshold(v: string): number | null {
  if (['off', 'none', '---'].includes(v.toLowerCase())) return null;
  return integer('the threshold', 1, 99)(v);
}

const poolNumberOption = () => new Option('--poolnumber <number>', 'pool number, e.g. 0001h').argParser(hexNumber('the pool number'));

export function addConfigCommands(array: Command): void {
  example(array.command('poolbind').description('create a pool (iSMcfg poolbind); --sc makes it a Storage Container (virtual pools only, only at creation)')
    .addOption(new Option('--type <type>', 'virtual (thin provisioning) or normal').choices(['virtual', 'normal']).makeOptionMandatory())
    .addOption(poolNumberOption())
    .option('--poolname <name>', 'pool name (default Pool<number>)')
    .option('--raid <raid>', 'RAID type: 1, 1/10, 5, 6, 6(8+PQ), 10, 50, 60, TM', raid)
    .option('--pd-type <type>', 'SAS, NLSAS or SSD', pdType)
    .option('--encrypted', 'encrypted PDs')
    .requiredOption('--capacity <n>', 'real capacity', positiveNumber('the capacity'))
    .option('--unit <unit>', 'gb or tb', unit, 'gb' as const)
    .option('--threshold <percent>', 'actual capacity threshold (1-99)', threshold)
    .option('--sc', 'create as a Storage Container')
    .action((o: PoolRefOptions & { type: string; raid?: string; pdType?: 'SAS' | 'NLSAS' | 'SSD'; encrypted?: boolean; capacity: number; unit: 'gb' | 'tb'; threshold?: number | null; sc?: boolean }, cmd: Command) =>
      run(cmd, (s) => {
        const p = s.engine.createPool(s.ref, {
          poolNo: o.poolnumber, name: o.poolname, virtual: o.type === 'virtual', container: !!o.sc, raid: o.raid, pdType: o.pdType,
          encrypted: !!o.encrypted, capacityBytes: capacityBytes(o.capacity, o.unit), threshold: o.threshold,
        });
        return { value: p, text: `The ${p.container ? 'Storage Container' : 'pool'} ${p.name} (${hex4(p.poolNo)}h) was created with ${capacity(p.capacity)}.` };
      })), 'poolbind --type virtual --poolnumber 0004h --poolname sc4 --raid 6 --pd-type NLSAS --capacity 20 --unit gb --sc');

  example(array.command('poolunbind').description('delete a pool (iSMcfg poolunbind); refused while LDs exist in it (B1)')
    .addOption(poolNumberOption())
    .option('--poolname <name>', 'pool name')
    .action((o: PoolRefOptions, cmd: Command) => run(cmd, (s) => {
      const p = s.engine.getPool(s.ref, poolRef(o));
      s.engine.deletePool(s.ref, p.poolNo);
      return { value: { deleted: p }, text: `The pool ${p.name} (${hex4(p.poolNo)}h) was deleted.` };
    })), 'poolunbind --poolnumber 0004h');

  example(array.command('poolexpand').description('add real capacity to a pool (iSMcfg poolexpand)')
    .argument('<pool>', 'pool number (0001h) or name')
    .requiredOption('--capacity <n>', 'capacity to add', positiveNumber('the capacity'))
    .option('--unit <unit>', 'gb or tb', unit, 'gb' as const)
    .action((pool: string, o: { capacity: number; unit: 'gb' | 'tb' }, cmd: Command) => run(cmd, (s) => {
      const p = s.engine.expandPool(s.ref, pool, capacityBytes(o.capacity, o.unit));
      return { value: p, text: `The pool ${p.name} (${hex4(p.poolNo)}h) now has ${capacity(p.capacity)}.` };
    })), 'poolexpand 0000h --capacity 10 --unit gb');

  example(array.command('poolmodify').description('change a pool: name, threshold, I/O control defaults (an existing pool cannot become a Storage Container)')
    .argument('<pool>', 'pool number (0001h) or name')
    .option('--poolname <name>', 'new pool name')
    .option('--threshold <percent>', 'actual capacity threshold (1-99, or off)', threshold)
    .option('--io-upper-mode <on|off>', 'I/O upper limit control', onOff)
    .option('--io-lower-mode <on|off>', 'I/O lower limit control', onOff)
    .option('--io-upper <iops>', 'default I/O upper limit', integer('the I/O upper limit'))
    .option('--io-lower <iops>', 'default I/O lower limit', integer('the I/O lower limit'))
    .option('--sc', 'make it a Storage Container (refused: N1)')
    .action((pool: string, o: { poolname?: string; threshold?: number | null; ioUpperMode?: boolean; ioLowerMode?: boolean; ioUpper?: number; ioLower?: number; sc?: boolean }, cmd: Command) =>
      run(cmd, (s) => {
        const m: ModifyPool = {
          name: o.poolname, threshold: o.threshold, ioUpperMode: o.ioUpperMode, ioLowerMode: o.ioLowerMode,
          ioUpperDefault: o.ioUpper, ioLowerDefault: o.ioLower, container: o.sc ? true : undefined,
        };
        const p = s.engine.modifyPool(s.ref, pool, m);
        return { value: p, text: `The pool ${p.name} (${hex4(p.poolNo)}h) was modified.` };
      })), 'poolmodify 0000h --threshold 70 --io-upper-mode on --io-upper 5000');

  example(array.command('ldbind').description('create a logical disk (iSMcfg ldbind): the SSV, a PE, or an ordinary LD with a capacity')
    .addOption(poolNumberOption())
    .option('--poolname <name>', 'pool name')
    .option('--ldn <ldn>', 'LD number, e.g. 0010h (default: the first free one)', hexNumber('the LD number'))
    .option('--ldname <name>', 'LD name (default <pool name>_<LDN>)')
    .addOption(new Option('--ldattr <attr>', 'ssv (solution reserved volume) or pe (Protocol Endpoint)').choices(['ssv', 'pe']))
    .option('--capacity <n>', 'capacity of an ordinary LD', positiveNumber('the capacity'))
    .option('--unit <unit>', 'gb or tb', unit, 'gb' as const)
    .action((o: PoolRefOptions & { ldn?: number; ldname?: string; ldattr?: 'ssv' | 'pe'; capacity?: number; unit: 'gb' | 'tb' }, cmd: Command) =>
      run(cmd, (s) => {
        if ((o.ldattr === undefined) === (o.capacity === undefined)) throw new CliError('give either --ldattr ssv|pe or --capacity.');
        const ld = s.engine.createLd(s.ref, {
          pool: poolRef(o), ldn: o.ldn, name: o.ldname, kind: o.ldattr ?? 'ld',
          capacityBytes: o.capacity === undefined ? undefined : capacityBytes(o.capacity, o.unit),
        });
        return { value: ld, text: `The logical disk ${ld.name} (${hex4(ld.ldn)}h) was created.` };
      })), 'ldbind --poolnumber 0000h --ldn 0402h --ldattr pe');

  example(array.command('ldunbind').description('delete a logical disk (iSMcfg ldunbind); VVols are deleted with "vvol delete"')
    .option('--ldn <ldn>', 'LD number', hexNumber('the LD number'))
    .option('--ldname <name>', 'LD name')
    .option('--force', 'delete the SSV even while snapshot/clone volumes exist')
    .action((o: { ldn?: number; ldname?: string; force?: boolean }, cmd: Command) => run(cmd, (s) => {
      if ((o.ldn === undefined) === (o.ldname === undefined)) throw new CliError('give either --ldn or --ldname.');
      const ld = s.engine.getLd(s.ref, o.ldn ?? (o.ldname as string));
      s.engine.deleteLd(s.ref, ld.ldn, !!o.force);
      return { value: { deleted: ld }, text: `The logical disk ${ld.name} (${hex4(ld.ldn)}h) was deleted.` };
    })), 'ldunbind --ldn 0402h');

  const access = (verb: 'addldsetld' | 'delldsetld') =>
    array.command(verb).description(verb === 'addldsetld'
      ? 'allocate an LD to a host\'s LD Set: a PE (one PE may serve many hosts), or an ordinary LD such as a backup volume for a backup server'
      : 'release an LD from a host\'s LD Set')
      .argument('<ld>', 'PE or ordinary LD: LD number (0400h) or name')
      .argument('<host>', 'host name or initiator')
      .action((pe: string, host: string, _o: unknown, cmd: Command) => run(cmd, (s) => {
        if (verb === 'addldsetld') s.engine.grantPeAccess(s.ref, pe, host);
        else s.engine.revokePeAccess(s.ref, pe, host);
        const d = s.engine.ldDetail(s.ref, pe);
        return { value: { pe: d.ldn, ldn: d.ldn, hosts: d.hosts }, text: `Hosts with access to the ${d.kind === 'pe' ? 'PE' : 'LD'} ${hex4(d.ldn)}h: ${d.hosts.join(', ') || '---'}` };
      }));
  example(access('addldsetld'), 'addldsetld 0400h esxi03');
  example(access('delldsetld'), 'delldsetld 0400h esxi03');
}
