/** Help text shared by the command groups: a one-line example under each command's help. */
import type { Command } from 'commander';

export function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ vvolctl array ${l}`).join('\n')}\n`);
}
