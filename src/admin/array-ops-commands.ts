/**
 * Operating the array: simulated guest I/O (write, read, trim chunks), background
 * tasks, the event and alarm logs, the store's consistency check and the B12
 * applicability tables of an LD.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { attributesOf } from '../array/applicability';
import { hex4 } from '../array/ids';
import { example } from './command-help';
import { alarmList, applicabilityList, eventList, ldnLookup, taskDetail, taskList } from './format-tables';
import { integer } from './parse';
import { EXIT, run, Session } from './run';

const chunkIndex = integer('the chunk index', 0);
const chunkCount = integer('the chunk count', 1);

/**
 * SQLite's quick_check first: on a damaged store the invariant queries would only fail
 * with "malformed", so they run on a sound one only (and end with the full
 * integrity_check, which also compares indexes with their tables). A store whose WAL
 * was lost after an unclean stop is refused before this, when it is opened.
 */
function checkStore(s: Session): string[] {
  const store = s.engine.store;
  let damage: string[];
  try {
    damage = store.problems('quick');
  } catch (e) {
    damage = [(e as Error).message];
  }
  if (damage.length) {
    return [
      ...damage.map((d) => `SQLite quick_check of ${store.file}: ${d}`),
      `The store is damaged: restore ${path.basename(store.file)} from a backup (stop the provider first). The array's own consistency was not checked.`,
    ];
  }
  return s.engine.checkInvariants();
}

function addIo(array: Command): void {
  const io = array.command('io').description('simulated guest I/O on an LD (chunks of 1 MiB holding a content token)');
  example(io.command('write').description('write tokens into consecutive chunks')
    .argument('<ld>', 'LD number (0010h), LD name or VVol id')
    .argument('<chunkIndex>', 'first chunk', chunkIndex)
    .argument('<token...>', 'content tokens, one per chunk')
    .action((ld: string, start: number, tokens: string[], _o: unknown, cmd: Command) => run(cmd, (s) => {
      const r = s.engine.write(s.engine.getLd(s.ref, ld), start, tokens);
      return { value: r, text: `Wrote ${tokens.length} chunk(s) from chunk ${start} (${r.written} newly allocated).` };
    })), 'io write 0010h 0 A0 A1');

  example(io.command('read').description('read chunks: one line per chunk, its index and token or "-"')
    .argument('<ld>', 'LD number (0010h), LD name or VVol id')
    .argument('<chunkIndex>', 'first chunk', chunkIndex)
    .argument('[count]', 'number of chunks', chunkCount, 1)
    .action((ld: string, start: number, count: number, _o: unknown, cmd: Command) => run(cmd, (s) => {
      const tokens = s.engine.readChunks(s.engine.getLd(s.ref, ld), start, count);
      return { value: tokens.map((token, i) => ({ index: start + i, token })), text: tokens.map((t, i) => `${start + i} ${t ?? '-'}`) };
    })), 'io read 0010h 0 4');

  example(io.command('trim').description('release chunks')
    .argument('<ld>', 'LD number (0010h), LD name or VVol id')
    .argument('<chunkIndex>', 'first chunk', chunkIndex)
    .argument('[count]', 'number of chunks', chunkCount, 1)
    .action((ld: string, start: number, count: number, _o: unknown, cmd: Command) => run(cmd, (s) => {
      const r = s.engine.trim(s.engine.getLd(s.ref, ld), start, count);
      return { value: r, text: `Trimmed ${r.trimmed} allocated chunk(s) of ${count} from chunk ${start}.` };
    })), 'io trim 0010h 0 2');
}

function addTasks(array: Command): void {
  const task = array.command('task').description('background tasks (full clone, replication, restore, snapshot deletion)');
  const ldn = (s: Session) => ldnLookup(s.engine.listLds(s.ref));
  example(task.command('list').description('running and queued tasks (--all: also finished ones)')
    .option('--all', 'include finished tasks')
    .action((o: { all?: boolean }, cmd: Command) => run(cmd, (s) => {
      const tasks = s.engine.listTasks(s.ref, !o.all);
      return { value: tasks, text: taskList(tasks, ldn(s)) };
    })), 'task list --all');
  example(task.command('show').description('one task').argument('<id>', 'task id')
    .action((id: string, _o: unknown, cmd: Command) => run(cmd, (s) => {
      const t = s.engine.getTask(id);
      return { value: t, text: taskDetail(t, ldn(s)) };
    })), 'task show task-1');
  example(task.command('cancel').description('cancel a queued or running task').argument('<id>', 'task id')
    .action((id: string, _o: unknown, cmd: Command) => run(cmd, (s) => {
      const t = s.engine.cancelTask(id);
      return { value: t, text: `The task ${t.id} (${t.kind}) was cancelled.` };
    })), 'task cancel task-1');
}

function addLogs(array: Command): void {
  const since = integer('--since', -1);
  const limit = integer('--limit', 1, 100000);
  example(array.command('events').description('the array\'s event log, oldest first')
    .option('--since <seq>', 'only events after this sequence number', since, -1)
    .option('--limit <n>', 'at most this many', limit, 1000)
    .action((o: { since: number; limit: number }, cmd: Command) => run(cmd, (s) => {
      const ev = s.engine.eventsSince(s.ref, o.since, o.limit);
      return { value: ev, text: eventList(ev) };
    })), 'events --since 10 --limit 20');
  example(array.command('alarms').description('the array\'s alarms, oldest first')
    .option('--since <seq>', 'only alarms after this sequence number', since, -1)
    .option('--limit <n>', 'at most this many', limit, 1000)
    .action((o: { since: number; limit: number }, cmd: Command) => run(cmd, (s) => {
      const al = s.engine.alarmsSince(s.ref, o.since, o.limit);
      return { value: al, text: alarmList(al) };
    })), 'alarms');
}

export function addOpsCommands(array: Command): void {
  addIo(array);
  addTasks(array);
  addLogs(array);
  example(array.command('check').description('check the consistency of the whole store (exit 1 on problems)')
    .action((_o: unknown, cmd: Command) => run(cmd, (s) => {
      const problems = checkStore(s);
      return { value: { ok: problems.length === 0, problems }, text: problems.length ? problems : ['OK'], exitCode: problems.length ? EXIT.failure : EXIT.ok };
    }, { tick: false })), 'check');
  example(array.command('applicability').description('which functions apply to an LD (manual tables 4-1 to 4-5, B12)')
    .argument('<ld>', 'LD number (0010h), LD name or VVol id')
    .action((ldRef: string, _o: unknown, cmd: Command) => run(cmd, (s) => {
      const ld = s.engine.getLd(s.ref, ldRef);
      const a = s.engine.applicability(s.ref, ld.ldn);
      return { value: { ldn: hex4(ld.ldn), attributes: attributesOf(ld), ...a }, text: applicabilityList(ld, a, attributesOf(ld)) };
    })), 'applicability 0010h');
}
