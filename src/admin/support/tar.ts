/**
 * A streaming tar.gz writer for the support bundle: tar-stream makes the tar (ustar
 * headers, a pax record for a name ustar cannot hold or one that is not ASCII), gzip is
 * node:zlib, and backpressure is respected end to end, so a bundle with large relation
 * files never sits in memory whole.
 *
 * Why tar-stream and not the `tar` package: the bundle's entries are mostly texts made
 * in memory (scrubbed of secrets) under names of our choosing, which tar-stream takes
 * as they are; `tar` packs paths from the disk under their own names.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { pack, type Header, type Pack } from 'tar-stream';

/** tar-stream's writable for one entry (a streamx Writable). */
type EntrySink = ReturnType<Pack['entry']>;

export interface EntryOptions {
  mode?: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
}

/** Owner of every entry: the bundle is read on another machine, where our uid means nothing. */
const OWNER = { uid: 0, gid: 0, uname: 'root', gname: 'root' } as const;
const CHUNK = 1 << 16;

export class TarGzWriter {
  private readonly pack = pack();
  private readonly done: Promise<void>;
  private failure?: Error;
  readonly entries: { name: string; size: number }[] = [];

  private constructor(out: fs.WriteStream) {
    this.done = pipeline(this.pack, zlib.createGzip({ level: 6 }), out);
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

  /** Waits for `p`, or fails as soon as the output does (a full disk would otherwise leave it waiting). */
  private async guard<T>(p: Promise<T>): Promise<T> {
    if (this.failure) throw this.failure;
    const r = await Promise.race([p, this.done.then(() => Promise.reject(new Error('the archive was closed')))]);
    if (this.failure) throw this.failure;
    return r;
  }

  /** Starts an entry; resolves when tar-stream has taken all of it. */
  private entry(header: Partial<Header> & Pick<Header, 'name'>, body?: Buffer): { stream: EntrySink; taken: Promise<void> } {
    let stream: EntrySink | undefined;
    const taken = new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve());
      stream = body === undefined ? this.pack.entry({ ...OWNER, ...header }, cb) : this.pack.entry({ ...OWNER, ...header }, body, cb);
    });
    taken.catch(() => undefined);
    return { stream: stream as EntrySink, taken };
  }

  async addDirectory(name: string, o: EntryOptions): Promise<void> {
    const { taken } = this.entry({ name: name.endsWith('/') ? name : `${name}/`, type: 'directory', mode: o.mode ?? 0o755, mtime: new Date(o.mtime) });
    await this.guard(taken);
  }

  async addFile(name: string, data: Buffer | string, o: EntryOptions): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const { taken } = this.entry({ name, type: 'file', size: buf.length, mode: o.mode ?? 0o644, mtime: new Date(o.mtime) }, buf);
    await this.guard(taken);
    this.entries.push({ name, size: buf.length });
  }

  /** Streams a file from disk; a file that shrinks meanwhile is padded, one that grows is cut at its size at the start. */
  async addFileFromDisk(name: string, source: string, o: Partial<EntryOptions> = {}): Promise<void> {
    const st = fs.statSync(source);
    const size = st.size;
    const { stream, taken } = this.entry({ name, type: 'file', size, mode: o.mode ?? 0o644, mtime: new Date(o.mtime ?? st.mtimeMs) });
    const put = async (chunk: Buffer) => {
      if (!stream.write(chunk)) await this.guard(once(stream, 'drain'));
    };
    let written = 0;
    if (size > 0) {
      for await (const chunk of fs.createReadStream(source, { start: 0, end: size - 1, highWaterMark: CHUNK })) {
        const take = (chunk as Buffer).subarray(0, Math.max(0, size - written));
        await put(take);
        written += take.length;
      }
    }
    for (; written < size; written += CHUNK) await put(Buffer.alloc(Math.min(CHUNK, size - written)));
    stream.end(undefined);
    await this.guard(taken);
    this.entries.push({ name, size });
  }

  /** Writes the end-of-archive blocks and waits until the file is flushed and closed. */
  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    this.pack.finalize();
    await this.done;
  }

  /** Stops writing (after a failure); the caller removes the file. */
  async abort(): Promise<void> {
    this.pack.destroy(new Error('the support bundle was abandoned'));
    await this.done.catch(() => undefined);
  }
}
