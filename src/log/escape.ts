/** Log text made safe to write as one line (issue 8 row 16). */

/**
 * C0 and C1 control characters, DEL and the Unicode line and paragraph separators:
 * anything that could end a log line early or move a terminal's cursor.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every control character written as an escape ("\n", "\u001b"), so one
 * log record is always one line: a caller's text (a SOAP field, a file name, an
 * exception message) cannot forge a line of its own (issue 8 row 16). Backslashes are
 * left as they are: a forged "\\n" stays on its line, which is what matters, and
 * Windows paths stay readable.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
