/**
 * A streaming XML writer: elements go into a small buffer that is written to the file
 * whenever it passes a threshold, so a document of any size needs only that buffer.
 * Attribute values are escaped (markup, quotes, line breaks, characters XML 1.0 does
 * not allow). A value can be reserved and filled in later (the finish time of the
 * Information element, known only at the end) because it has a fixed byte length.
 */
import type { FileHandle } from 'node:fs/promises';

export type Attrs = ReadonlyArray<readonly [string, string]>;

// Characters XML 1.0 forbids (C0 controls other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPECIAL = /[&<>"'\t\n\r]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

/** An attribute value as it must appear between double quotes. Forbidden characters become U+FFFD. */
export function escapeAttr(value: string): string {
  return value.replace(FORBIDDEN, '\uFFFD').replace(SPECIAL, (c) => ENTITY[c]);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export class XmlStreamWriter {
  private parts: string[] = [];
  private buffered = 0;
  private position = 0;
  private depth = 0;
  private readonly open: string[] = [];

  constructor(private readonly fh: FileHandle, private readonly flushAt = 256 * 1024) {}

  /** Bytes written so far (flushed or buffered). */
  get bytes(): number {
    return this.position + this.buffered;
  }

  declaration(): void {
    this.raw('<?xml version="1.0" encoding="UTF-8"?>\n');
  }

  start(name: string, attrs: Attrs = []): void {
    this.tag(name, attrs, false);
    this.open.push(name);
    this.depth++;
  }

  /** An element without children. */
  leaf(name: string, attrs: Attrs = []): void {
    this.tag(name, attrs, true);
  }

  end(): void {
    const name = this.open.pop();
    if (name === undefined) throw new Error('no element is open');
    this.depth--;
    this.raw(`${'  '.repeat(this.depth)}</${name}>\n`);
  }

  /**
   * Writes the opening tag of `name` and returns the byte offset of the value of its
   * attribute `reserved` (written with its placeholder value from `attrs`), so `fill`
   * can put the real value there later. The real value must have the same byte length.
   */
  startReserving(name: string, attrs: Attrs, reserved: string): number {
    if (!NAME.test(name)) throw new Error(`"${name}" is not an XML name`);
    const at = attrs.findIndex(([k]) => k === reserved);
    if (at < 0) throw new Error(`the attribute ${reserved} is not among the attributes of ${name}`);
    this.raw(`${'  '.repeat(this.depth)}<${name}${this.attrText(attrs.slice(0, at))} ${reserved}="`);
    const offset = this.bytes;
    this.raw(`${escapeAttr(attrs[at][1])}"${this.attrText(attrs.slice(at + 1))}>\n`);
    this.open.push(name);
    this.depth++;
    return offset;
  }

  /** Writes the buffer out when it has grown past the threshold; await it between items. */
  async drain(): Promise<void> {
    if (this.buffered >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffered === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.buffered = 0;
    await this.writeFully(buf, this.position);
    this.position += buf.length;
  }

  /** Overwrites a reserved value (see startWithReserved) once everything is flushed. */
  async fill(offset: number, value: string): Promise<void> {
    await this.flush();
    await this.writeFully(Buffer.from(escapeAttr(value), 'utf8'), offset);
  }

  /** Flushes and checks that every element was closed. */
  async finish(): Promise<void> {
    if (this.open.length) throw new Error(`unclosed elements: ${this.open.join(' > ')}`);
    await this.flush();
  }

  private async writeFully(buf: Buffer, at: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, at + done);
      if (bytesWritten <= 0) throw new Error('the file system accepted no bytes');
      done += bytesWritten;
    }
  }

  private tag(name: string, attrs: Attrs, empty: boolean): void {
    if (!NAME.test(name)) throw new Error(`"${name}" is not an XML name`);
    this.raw(`${'  '.repeat(this.depth)}<${name}${this.attrText(attrs)}${empty ? '/>' : '>'}\n`);
  }

  private attrText(attrs: Attrs): string {
    let s = '';
    for (const [k, v] of attrs) {
      if (!NAME.test(k)) throw new Error(`"${k}" is not an XML attribute name`);
      s += ` ${k}="${escapeAttr(v)}"`;
    }
    return s;
  }

  private raw(s: string): void {
    this.parts.push(s);
    this.buffered += Buffer.byteLength(s, 'utf8');
  }
}
