/**
 * Replacing a small file so that a crash leaves either the old or the new content:
 * write a temp file beside it, fsync, rename over, fsync the folder. Used for the
 * provider account, settings and certificates.
 */
import fs from 'node:fs';
import path from 'node:path';

export function fsyncDirSync(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* some file systems cannot fsync a folder; the rename is still atomic */
  }
}

export interface AtomicWriteOptions {
  /** Mode of a new file (default 0600). */
  mode?: number;
  /** Keep the mode and (as root) the owner of the file being replaced. */
  keepOwner?: boolean;
}

export function writeFileAtomic(file: string, text: string, o: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const old = o.keepOwner ? fs.statSync(file, { throwIfNoEntry: false }) : undefined;
  const mode = old ? old.mode & 0o777 : o.mode ?? 0o600;
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      fs.writeSync(fd, text);
      fs.fchmodSync(fd, mode);
      if (old && process.getuid?.() === 0) fs.fchownSync(fd, old.uid, old.gid);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDirSync(dir);
}
