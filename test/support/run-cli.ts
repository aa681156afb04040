/**
 * Runs CLI command groups in-process: a fresh commander program with the groups under
 * test registered, stdout/stderr captured, the exit status read from process.exitCode
 * (or commander's own for usage errors and help).
 */
import { Command, CommanderError } from 'commander';

export interface CliResult {
  out: string;
  err: string;
  code: number;
}

export async function runCli(register: (program: Command) => void, args: string[]): Promise<CliResult> {
  const program = new Command('vvolctl').exitOverride();
  register(program);
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  process.exitCode = 0;
  let code: number | undefined;
  try {
    await program.parseAsync(['node', 'vvolctl', ...args]);
  } catch (x) {
    if (!(x instanceof CommanderError)) throw x;
    code = x.exitCode;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  code ??= Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}
