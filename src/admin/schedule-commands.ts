/**
 * `schedule`: the image-backup plans (issue 11 section 1) from the command line:
 * list, show, create, update, delete, enable, disable, and copy (a new plan from one
 * used before). Options become the same plan document the admin API takes, checked by
 * the same schema (so a wrong option reads like the API's 400), then handed to the
 * service, whose rules and messages are the only ones. `--json` prints the plan(s).
 */
import type { Command } from 'commander';
import type { PlanInput, ScheduleInput } from '../scheduler/contract';
import { dataDir } from '../sys/runtime';
import { planDetail, planList } from './format-scheduler';
import { type CommandEnv, numericId, openSchedulerFolder, runScheduler, SCHEDULER_EXIT_TABLE, type SchedulerOpener } from './scheduler-cli';

interface PlanFlags {
  name?: string;
  vm?: string[];
  type?: string;
  startDate?: string;
  slot?: string;
  minute?: string;
  weekday?: string;
  monthDay?: string;
  ordinal?: string;
  tz?: string;
  retention?: string;
  disabled?: boolean;
}

/** A whole number as a number; anything else stays text for the schema to name. */
const num = (v: string | undefined): number | string | undefined => (v !== undefined && /^-?[0-9]{1,15}$/.test(v) ? Number(v) : v);

const ORDINAL_WORDS: Record<string, number | 'last'> = { first: 1, second: 2, third: 3, fourth: 4, fifth: 5, last: 'last' };
const WEEKDAY_WORDS: Record<string, string> = { monday: 'mon', tuesday: 'tue', wednesday: 'wed', thursday: 'thu', friday: 'fri', saturday: 'sat', sunday: 'sun' };

function ordinal(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  const w = v.toLowerCase();
  return Object.hasOwn(ORDINAL_WORDS, w) ? ORDINAL_WORDS[w] : num(v);
}

function weekday(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const w = v.toLowerCase();
  return Object.hasOwn(WEEKDAY_WORDS, w) ? WEEKDAY_WORDS[w] : w;
}

/** The object without its undefined fields (so the schema sees only what was given). */
function given<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The schedule the options describe, laid over `base` (update, copy): a schedule is
 * always given whole to the service. A new type drops the old type's day fields; a
 * day of the month replaces an ordinal weekday and the other way round.
 */
function scheduleFrom(f: PlanFlags, base?: ScheduleInput): Record<string, unknown> | undefined {
  const g = given({
    type: f.type, startDate: f.startDate, slotHour: num(f.slot), startMinute: num(f.minute),
    weekday: weekday(f.weekday), monthDay: num(f.monthDay), ordinal: ordinal(f.ordinal),
  });
  if (Object.keys(g).length === 0) return undefined;
  if (!base) return g;
  let kept: Record<string, unknown> = { ...base };
  if (g.type !== undefined && g.type !== base.type) kept = given({ type: base.type, startDate: base.startDate, slotHour: base.slotHour, startMinute: base.startMinute });
  if (g.monthDay !== undefined) kept = given({ ...kept, ordinal: undefined, weekday: undefined });
  if (g.ordinal !== undefined) kept = given({ ...kept, monthDay: undefined });
  return { ...kept, ...g };
}

/** The plan fields the options give (name, VMs, zone, retention; the schedule is added by the caller). */
function fieldsFrom(f: PlanFlags): Record<string, unknown> {
  return given({ name: f.name, vms: f.vm, timeZone: f.tz, retentionDays: num(f.retention), enabled: f.disabled ? false : undefined });
}

function planOptions(c: Command, o: { create?: boolean } = {}): Command {
  return c
    .option('--name <name>', 'the plan\'s name')
    .option('--vm <name...>', 'the VMs the plan backs up together (one consistency point)')
    .option('--type <type>', `once, daily, weekly or monthly${o.create ? ' (default daily)' : ''}`)
    .option('--start-date <YYYY-MM-DD>', 'first local date the plan may run (for once: the day it runs)')
    .option('--slot <hour>', 'the one-hour start slot, local hour 0-23')
    .option('--minute <minute>', 'minute in the slot the run is aimed at, 0-54 (default 0)')
    .option('--weekday <day>', 'weekly, or monthly with --ordinal: mon ... sun')
    .option('--month-day <day>', 'monthly: a day of the month 1-31 (no backup in months without it)')
    .option('--ordinal <n>', 'monthly: first, second, third, fourth, fifth or last (with --weekday)')
    .option('--tz <zone>', `the plan's IANA time zone${o.create ? ' (default: this machine\'s)' : ''}`)
    .option('--retention <days>', 'days an image is kept (presets 7, 30, 365)')
    .option('--json', 'print the plan as JSON');
}

const machineZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function create(env: CommandEnv, f: PlanFlags) {
  const input = env.checks.body<PlanInput>('PlanInput', { ...fieldsFrom({ tz: machineZone(), ...given(f) }), schedule: scheduleFrom({ type: 'daily', ...given(f) }) });
  const plan = env.ctx.api.createPlan(input);
  return { value: plan, text: [`Plan ${plan.id} (${plan.name}) created.`, ...planDetail(plan)] };
}

function update(env: CommandEnv, rawId: string, f: PlanFlags) {
  const id = numericId(env, rawId);
  const schedule = scheduleFrom(f, scheduleFrom(f) ? env.ctx.api.getPlan(id).schedule : undefined);
  const changes = env.checks.body<Partial<PlanInput>>('PlanChanges', given({ ...fieldsFrom(f), schedule }));
  const plan = env.ctx.api.updatePlan(id, changes);
  return { value: plan, text: [`Plan ${plan.id} (${plan.name}) changed.`, ...planDetail(plan)] };
}

function copy(env: CommandEnv, rawId: string, f: PlanFlags) {
  const id = numericId(env, rawId);
  const schedule = scheduleFrom(f, scheduleFrom(f) ? env.ctx.api.getPlan(id).schedule : undefined);
  const changes = env.checks.body<Partial<PlanInput> & { name: string }>('PlanCopy', given({ ...fieldsFrom(f), schedule }));
  const plan = env.ctx.api.createPlanFrom(id, changes);
  return { value: plan, text: [`Plan ${plan.id} (${plan.name}) created from plan ${id}.`, ...planDetail(plan)] };
}

export function registerScheduleCommands(program: Command, open: SchedulerOpener = openSchedulerFolder): Command {
  const schedule = program
    .command('schedule')
    .description('image-backup plans: which VMs are backed up when, and how long their images are kept')
    .option('--data <dir>', 'provider data folder (env VASA_PROVIDER_DATA)', dataDir());

  schedule.command('list').description('list the plans').option('--json', 'print as JSON')
    .action((_o: unknown, cmd: Command) => runScheduler(cmd, open, (env) => {
      const plans = env.ctx.api.listPlans();
      return { value: plans, text: planList(plans) };
    }));

  schedule.command('show <id>').description('show a plan, its next run and months without a run').option('--json', 'print as JSON')
    .action((id: string, _o: unknown, cmd: Command) => runScheduler(cmd, open, (env) => {
      const plan = env.ctx.api.getPlan(numericId(env, id));
      return { value: plan, text: planDetail(plan) };
    }));

  planOptions(schedule.command('create').description('create a plan (a start in minute 55-59 of a slot, or in a full slot, is refused with the alternatives)'), { create: true })
    .option('--disabled', 'create it disabled (nothing starts until `schedule enable`)')
    .action((f: PlanFlags, cmd: Command) => runScheduler(cmd, open, (env) => create(env, f)));

  planOptions(schedule.command('update <id>').description('change a plan: only the options given change (schedule options are laid over its schedule)'))
    .action((id: string, f: PlanFlags, cmd: Command) => runScheduler(cmd, open, (env) => update(env, id, f)));

  schedule.command('delete <id>').description('delete a plan (its images stay until they expire)').option('--json', 'print as JSON')
    .action((id: string, _o: unknown, cmd: Command) => runScheduler(cmd, open, (env) => {
      const n = numericId(env, id);
      env.ctx.api.deletePlan(n);
      return { value: { deleted: n }, text: [`Plan ${n} deleted; its images stay until they expire.`] };
    }));

  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    schedule.command(`${name} <id>`).description(enabled ? 'enable a plan' : 'disable a plan: nothing starts until it is enabled').option('--json', 'print as JSON')
      .action((id: string, _o: unknown, cmd: Command) => runScheduler(cmd, open, (env) => {
        const plan = env.ctx.api.setPlanEnabled(numericId(env, id), enabled);
        return { value: plan, text: [`Plan ${plan.id} (${plan.name}) ${enabled ? 'enabled' : 'disabled: nothing starts'}.`, ...planDetail(plan)] };
      }));
  }

  planOptions(schedule.command('copy <id>').description('create a plan from one used before: its fields, with the options given, under --name'))
    .action((id: string, f: PlanFlags, cmd: Command) => runScheduler(cmd, open, (env) => copy(env, id, f)));

  schedule.addHelpText('after', [
    '',
    'Dates and the slot are local to the plan\'s time zone; times print in UTC.',
    'Example: vvolctl schedule create --name daily-web --vm web01 web02 --start-date 2026-01-06 --slot 2 --minute 10 --tz Europe/Berlin --retention 7',
    '',
    SCHEDULER_EXIT_TABLE,
  ].join('\n'));
  return schedule;
}
