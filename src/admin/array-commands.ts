/**
 * The `array` command group: administration of the simulated disk arrays with the
 * names of the NEC tools (iSMview, iSMcfg, iSMsc_query, iSMrc_*). Global options
 * live here; each family of commands is in its own file.
 */
import type { Command } from 'commander';
import { dataDir } from '../sys/runtime';
import { addAdminCommands } from './array-admin-commands';
import { addConfigCommands } from './array-config-commands';
import { addCopyCommands } from './array-copy-commands';
import { addOpsCommands } from './array-ops-commands';
import { addViewCommands } from './array-view-commands';
import { addVvolCommands } from './array-vvol-commands';
import { EXIT_TABLE } from './run';

const EPILOG = `
<ld> is an LD number (0010h or 10), an LD name or a VVol id; <pool> a pool number
(0001h) or name. Times are UTC. Errors print "ERROR: <message>" on stderr (with
--json: {"error":{"code","message","facts"}}); warnings print "WARNING: <message>".

${EXIT_TABLE}

Examples:
  $ npm run -s cli -- array view -pl
  $ npm run -s cli -- array view -ln 0400h
  $ npm run -s cli -- array vvol create --pool 0000h --type data --size 20g --json
`;

export function addArrayCommands(program: Command): Command {
  const array = program
    .command('array')
    .description('administer the simulated NEC Storage M-series disk arrays')
    .option('--data <dir>', 'provider data folder (env VASA_PROVIDER_DATA)', dataDir())
    .option('--json', 'print JSON (domain values) instead of text')
    .option('--array <name>', 'the disk array to work on (default: the only registered one)')
    .addHelpText('after', EPILOG);
  addViewCommands(array);
  addAdminCommands(array);
  addConfigCommands(array);
  addVvolCommands(array);
  addCopyCommands(array);
  addOpsCommands(array);
  return array;
}
