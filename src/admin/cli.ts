#!/usr/bin/env node
/**
 * vvolctl: the provider's administration CLI, one program with command groups
 * (`array`, `backup`, `relation`, `schedule`, `image`, `settings`, `status`, `support`). Usage errors exit 2, help 0;
 * each command sets its own exit status (see `array --help`).
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../sys/runtime';
import { addArrayCommands } from './array-commands';
import { registerBackupCommands } from './backup-commands';
import { registerImageCommands } from './image-commands';
import { registerRelationCommands } from './relation-commands';
import { registerScheduleCommands } from './schedule-commands';
import { registerSettingsCommands } from './settings-commands';
import { registerStatusCommands } from './status-commands';
import { registerSupportCommands } from './support-commands';
import { EXIT } from './run';

export function buildProgram(): Command {
  const program = new Command('vvolctl')
    .description('administer the vvol-provider and its simulated disk arrays')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  addArrayCommands(program);
  registerBackupCommands(program);
  registerRelationCommands(program);
  registerScheduleCommands(program);
  registerImageCommands(program);
  registerSettingsCommands(program);
  registerStatusCommands(program);
  registerSupportCommands(program);
  return program;
}

const QUIET_OK = new Set(['commander.helpDisplayed', 'commander.version']);

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = QUIET_OK.has(e.code) ? EXIT.ok : EXIT.usage;
      return;
    }
    process.stderr.write(`ERROR: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = EXIT.failure;
  }
}

if (require.main === module) void main();
