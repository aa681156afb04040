/**
 * `relation write` and `relation show`: the VM-to-VVOL relation file (manual C.1) on
 * demand. `write` runs the same check as the daemon's interval (X1: a new file only
 * when the configuration changed, X3: the previous one zipped, old zips pruned);
 * `show` prints the latest file of each disk array. Both take --json.
 */
import type { Command } from 'commander';
import type { Clock } from '../array/clock';
import type { DiskArrayEngine } from '../array/engine';
import { dataDir } from '../sys/runtime';
import { LatestFile, RelationLogger, RelationOptions, RelationResult, RelationService, relationSettings } from '../relation/service';
import { withManagedAssembly } from './run';

export interface RelationCliContext {
  engine: DiskArrayEngine;
  clock: Clock;
  dataDir: string;
  close(): void;
  /** The provider's relation settings (datacenter, vCenter), when the caller has them. */
  relation?: Partial<RelationOptions>;
}

interface Flags {
  data: string;
  json?: boolean;
  datacenter?: string;
}

/** What `open` gets: the parsed options of the relation group (the data folder). */
export interface RelationOpenOptions {
  data: string;
}

export type RelationOpener = (o: RelationOpenOptions) => RelationCliContext;

/**
 * The default opener: the same assembly as the daemon's (store shared through WAL), so
 * `relation write` covers the same managed arrays and writes the same vCenter as the
 * daemon's interval does: from the same state both write the same file, and neither
 * rewrites the other's.
 */
export function openDataFolder(o: RelationOpenOptions): RelationCliContext {
  return withManagedAssembly(o.data, (a) => ({
    engine: a.managed, clock: a.clock, dataDir: a.layout.dir,
    // The same vCenter link as the daemon's: its names (the daemon's saved inventory while it is current).
    relation: { ...relationSettings(a.settings.get()), vmNaming: a.relation.options.vmNaming },
  }));
}

/** Warnings go to stderr; errors are printed from the results, info is not shown. */
const cliLogger: RelationLogger = {
  info: () => undefined,
  warn: (m) => process.stderr.write(`WARNING: ${m}\n`),
  error: () => undefined,
};

function resultLines(r: RelationResult, latest: string | null): string[] {
  const head = `${r.array} (${r.wwn})`;
  if (r.error) return [`${head}: ERROR: ${r.error}${r.cause ? ` (${r.cause})` : ''}`];
  const lines = r.written ? [`${head}: configuration changed; wrote ${r.written}`] : [`${head}: no change; latest file ${latest ?? '(none)'}`];
  if (r.zipped) lines.push(`  the previous file is kept as ${r.zipped}`);
  for (const p of r.pruned) lines.push(`  removed ${p} (older than three days)`);
  return lines;
}

function showLines(files: LatestFile[]): string[] {
  if (files.length === 0) return ['No disk array is registered.'];
  return files.map((f) => `${f.array} (${f.wwn}): ${f.path ?? '(no relation file yet)'}`);
}

function fail(e: unknown, json: boolean): void {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(json ? `${JSON.stringify({ error: { code: 'RELATION', message } })}\n` : `ERROR: ${message}\n`);
  process.exitCode = 1;
}

async function withService(cmd: Command, open: RelationOpener, body: (s: RelationService, ctx: RelationCliContext, json: boolean) => Promise<void>): Promise<void> {
  const flags = cmd.optsWithGlobals<Flags>();
  const json = !!flags.json;
  let ctx: RelationCliContext | undefined;
  try {
    ctx = open({ data: flags.data });
    const opts: Partial<RelationOptions> = { ...ctx.relation, ...(flags.datacenter ? { datacenter: flags.datacenter } : {}) };
    await body(new RelationService(ctx.engine, ctx.clock, ctx.dataDir, cliLogger, opts), ctx, json);
  } catch (e) {
    fail(e, json);
  } finally {
    ctx?.close();
  }
}

export function registerRelationCommands(program: Command, open: RelationOpener = openDataFolder): Command {
  const relation = program
    .command('relation')
    .description('the VM-to-VVOL relation file (configuration file, manual Appendix C.1)')
    .option('--data <dir>', 'provider data folder (env VASA_PROVIDER_DATA)', dataDir());

  relation
    .command('write')
    .description('check every disk array for a configuration change now and write its relation file if it changed (as the output interval does)')
    .option('--json', 'print the result of each disk array as JSON')
    .option('--datacenter <name>', 'datacenter name written into the file (default: the provider setting, "Datacenter")')
    .action(async (_o: unknown, cmd: Command) =>
      withService(cmd, open, async (service, ctx, json) => {
        // Without the daemon, background tasks still progress: like every CLI call, advance them first.
        ctx.engine.tick();
        const results = await service.checkAndWrite();
        const latest = new Map(service.latest().map((f) => [f.wwn, f.path]));
        const rows = results.map((r) => ({ ...r, latest: latest.get(r.wwn) ?? null }));
        if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else process.stdout.write(`${(rows.length ? rows.flatMap((r) => resultLines(r, r.latest)) : ['No disk array is registered.']).join('\n')}\n`);
        if (results.some((r) => r.error)) process.exitCode = 1;
      }),
    );

  relation
    .command('show')
    .description('print the path of the latest relation file of each disk array')
    .option('--json', 'print as JSON')
    .action(async (_o: unknown, cmd: Command) =>
      withService(cmd, open, async (service, _ctx, json) => {
        const files = service.latest();
        process.stdout.write(json ? `${JSON.stringify(files, null, 2)}\n` : `${showLines(files).join('\n')}\n`);
      }),
    );

  relation.addHelpText('after', [
    '',
    'Files (X2, X3):',
    '  <data>/latestRelationBetweenVMandVVOL/<WWN>_<ArrayName>/YYYYMMDDHHMMSS.xml   the latest file',
    '  <data>/RelationBetweenVMandVVOL/<WWN>_<ArrayName>/YYYYMMDDHHMMSS.zip         earlier ones, kept three days',
    'Schema: wsdl/relation.xsd',
  ].join('\n'));
  return relation;
}
