/**
 * Passwords for `settings -s` and `-v` without putting them on the command line, where
 * every user of the machine sees them in `ps` (issue 8 row 24): typed at a prompt that
 * does not echo when stdin is a terminal, or the first line of stdin when it is not
 * (`printf '%s\n' "$PW" | vvolctl settings -s admin`).
 *
 * Hand-written rather than a dependency: raw mode, Enter, Backspace and Ctrl-C are a
 * few lines, and the prompt must go to stderr so stdout keeps only the result.
 */
import type { Readable } from 'node:stream';
import { CliError, EXIT } from './run';

/** stdin, or a stand-in for tests: a terminal has isTTY and setRawMode. */
export type PasswordInput = Readable & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };

/** Longer input is refused: no password of ours is near it, and memory stays bounded. */
const MAX_LINE_BYTES = 4096;

export interface PasswordPrompt {
  input: PasswordInput;
  /** Where the prompt is written (stderr). */
  output: { write(text: string): unknown };
}

/** The password: typed without echo on a terminal (twice with `confirm`), else stdin's first line. */
export async function readPassword(p: PasswordPrompt, question: string, confirm = false): Promise<string> {
  if (!p.input.isTTY || typeof p.input.setRawMode !== 'function') return readLine(p.input);
  const first = await readHidden(p, `${question}: `);
  if (!confirm) return first;
  const again = await readHidden(p, `${question} (again): `);
  if (again !== first) throw new CliError('The two passwords typed differ; nothing was changed.', EXIT.usage, 'INVALID_ARGUMENT');
  return first;
}

/** The first line of a stream that is not a terminal (without its line break). */
function readLine(input: PasswordInput): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      if (err) return reject(err);
      const all = Buffer.concat(chunks).toString('utf8');
      const nl = all.indexOf('\n');
      resolve((nl < 0 ? all : all.slice(0, nl)).replace(/\r$/, ''));
    };
    const onData = (c: Buffer | string) => {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      chunks.push(b);
      size += b.length;
      if (b.includes(0x0a)) finish();
      else if (size > MAX_LINE_BYTES) finish(new CliError(`The password read from stdin is longer than ${MAX_LINE_BYTES} bytes.`, EXIT.usage, 'INVALID_ARGUMENT'));
    };
    const onEnd = () => {
      if (size === 0) finish(new CliError('No password given: stdin is empty. Type it at the prompt (run from a terminal), or pipe one line on stdin.', EXIT.usage, 'INVALID_ARGUMENT'));
      else finish();
    };
    const onError = (e: Error) => finish(e);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** One line typed on a terminal in raw mode, nothing echoed. */
function readHidden(p: PasswordPrompt, prompt: string): Promise<string> {
  const input = p.input;
  p.output.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode?.(false);
      input.pause();
      p.output.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (c: Buffer | string) => {
      for (const ch of typeof c === 'string' ? c : c.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new CliError('Cancelled; nothing was changed.', EXIT.failure, 'CANCELLED'));
        if (ch === '\u0004') return typed ? undefined : finish(new CliError('No password given; nothing was changed.', EXIT.usage, 'INVALID_ARGUMENT'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
        if (typed.length > MAX_LINE_BYTES) return finish(new CliError(`The password is longer than ${MAX_LINE_BYTES} characters.`, EXIT.usage, 'INVALID_ARGUMENT'));
      }
      return undefined;
    };
    const onEnd = () => finish(new CliError('No password given; nothing was changed.', EXIT.usage, 'INVALID_ARGUMENT'));
    input.setRawMode?.(true);
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}
