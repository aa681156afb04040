/**
 * `array view` (iSMview -pl / -pln / -l / -ln) and its friendly aliases `pools`,
 * `pool show`, `lds`, `ld show`. iSMview's single-dash options are not commander
 * options, so `view` reads its own arguments: `-pl [array]`, `-pln [array] <pool>`,
 * `-l [array]`, `-ln [array] <ld>`, as the manual writes them.
 */
import type { Command } from 'commander';
import { example } from './command-help';
import { ldDetail, ldList, poolDetail, poolList } from './format';
import { CliError, Output, run, Session } from './run';

export function viewPools(s: Session, arrayRef = s.ref): Output {
  const pools = s.engine.listPools(arrayRef);
  return { value: pools, text: poolList(pools) };
}

export function viewPool(s: Session, pool: string, arrayRef = s.ref): Output {
  const p = s.engine.getPool(arrayRef, pool);
  return { value: p, text: poolDetail(p) };
}

export function viewLds(s: Session, arrayRef = s.ref): Output {
  const lds = s.engine.listLds(arrayRef);
  return { value: lds, text: ldList(lds, s.engine.listPools(arrayRef)) };
}

export function viewLd(s: Session, ld: string, arrayRef = s.ref): Output {
  const d = s.engine.ldDetail(arrayRef, ld);
  return { value: d, text: ldDetail(d, s.engine.getPool(arrayRef, d.poolNo)) };
}

type Mode = 'pl' | 'pln' | 'l' | 'ln';
const MODES: Record<string, Mode> = { pl: 'pl', pln: 'pln', plm: 'pln', l: 'l', ln: 'ln' };

export interface ViewRequest {
  mode: Mode;
  array?: string;
  target?: string;
}

/** Reads `-pl [array]`, `-pln [array] <pool>`, `-l [array]`, `-ln [array] <ld>`. */
export function parseView(args: string[]): ViewRequest {
  const [flag, ...rest] = args;
  const mode = flag === undefined ? undefined : MODES[flag.replace(/^-+/, '').toLowerCase()];
  if (!mode) throw new CliError(`view needs one of -pl, -pln <pool>, -l, -ln <ld>${flag ? ` (got "${flag}")` : ''}.`);
  const detail = mode === 'pln' || mode === 'ln';
  const max = detail ? 2 : 1;
  if (rest.length > max || (detail && rest.length === 0)) {
    throw new CliError(detail ? `-${mode} takes [array] and one ${mode === 'pln' ? 'pool number or name' : 'LD number, name or VVol id'}.` : `-${mode} takes at most the disk array name.`);
  }
  if (!detail) return { mode, array: rest[0] };
  return rest.length === 2 ? { mode, array: rest[0], target: rest[1] } : { mode, target: rest[0] };
}

function view(s: Session, req: ViewRequest): Output {
  const ref = req.array !== undefined ? s.engine.getArray(req.array).name : s.ref;
  switch (req.mode) {
    case 'pl': return viewPools(s, ref);
    case 'pln': return viewPool(s, req.target as string, ref);
    case 'l': return viewLds(s, ref);
    case 'ln': return viewLd(s, req.target as string, ref);
  }
}

export function addViewCommands(array: Command): void {
  const v = array
    .command('view')
    .description('iSMview: -pl pool list, -pln <pool> pool detail, -l LD list, -ln <ld> LD detail')
    .argument('<mode...>', '-pl [array] | -pln [array] <pool> | -l [array] | -ln [array] <ld>')
    .allowUnknownOption()
    .action((args: string[], _o: unknown, cmd: Command) => run(cmd, (s) => view(s, parseView(args))));
  v.addHelpText('after', '\n<pool> is a pool number (0001h, 1) or name; <ld> an LD number (0010h, 10), LD name or VVol id.');
  example(v, 'view -pl', 'view -pln 0000h', 'view -l', 'view -ln 0010h');

  example(array.command('pools').description('pool list (same as view -pl)')
    .action((_o: unknown, cmd: Command) => run(cmd, (s) => viewPools(s))), 'pools');
  const pool = array.command('pool').description('pool display (same as view -pln)');
  example(pool.command('show').description('pool detail (same as view -pln)').argument('<pool>', 'pool number (0001h) or name')
    .action((p: string, _o: unknown, cmd: Command) => run(cmd, (s) => viewPool(s, p))), 'pool show 0000h');
  example(array.command('lds').description('LD list (same as view -l)')
    .action((_o: unknown, cmd: Command) => run(cmd, (s) => viewLds(s))), 'lds');
  const ld = array.command('ld').description('LD display (same as view -ln)');
  example(ld.command('show').description('LD detail (same as view -ln)').argument('<ld>', 'LD number (0010h), LD name or VVol id')
    .action((l: string, _o: unknown, cmd: Command) => run(cmd, (s) => viewLd(s, l))), 'ld show 0010h');
}
