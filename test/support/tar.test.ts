/** The tar.gz writer: what /bin/tar reads back, names longer than ustar holds included. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TarGzWriter } from '../../src/admin/support/tar';
import { tempDir } from '../helpers/fixture';

test('files, folders, empty files, long names (ustar prefix and pax) and a streamed file round-trip through /bin/tar', async () => {
  const dir = tempDir('vvol-tar-');
  try {
    const big = path.join(dir, 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(300_000, 7));
    const file = path.join(dir, 'out.tar.gz');
    const mtime = Date.UTC(2026, 0, 2, 3, 4, 5);
    const t = await TarGzWriter.create(file);
    const prefixed = `b/${'p'.repeat(120)}/${'n'.repeat(90)}.txt`;
    const pax = `c/${'x'.repeat(200)}/${'y'.repeat(120)}.txt`;
    await t.addDirectory('a', { mtime });
    await t.addFile('a/hello.txt', 'hello\n', { mtime });
    await t.addFile('a/empty', '', { mtime });
    await t.addFile(prefixed, 'prefixed\n', { mtime });
    await t.addFile(pax, 'pax ünïcode\n', { mtime });
    await t.addFileFromDisk('a/big.bin', big);
    await t.finish();
    await expect(TarGzWriter.create(file)).rejects.toMatchObject({ code: 'EEXIST' });

    const list = spawnSync('/bin/tar', ['-tzvf', file], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/-rw-r--r-- root\/root +6 2026-01-02 0\d:04 a\/hello\.txt/);
    const into = path.join(dir, 'x');
    fs.mkdirSync(into);
    const x = spawnSync('/bin/tar', ['-xzf', file, '-C', into], { encoding: 'utf8' });
    expect(x.stderr).toBe('');
    expect(fs.readFileSync(path.join(into, 'a/hello.txt'), 'utf8')).toBe('hello\n');
    expect(fs.readFileSync(path.join(into, 'a/empty'), 'utf8')).toBe('');
    expect(fs.readFileSync(path.join(into, prefixed), 'utf8')).toBe('prefixed\n');
    expect(fs.readFileSync(path.join(into, pax), 'utf8')).toBe('pax ünïcode\n');
    expect(fs.readFileSync(path.join(into, 'a/big.bin')).equals(fs.readFileSync(big))).toBe(true);
    expect(fs.statSync(path.join(into, 'a/hello.txt')).mtimeMs).toBe(mtime);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
