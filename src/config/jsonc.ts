/**
 * JSON with // and /* *\/ comments, as our commented files in conf/ are written, read
 * by jsonc-parser (the parser VS Code uses for its settings). Trailing commas are
 * refused, as JSON refuses them.
 *
 * A parse error names the file, the line and the column and says what is wrong, but
 * never quotes the text: V8's own JSON messages do ("Unexpected token 'r',
 * "root:x:0:0"... is not valid JSON"), and the settings file replaced by a link to
 * another file once put that file's first bytes in the log (issue 8 row 23). The
 * reasons below are ours, one per jsonc-parser error code, and hold no text of the file.
 */
import { printParseErrorCode, visit } from 'jsonc-parser';

/** jsonc-parser's error codes by name (its enum is a `const enum`, which isolated compilation cannot inline). */
type ErrorName = Exclude<ReturnType<typeof printParseErrorCode>, '<unknown ParseErrorCode>'>;

const REASONS: Record<ErrorName, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected double-quoted property name',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':' after property name",
  CommaExpected: "expected ',' between values",
  CloseBraceExpected: "expected ',' or '}' after property value",
  CloseBracketExpected: "expected ',' or ']' after array element",
  EndOfFileExpected: 'unexpected text after the end of the value',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'the number ends too early',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'bad escaped character',
  InvalidCharacter: 'bad control character in a string',
};

/** Line and column (1-based) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Frame {
  value: Json[] | { [key: string]: Json };
  key?: string;
  /** An object whose next token must be a property name (after `{` or `,`). */
  expectsName: boolean;
}

/** The first problem of a text: its offset and reason. */
interface Problem {
  offset: number;
  reason: string;
}

/**
 * Parses `text`; on the first error throws "<file>: not valid JSON (comments allowed) at
 * line L, column C: <reason>". Objects are built as JSON.parse builds them (a key
 * "__proto__" is an own property, not the prototype).
 */
export function parseJsonc(text: string, file: string): unknown {
  const stack: Frame[] = [];
  let root: Json | undefined;
  let problem: Problem | undefined;
  const put = (v: Json) => {
    const top = stack[stack.length - 1];
    if (!top) root = v;
    else if (Array.isArray(top.value)) top.value.push(v);
    else if (top.key !== undefined) Object.defineProperty(top.value, top.key, { value: v, enumerable: true, writable: true, configurable: true });
  };
  const open = (value: Frame['value']) => {
    put(value);
    stack.push({ value, expectsName: !Array.isArray(value) });
  };
  visit(text, {
    onObjectBegin: () => open({}),
    onArrayBegin: () => open([]),
    onObjectEnd: () => void stack.pop(),
    onArrayEnd: () => void stack.pop(),
    onObjectProperty: (key) => {
      const top = stack[stack.length - 1];
      top.key = key;
      top.expectsName = false;
    },
    onLiteralValue: (v: Json) => put(v),
    onSeparator: (c) => {
      const top = stack[stack.length - 1];
      if (c === ',' && top && !Array.isArray(top.value)) top.expectsName = true;
    },
    onError: (errorCode, offset, length) => {
      if (problem) return;
      const code = printParseErrorCode(errorCode);
      const top = stack[stack.length - 1];
      // A stray word where a name belongs is reported as what was expected there, as JSON.parse does.
      if (code === 'InvalidSymbol' && top?.expectsName) problem = { offset, reason: REASONS.PropertyNameExpected };
      // A string is unterminated where the text (or the line) ran out, not where it began.
      else if (code === 'UnexpectedEndOfString') problem = { offset: offset + length, reason: REASONS.UnexpectedEndOfString };
      else if (offset >= text.length && code !== 'UnexpectedEndOfComment') problem = { offset, reason: 'the text ends too early' };
      else problem = { offset, reason: code in REASONS ? REASONS[code as ErrorName] : 'not JSON' };
    },
  }, { disallowComments: false, allowTrailingComma: false, allowEmptyContent: false });
  if (problem) {
    const { line, column } = lineColumn(text, problem.offset);
    throw new Error(`${file}: not valid JSON (comments allowed) at line ${line}, column ${column}: ${problem.reason}`);
  }
  return root;
}
