import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { escapeAttr, XmlStreamWriter } from '../../src/relation/xml-writer';
import { tempDir } from '../helpers/fixture';

test('X4: attribute values are escaped: markup, quotes, whitespace that would be normalised, forbidden characters', () => {
  expect(escapeAttr(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
  expect(escapeAttr('x\ty\nz\r')).toBe('x&#9;y&#10;z&#13;');
  expect(escapeAttr('\u0000\u0008\u000b\u001f\ufffe\uffff')).toBe('\ufffd'.repeat(6));
  expect(escapeAttr('lone \ud800 and \udc00 but 😀 is fine')).toBe('lone \ufffd and \ufffd but 😀 is fine');
  expect(escapeAttr('日本語 ok')).toBe('日本語 ok');
});

test('X4: the writer flushes in bounded pieces, nests, and fills a reserved value in place', async () => {
  const file = path.join(tempDir('vvol-xml-'), 'w.xml');
  const fh = await fsp.open(file, 'w');
  const sizes: number[] = [];
  const write = fh.write.bind(fh) as (...a: unknown[]) => Promise<{ bytesWritten: number }>;
  (fh as unknown as { write: typeof write }).write = (...a: unknown[]) => {
    sizes.push(a[2] as number);
    return write(...a);
  };
  const w = new XmlStreamWriter(fh, 4096);
  w.declaration();
  const at = w.startReserving('root', [['start', 'S'], ['end', '0000'], ['x', 'é']], 'end');
  for (let i = 0; i < 2000; i++) {
    w.leaf('item', [['id', String(i)], ['name', `n&${i}`]]);
    await w.drain();
  }
  w.start('empty');
  w.end();
  w.end();
  await w.finish();
  await w.fill(at, '1234');
  await fh.close();
  const text = fs.readFileSync(file, 'utf8');
  expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<root start="S" end="1234" x="é">\n  <item id="0" name="n&amp;0"/>\n')).toBe(true);
  expect(text.endsWith('  <empty>\n  </empty>\n</root>\n')).toBe(true);
  expect(Math.max(...sizes)).toBeLessThan(4096 + 200);
  expect(sizes.length).toBeGreaterThan(text.length / 4200);
  expect(w.bytes).toBe(Buffer.byteLength(text));
});

test('X4: the writer refuses bad names and unbalanced documents', async () => {
  const fh = await fsp.open(path.join(tempDir('vvol-xml-'), 'bad.xml'), 'w');
  const w = new XmlStreamWriter(fh);
  expect(() => w.leaf('1bad')).toThrow(/not an XML name/);
  expect(() => w.leaf('ok', [['a b', 'x']])).toThrow(/not an XML attribute name/);
  expect(() => w.end()).toThrow(/no element is open/);
  w.start('open');
  await expect(w.finish()).rejects.toThrow(/unclosed elements: open/);
  await fh.close();
});
