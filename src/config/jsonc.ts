/**
 * JSON with // and /* *\/ comments, as our commented files in conf/ are written.
 *
 * A parse error names the file, the line and the column and says what is wrong, but
 * never quotes the text: V8's own messages do ("Unexpected token 'r', "root:x:0:0"...
 * is not valid JSON"), and the settings file replaced by a link to another file once
 * put that file's first bytes in the log (issue 8 row 23).
 */

/**
 * The text with every comment replaced by spaces (line breaks kept), so that an offset
 * in the result is the same offset in the file and errors can point at line and column.
 */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  const blank = (s: string) => s.replace(/[^\n\r]/g, ' ');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += blank(text.slice(i, stop));
      i = stop - 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += blank(text.slice(i, stop));
      i = stop - 1;
    } else out += c;
  }
  return out;
}

const END = 'Unexpected end of JSON input';

function parseError(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Where JSON.parse stopped. V8 gives "at position N" for most errors but not for an
 * unexpected token; then the shortest prefix that fails other than by ending early
 * ends at the offending character (the parser reads left to right), found by
 * bisection: a handful of parses of a file of a few kilobytes.
 */
function errorOffset(text: string, message: string): number | undefined {
  const m = /at position (\d+)/.exec(message);
  if (m) return Number(m[1]);
  if (message.startsWith(END)) return text.length;
  // A prefix "fails inside" when the parser stops before its end: an error at the
  // prefix's last offset + 1 only means the text was cut there.
  const failsInside = (n: number) => {
    const err = parseError(text.slice(0, n));
    if (err === undefined || err.startsWith(END)) return false;
    const at = /at position (\d+)/.exec(err);
    return !at || Number(at[1]) < n;
  };
  if (!failsInside(text.length)) return undefined;
  let lo = 0;
  let hi = text.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (failsInside(mid)) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

/** V8's reason without the quoted text: the part before any snippet or offending character. */
function reasonOf(message: string): string {
  if (message.startsWith('Unexpected token')) return 'unexpected character';
  if (message.startsWith(END)) return 'the text ends too early';
  const r = message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/( in JSON)? at position \d+.*$/, '').replace(/,\s*".*$/s, '');
  // Anything else V8 may say is kept only when it quotes nothing but JSON's own punctuation.
  return /^[A-Za-z ,-]*('[^']{1,3}'[A-Za-z ,-]*)*$/.test(r) ? r.charAt(0).toLowerCase() + r.slice(1) : 'not JSON';
}

/** Line and column (1-based) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

export function parseJsonc(text: string, file: string): unknown {
  const clean = stripComments(text);
  try {
    return JSON.parse(clean);
  } catch (e) {
    const message = (e as Error).message;
    const offset = errorOffset(clean, message);
    const where = offset === undefined ? '' : (({ line, column }) => ` at line ${line}, column ${column}`)(lineColumn(clean, offset));
    throw new Error(`${file}: not valid JSON (comments allowed)${where}: ${reasonOf(message)}`);
  }
}
