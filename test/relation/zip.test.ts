import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { crc32, readSingleEntry, zipFile } from '../../src/relation/zip';
import { tempDir } from '../helpers/fixture';
import { unzipWithPython } from './scenario';

test('X3: CRC-32 matches the standard check value, also when computed over pieces', () => {
  const data = Buffer.from('123456789');
  expect(crc32(data)).toBe(0xcbf43926);
  expect(crc32(data.subarray(4), crc32(data.subarray(0, 4)))).toBe(0xcbf43926);
  expect(crc32(Buffer.alloc(0))).toBe(0);
});

/** The DOS date and time of the (only) central directory entry: [year, month, day, hour, minute, second]. */
function centralDosTime(zip: Buffer): number[] {
  const cd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  const time = zip.readUInt16LE(cd + 12);
  const date = zip.readUInt16LE(cd + 14);
  return [(date >> 9) + 1980, (date >> 5) & 15, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2];
}

test('X3: the date inside the zip is the UTC moment (to two seconds), also when the daemon runs in another zone', () => {
  // A child process (the compiled module, `npm run build`): the zone is read when a process starts.
  const dir = tempDir('vvol-zip-tz-');
  const src = path.join(dir, 'a.xml');
  fs.writeFileSync(src, '<a/>');
  const module = path.resolve(__dirname, '../../dist/relation/zip.js');
  try {
    for (const tz of ['UTC', 'Asia/Tokyo', 'America/New_York']) {
      const zip = path.join(dir, `${tz.replace('/', '-')}.zip`);
      const script = `require(${JSON.stringify(module)}).zipFile(process.argv[1], process.argv[2], 'a.xml', Date.UTC(2026, 4, 17, 9, 8, 7)).catch((e) => { console.error(e); process.exit(1); })`;
      const r = spawnSync(process.execPath, ['-e', script, src, zip], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect([tz, ...centralDosTime(fs.readFileSync(zip))]).toEqual([tz, 2026, 5, 17, 9, 8, 6]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('X3: a source that cannot be read rejects and writes nothing', async () => {
  const dir = tempDir('vvol-zip-missing-');
  const zip = path.join(dir, 'm.zip');
  await expect(zipFile(path.join(dir, 'missing.xml'), zip, 'm.xml', 0)).rejects.toMatchObject({ code: 'ENOENT' });
  expect(fs.existsSync(zip)).toBe(false);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('X3: the zip of a relation file is a real ZIP', () => {
  const dir = tempDir('vvol-zip-');
  const cases: [string, Buffer][] = [
    ['small', Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<Information/>\n')],
    ['empty', Buffer.alloc(0)],
    // Several MiB of varied text: more than one read chunk and one deflate block.
    ['large', Buffer.from(Array.from({ length: 120_000 }, (_, i) => `<dataVVOL id="${(i & 0xffff).toString(16)}" name="disk-${i * 7919}.vmdk"/>\n`).join(''))],
  ];
  test.each(cases)('X3: %s: unzip -l lists it, Python zipfile and our reader read it back unchanged', async (label, content) => {
    const src = path.join(dir, `20260101000000-${label}.xml`);
    fs.writeFileSync(src, content);
    const zip = path.join(dir, `${label}.zip`);
    const r = await zipFile(src, zip, '20260101000000.xml', Date.UTC(2026, 0, 1));
    expect(r.size).toBe(content.length);
    const list = spawnSync('unzip', ['-l', zip], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${content.length}\\s+2026-01-01 00:00\\s+20260101000000\\.xml`));
    expect(spawnSync('unzip', ['-tq', zip], { encoding: 'utf8' }).stdout).toContain('No errors detected');
    const py = unzipWithPython(zip);
    expect(py.names).toEqual(['20260101000000.xml']);
    expect(py.testzip).toBe('None');
    expect(py.content).toBe(content.toString('utf8'));
    const mine = readSingleEntry(fs.readFileSync(zip));
    expect(mine.name).toBe('20260101000000.xml');
    expect(mine.data.equals(content)).toBe(true);
    if (label === 'large') expect(fs.statSync(zip).size).toBeLessThan(content.length / 3);
  });

  test('X3: a zip made by another tool is read by ours too', () => {
    const zip = path.join(dir, 'python.zip');
    const py = spawnSync('/usr/bin/python3', ['-c', 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z: z.writestr("a.xml", "<a/>" * 100)', zip]);
    expect(py.status).toBe(0);
    expect(readSingleEntry(fs.readFileSync(zip)).data.toString()).toBe('<a/>'.repeat(100));
  });

  test('X3: a damaged zip is refused', async () => {
    const src = path.join(dir, 'd.xml');
    fs.writeFileSync(src, 'hello hello hello');
    const zip = path.join(dir, 'd.zip');
    await zipFile(src, zip, 'd.xml', 0);
    const bytes = fs.readFileSync(zip);
    bytes.writeUInt32LE(0, 16 + bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))); // CRC in the central directory
    expect(() => readSingleEntry(bytes)).toThrow(/CRC mismatch/);
    expect(() => readSingleEntry(Buffer.from('nope'))).toThrow(/not a ZIP/);
  });
});
