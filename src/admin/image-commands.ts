/**
 * `image`: the image-backup images and runs (issue 11 sections 2-5) from the command
 * line: list, show, delete, verify, restore, an immediate backup (with `--wait`
 * printing progress until it ends), the runs, cancel, history and the CSV report. Each
 * command is one call of the service the daemon and the admin API use; `--json`
 * prints its value.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { HistoryEntry, RestoreResult } from '../scheduler/contract';
import { writeFileAtomic } from '../sys/atomic-file';
import { dataDir } from '../sys/runtime';
import { withProgress } from './api/progress';
import { IMAGE_ID } from './api/route';
import { historyList, imageDetail, imageList, restoreLines, runDetail, runList, verifyLines } from './format-scheduler';
import { EXIT } from './run';
import {
  type CliOutput, type CommandEnv, followRun, numericId, openSchedulerFolder, runScheduler, SCHEDULER_EXIT_TABLE, type SchedulerOpener, timeoutMs,
} from './scheduler-cli';

/** An image id argument, checked as the API checks its path. */
const imageId = (env: CommandEnv, raw: string) => env.checks.parameters(IMAGE_ID, { id: raw }, 'path').id as string;

const WAIT_SECONDS = 3600;

async function backup(env: CommandEnv, vm: string, o: { wait?: boolean; timeout?: string }): Promise<CliOutput> {
  const limit = timeoutMs(o.timeout, WAIT_SECONDS);
  const run = env.ctx.api.backupNow(vm);
  if (!o.wait) {
    return { value: withProgress(run), text: [`Run ${run.id} started: immediate backup of VM ${vm}; follow it with \`vvolctl image run ${run.id} --wait\`.`] };
  }
  const end = await followRun(env, run.id, limit);
  return { value: withProgress(end), text: runDetail(end), exitCode: end.state === 'completed' ? EXIT.ok : EXIT.failure };
}

/** The restore job's entry in the history, followed while it runs (a restore may end at once). */
async function restore(env: CommandEnv, id: string, o: { wait: boolean; timeout?: string }): Promise<CliOutput> {
  const limit = timeoutMs(o.timeout, WAIT_SECONDS);
  const result: RestoreResult = env.ctx.api.restore({ imageId: imageId(env, id) });
  const job = (): HistoryEntry | undefined => env.ctx.api.history({ days: 7 }).find((j) => j.jobId === result.jobId);
  let entry = job();
  const sleep = env.ctx.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = process.hrtime.bigint();
  let last = '';
  while (o.wait && entry?.status === 'Running' && Number(process.hrtime.bigint() - started) / 1e6 < limit) {
    const line = `restore ${result.jobId} of VM ${result.vmName}: ${entry.status}${entry.message ? `: ${entry.message}` : ''}`;
    if (line !== last) env.progress(line);
    last = line;
    await env.ctx.tick?.();
    await sleep(1000);
    entry = job();
  }
  const status = entry?.status;
  return {
    value: { ...result, status: status ?? null, message: entry?.message ?? null },
    text: [...restoreLines(result, status), ...(entry?.message ? [`  ${entry.message}`] : [])],
    exitCode: status === 'Failed' || status === 'Cancelled' ? EXIT.failure : EXIT.ok,
  };
}

function report(env: CommandEnv, out: string | undefined): CliOutput {
  const csv = env.ctx.api.reportCsv();
  const rows = Math.max(0, csv.split('\n').filter(Boolean).length - 1);
  if (!out) return { value: { csv, rows }, text: [csv.replace(/\n$/, '')] };
  const file = path.resolve(out);
  writeFileAtomic(file, csv, { mode: 0o644 });
  return { value: { file, rows }, text: [`Report of the last 14 days written to ${file} (${rows} rows).`] };
}

export function registerImageCommands(program: Command, open: SchedulerOpener = openSchedulerFolder): Command {
  const image = program
    .command('image')
    .description('image backups: images, immediate backups, runs, restore, verify, history and report')
    .option('--data <dir>', 'provider data folder (env VASA_PROVIDER_DATA)', dataDir());
  const json = (c: Command) => c.option('--json', 'print as JSON');

  json(image.command('list').description('list the images').option('--vm <name>', 'only the images of this VM'))
    .action((o: { vm?: string }, cmd: Command) => runScheduler(cmd, open, (env) => {
      const images = env.ctx.api.listImages(o.vm === undefined ? {} : { vmName: o.vm });
      return { value: images, text: imageList(images) };
    }));

  json(image.command('show <id>').description('show an image and its disks'))
    .action((id: string, _o: unknown, cmd: Command) => runScheduler(cmd, open, (env) => {
      const i = env.ctx.api.getImage(imageId(env, id));
      return { value: i, text: imageDetail(i) };
    }));

  json(image.command('delete <id>').description('delete an image (chunks other images need stay)'))
    .action((id: string, _o: unknown, cmd: Command) => runScheduler(cmd, open, (env) => {
      const i = imageId(env, id);
      env.ctx.api.deleteImage(i);
      return { value: { deleted: i }, text: [`Image ${i} deleted.`] };
    }));

  json(image.command('verify <id>').description('re-hash every chunk and the manifest of an image (exit 1 when problems are found)'))
    .action((id: string, _o: unknown, cmd: Command) => runScheduler(cmd, open, (env) => {
      const v = env.ctx.api.verifyImage(imageId(env, id));
      return { value: v, text: verifyLines(v), exitCode: v.ok ? EXIT.ok : EXIT.failure };
    }));

  json(image.command('restore <id>').description('overwrite the VM\'s disks with the image and leave it powered off; prints progress until the restore ends')
    .option('--no-wait', 'do not wait for the restore to end')
    .option('--timeout <seconds>', `stop waiting after this long (default ${WAIT_SECONDS})`))
    .action((id: string, o: { wait: boolean; timeout?: string }, cmd: Command) => runScheduler(cmd, open, (env) => restore(env, id, o)));

  json(image.command('backup <vm>').description('back up a VM now (at most 5 per VM in 24 hours, scheduled ones counted)')
    .option('--wait', 'wait for the run to end, printing its progress (advances the scheduler meanwhile)')
    .option('--timeout <seconds>', `with --wait: stop waiting after this long (default ${WAIT_SECONDS})`))
    .action((vm: string, o: { wait?: boolean; timeout?: string }, cmd: Command) => runScheduler(cmd, open, (env) => backup(env, vm, o)));

  json(image.command('runs').description('list the runs with their progress').option('--active', 'only runs not finished yet').option('--plan <id>', 'only the runs of this plan'))
    .action((o: { active?: boolean; plan?: string }, cmd: Command) => runScheduler(cmd, open, (env) => {
      const runs = env.ctx.api.listRuns({ ...(o.active ? { active: true } : {}), ...(o.plan === undefined ? {} : { planId: numericId(env, o.plan) }) });
      return { value: runs.map(withProgress), text: runList(runs) };
    }));

  json(image.command('run <id>').description('show a run: each VM\'s order, I/O load, snapshot-held time and progress')
    .option('--wait', 'wait for the run to end, printing its progress')
    .option('--timeout <seconds>', `with --wait: stop waiting after this long (default ${WAIT_SECONDS})`))
    .action((id: string, o: { wait?: boolean; timeout?: string }, cmd: Command) => runScheduler(cmd, open, async (env) => {
      const limit = timeoutMs(o.timeout, WAIT_SECONDS);
      const n = numericId(env, id);
      const run = o.wait ? await followRun(env, n, limit) : env.ctx.api.getRun(n);
      return { value: withProgress(run), text: runDetail(run), ...(o.wait ? { exitCode: run.state === 'completed' ? EXIT.ok : EXIT.failure } : {}) };
    }));

  json(image.command('cancel <run-id>').description('cancel a run (it cannot be resumed; no partial image is kept as usable)'))
    .action((id: string, _o: unknown, cmd: Command) => runScheduler(cmd, open, (env) => {
      const run = env.ctx.api.cancelRun(numericId(env, id));
      return { value: withProgress(run), text: [`Run ${run.id} ${run.state}.`] };
    }));

  json(image.command('history').description('the jobs (backups and restores) of the last 7 days').option('--all', 'every job kept'))
    .action((o: { all?: boolean }, cmd: Command) => runScheduler(cmd, open, (env) => {
      const jobs = env.ctx.api.history({ days: o.all ? 'all' : 7 });
      return { value: jobs, text: historyList(jobs) };
    }));

  json(image.command('report').description('the CSV report of the last 14 days (at most 2,000 rows), to stdout or a file').option('--out <file>', 'write it to this file'))
    .action((o: { out?: string }, cmd: Command) => runScheduler(cmd, open, (env) => report(env, o.out)));

  image.addHelpText('after', ['', 'Times print in UTC. Progress lines go to stderr.', '', SCHEDULER_EXIT_TABLE].join('\n'));
  return image;
}
