/**
 * Snapshot generations and replication pairs as the manual's Appendix A.2 drives
 * them: sc_query (iSMsc_query), generationdel (iSMcfg generationdel), rc_query,
 * rc_pair, rc_replicate, rc_separate, rc_restore (iSMrc_*).
 */
import type { Command } from 'commander';
import { hex4 } from '../array/ids';
import type { LogicalDisk, ReplicationPair } from '../array/types';
import { example } from './command-help';
import { pairStart, rcQuery, scQuery } from './format-copy';
import { integer, ldNameRef } from './parse';
import { CliError, Output, run, Session } from './run';

function scQueryCommand(s: Session, o: { bv?: string; sv?: string }): Output {
  if ((o.bv === undefined) === (o.sv === undefined)) throw new CliError('give either --bv or --sv.');
  let bv: LogicalDisk;
  let only: number | undefined;
  if (o.bv !== undefined) bv = s.engine.getLd(s.ref, o.bv);
  else {
    const sv = s.engine.getLd(s.ref, o.sv as string);
    const parent = sv.snap === 'ESV' ? s.engine.listLds(s.ref).find((l) => l.id === sv.parentId) : undefined;
    if (!parent) throw new CliError(`The LD ${sv.name} is not a snapshot volume (SV).`, 2);
    bv = parent;
    only = sv.ldn;
  }
  const gens = s.engine.generations(s.ref, bv.ldn).filter((g) => only === undefined || g.ldn === only);
  return { value: { bv, generations: gens }, text: scQuery(bv, gens) };
}

interface GenerationDel {
  bvname?: string;
  bvn?: string;
  svname?: string;
  count?: number;
}

function generationDel(s: Session, o: GenerationDel): Output {
  if ((o.bvname === undefined) === (o.bvn === undefined)) throw new CliError('give either --bvname or --bvn.');
  if ((o.svname === undefined) === (o.count === undefined)) throw new CliError('give either --svname or --count.');
  const bv = s.engine.getLd(s.ref, o.bvname !== undefined ? ldNameRef(o.bvname) : (o.bvn as string));
  const active = s.engine.generations(s.ref, bv.ldn).filter((g) => g.state === 'active');
  const targets = o.svname !== undefined
    ? [s.engine.getLd(s.ref, ldNameRef(o.svname)).ldn]
    : active.slice(0, o.count).map((g) => g.ldn);
  if (o.count !== undefined && o.count > active.length) {
    throw new CliError(`The base volume ${bv.name} has ${active.length} generation(s); cannot delete ${o.count}.`);
  }
  const done = targets.map((ldn) => {
    const g = s.engine.generations(s.ref, bv.ldn).find((x) => x.ldn === ldn);
    const taskId = s.engine.deleteGeneration(s.ref, bv.ldn, ldn);
    return { ldn, name: g?.name ?? hex4(ldn), generation: g?.generation ?? null, taskId: taskId || null };
  });
  const text = done.map((d) => d.taskId
    ? `The snapshot generation ${d.generation} (${d.name}, LDN ${hex4(d.ldn)}h) of ${bv.name} is being deleted in the background (task ${d.taskId}).`
    : `The snapshot generation ${d.generation} (${d.name}, LDN ${hex4(d.ldn)}h) of ${bv.name} was deleted.`);
  return { value: { bv: bv.name, deleted: done }, text };
}

interface PairOptions {
  mv: string;
  rv: string;
}

const now = (s: Session) => s.engine.ctx.clock.now();

function started(s: Session, what: 'Replicate' | 'Restore', p: ReplicationPair): Output {
  return { value: p, text: [...pairStart(what, now(s), p), ...(p.taskId ? [`Task ID: ${p.taskId}`] : [])] };
}

const pairCommand = (array: Command, name: string, description: string) =>
  array.command(name).description(description).requiredOption('--mv <ld>', 'MV: LD number, name or VVol id').requiredOption('--rv <ld>', 'RV: LD number, name or VVol id');

const COMPLETED = 'iSMrc_pair: Info:      iSM13247: Command has completed successfully.';

export function addCopyCommands(array: Command): void {
  example(array.command('sc_query').description('snapshot generations of a base volume (iSMsc_query)')
    .option('--bv <ld>', 'base volume (EBV): LD number, name or VVol id')
    .option('--sv <ld>', 'one snapshot volume (ESV)')
    .action((o: { bv?: string; sv?: string }, cmd: Command) => run(cmd, (s) => scQueryCommand(s, o))), 'sc_query --bv 0010h');

  example(array.command('generationdel').description('delete snapshot generations in the background (iSMcfg generationdel)')
    .option('--bvname <[type]:name>', 'base volume name, as ":name", "type:name" or "name"')
    .option('--bvn <ldn>', 'base volume LD number')
    .option('--svname <[type]:name>', 'the generation (ESV) to delete')
    .option('--count <n>', 'delete this many of the oldest generations', integer('the count', 1, 256))
    .action((o: GenerationDel, cmd: Command) => run(cmd, (s) => generationDel(s, o))),
  'generationdel --bvname :200000255CDB05310010 --svname :00255CDB05310010_SV0011');

  example(array.command('rc_query').description('replication pairs of an MV or RV (iSMrc_query)')
    .option('--mv <ld>', 'MV: LD number, name or VVol id')
    .option('--rv <ld>', 'RV: LD number, name or VVol id')
    .action((o: Partial<PairOptions>, cmd: Command) => run(cmd, (s) => {
      if (o.mv === undefined && o.rv === undefined) throw new CliError('give --mv or --rv.');
      const mv = o.mv === undefined ? undefined : s.engine.getLd(s.ref, o.mv);
      const rv = o.rv === undefined ? undefined : s.engine.getLd(s.ref, o.rv);
      const pairs = s.engine.queryPairs(s.ref, (mv ?? rv as LogicalDisk).ldn)
        .filter((p) => (!mv || p.mvId === mv.id) && (!rv || p.rvId === rv.id));
      return { value: pairs, text: pairs.length ? rcQuery(pairs) : [`No pair of ${(mv ?? rv as LogicalDisk).name} exists.`] };
    })), 'rc_query --mv mv_test');

  example(pairCommand(array, 'rc_pair', 'pair an MV with an RV, or dissolve the pair with --unpair (iSMrc_pair)')
    .option('--unpair', 'dissolve the pair')
    .option('--force', 'with --unpair: separate first if needed')
    .action((o: PairOptions & { unpair?: boolean; force?: boolean }, cmd: Command) => run(cmd, (s) => {
      if (o.force && !o.unpair) throw new CliError('--force goes with --unpair.');
      if (o.unpair) {
        s.engine.unpair(s.ref, o.mv, o.rv, !!o.force);
        return { value: { unpaired: { mv: o.mv, rv: o.rv } }, text: COMPLETED };
      }
      const p = s.engine.pairVolumes(s.ref, o.mv, o.rv);
      return { value: p, text: COMPLETED };
    })), 'rc_pair --mv mv_test --rv rv_test --unpair');

  example(pairCommand(array, 'rc_replicate', 'copy MV to RV in the background, then keep them in sync (iSMrc_replicate)')
    .action((o: PairOptions, cmd: Command) => run(cmd, (s) => started(s, 'Replicate', s.engine.replicate(s.ref, o.mv, o.rv)))),
  'rc_replicate --mv mv_test --rv rv_test');

  example(pairCommand(array, 'rc_separate', 'separate a pair; --force also while copying (iSMrc_separate)')
    .option('--force', 'separate even while a copy runs (the RV is then not valid)')
    .action((o: PairOptions & { force?: boolean }, cmd: Command) => run(cmd, (s) => {
      const p = s.engine.separate(s.ref, o.mv, o.rv, !!o.force);
      return { value: p, text: pairStart('Separate', p.separateStart ?? now(s), p) };
    })), 'rc_separate --mv mv_test --rv rv_test --force');

  example(pairCommand(array, 'rc_restore', 'copy RV back to MV in the background (iSMrc_restore)')
    .action((o: PairOptions, cmd: Command) => run(cmd, (s) => started(s, 'Restore', s.engine.restore(s.ref, o.mv, o.rv)))),
  'rc_restore --mv mv_test --rv rv_test');
}
