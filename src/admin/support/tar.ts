/**
 * A streaming tar.gz writer: POSIX ustar headers (names longer than ustar holds get a
 * pax `path` record), gzip from node:zlib, backpressure respected, so a bundle with
 * large relation files never sits in memory whole. GNU tar and bsdtar read the output.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

const BLOCK = 512;

export interface EntryOptions {
  mode?: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
}

function octal(n: number, width: number): string {
  // width-1 octal digits and a NUL, as ustar wants them.
  return `${Math.floor(n).toString(8).padStart(width - 1, '0')}\0`;
}

function splitUstarName(name: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return { name: rest, prefix };
  }
  return undefined;
}

function header(name: string, prefix: string, size: number, type: '0' | '5' | 'x', o: EntryOptions): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  b.write(octal(o.mode ?? (type === '5' ? 0o755 : 0o644), 8), 100, 'ascii');
  b.write(octal(0, 8), 108, 'ascii');
  b.write(octal(0, 8), 116, 'ascii');
  b.write(octal(size, 12), 124, 'ascii');
  b.write(octal(o.mtime / 1000, 12), 136, 'ascii');
  b.write('        ', 148, 'ascii');
  b.write(type, 156, 'ascii');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.write('root', 265, 'ascii');
  b.write('root', 297, 'ascii');
  b.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}

/** A pax record "<len> path=<name>\n", where <len> counts the whole record including itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len++;
  return Buffer.from(`${len}${body}`, 'utf8');
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

export class TarGzWriter {
  private readonly gzip = zlib.createGzip({ level: 6 });
  private readonly done: Promise<void>;
  private failure?: Error;
  readonly entries: { name: string; size: number }[] = [];

  private constructor(out: fs.WriteStream) {
    this.done = pipeline(this.gzip, out);
    this.done.catch((e: Error) => {
      this.failure = e;
    });
  }

  /** Opens `file` for writing (exclusively); fails here when it cannot be created. */
  static async create(file: string): Promise<TarGzWriter> {
    const out = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
    await Promise.race([once(out, 'open'), once(out, 'error').then(([e]) => Promise.reject(e as Error))]);
    return new TarGzWriter(out);
  }

  private async push(buf: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (buf.length && !this.gzip.write(buf)) {
      await Promise.race([once(this.gzip, 'drain'), this.done.then(() => undefined)]);
      if (this.failure) throw this.failure;
    }
  }

  private async head(name: string, size: number, type: '0' | '5', o: EntryOptions): Promise<void> {
    let split = splitUstarName(name);
    if (!split) {
      const pax = paxRecord('path', name);
      await this.push(header(`PaxHeader/${name.slice(-80)}`.slice(0, 100), '', pax.length, 'x', o));
      await this.push(pax);
      await this.push(padding(pax.length));
      split = { name: name.slice(-100), prefix: '' };
    }
    await this.push(header(split.name, split.prefix, size, type, o));
  }

  async addDirectory(name: string, o: EntryOptions): Promise<void> {
    await this.head(name.endsWith('/') ? name : `${name}/`, 0, '5', { mode: 0o755, ...o });
  }

  async addFile(name: string, data: Buffer | string, o: EntryOptions): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await this.head(name, buf.length, '0', o);
    await this.push(buf);
    await this.push(padding(buf.length));
    this.entries.push({ name, size: buf.length });
  }

  /** Streams a file from disk; a file that shrinks meanwhile is padded, one that grows is cut at its size at the start. */
  async addFileFromDisk(name: string, source: string, o: Partial<EntryOptions> = {}): Promise<void> {
    const st = fs.statSync(source);
    const size = st.size;
    await this.head(name, size, '0', { mode: o.mode ?? 0o644, mtime: o.mtime ?? st.mtimeMs });
    let written = 0;
    if (size > 0) {
      for await (const chunk of fs.createReadStream(source, { start: 0, end: size - 1 })) {
        const c = chunk as Buffer;
        const take = c.subarray(0, Math.max(0, size - written));
        await this.push(take);
        written += take.length;
      }
    }
    if (written < size) await this.push(Buffer.alloc(size - written));
    await this.push(padding(size));
    this.entries.push({ name, size });
  }

  /** Writes the end-of-archive blocks and waits until the file is flushed and closed. */
  async finish(): Promise<void> {
    await this.push(Buffer.alloc(BLOCK * 2));
    this.gzip.end();
    await this.done;
  }

  /** Stops writing (after a failure); the caller removes the file. */
  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.done.catch(() => undefined);
  }
}
