/**
 * conf/*.jsonc through jsonc-parser: comments allowed, trailing commas refused as JSON
 * refuses them, objects built as JSON.parse builds them, and every error names file,
 * line and column without quoting the file (issue 8 row 23).
 */
import { parseJsonc } from '../../src/config/jsonc';

const SECRET = 'root:x:0:0:TOPSECRET:/root:/bin/bash';

test('comments of both kinds, also inside values and at the end, are allowed; strings that look like comments stay', () => {
  expect(parseJsonc('/* head */\n{\n  // a\n  "a": /* inline */ [1, 2],\n  "b": "/* not */ // not"\n}\n// tail', 'f')).toEqual({ a: [1, 2], b: '/* not */ // not' });
});

test('a key "__proto__" is an own field, as JSON.parse makes it, never the object\'s prototype', () => {
  const v = parseJsonc('{ "__proto__": { "polluted": true }, "x": 1 }', 'f') as Record<string, unknown>;
  expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  expect(Object.keys(v)).toEqual(['__proto__', 'x']);
  expect((v as { polluted?: boolean }).polluted).toBeUndefined();
  expect(v).toEqual(JSON.parse('{ "__proto__": { "polluted": true }, "x": 1 }'));
});

test.each([
  ['{ "a": 1, }', 1, 11, 'expected double-quoted property name'],
  ['[1, 2, ]', 1, 8, 'expected a value'],
  ['{ "a" 1 }', 1, 7, "expected ':' after property name"],
  ['{ "a": 1 "b": 2 }', 1, 10, "expected ',' between values"],
  ['{ "a": 1', 1, 9, 'the text ends too early'],
  ['// nothing but a comment\n', 2, 1, 'the text ends too early'],
  ['{}\n/* open', 2, 1, 'unterminated comment'],
  ['{ "a": "\\q" }', 1, 8, 'bad escaped character'],
  ['{}\n{}', 2, 1, 'unexpected text after the end of the value'],
])('row 23: %j is refused at line %i, column %i: %s', (text, line, column, reason) => {
  expect(() => parseJsonc(text, '/conf/x.jsonc')).toThrow(`/conf/x.jsonc: not valid JSON (comments allowed) at line ${line}, column ${column}: ${reason}`);
});

test.each([
  SECRET,
  `{ "a": ${SECRET} }`,
  `{ ${SECRET} }`,
  `[ "x", ${SECRET}`,
  `{ "${SECRET}`,
  `{ "a": "x" ${SECRET} }`,
  `/* ${SECRET}`,
])('row 23: no error quotes the file: %#', (text) => {
  let message = '';
  try {
    parseJsonc(text, 'f');
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toMatch(/^f: not valid JSON \(comments allowed\) at line \d+, column \d+: [a-z ',:}\]-]+$/);
  expect(message).not.toMatch(/root|TOPSECRET|bash/);
});
