/**
 * The one way the provider replaces a file so that a crash, a kill or a full disk at any
 * point leaves either the old content or the new, never a torn file: write a temp file
 * beside the target, fsync it, rename it over the target, fsync the folder. The
 * synchronous form serves small files written at start-up and by the CLI (account,
 * settings, certificates); the asynchronous form serves the daemon's periodic writers
 * (the relation state), and the temp/commit pieces serve writers that stream a large
 * file into the temp file themselves (the relation XML and its zips).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Mode of a new file (default 0600). */
  mode?: number;
  /** Keep the mode and (as root) the owner of the file being replaced. */
  keepOwner?: boolean;
}

/** The temp name a file is written under before it is renamed into place. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
}

/** Some file systems refuse fsync on a folder: the rename is still atomic there. */
const fsyncRefused = (e: unknown) => ['EINVAL', 'EISDIR', 'EPERM', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '');

export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    if (!fsyncRefused(e)) throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    if (!fsyncRefused(e)) throw e;
  } finally {
    await fh?.close();
  }
}

/** The mode (and owner) the new file gets. */
function modeFor(file: string, o: AtomicWriteOptions): { mode: number; owner?: fs.Stats } {
  const old = o.keepOwner ? fs.statSync(file, { throwIfNoEntry: false }) : undefined;
  return { mode: old ? old.mode & 0o777 : o.mode ?? 0o600, owner: old };
}

export function writeFileAtomic(file: string, data: string | Buffer, o: AtomicWriteOptions = {}): void {
  const tmp = tempPathFor(file);
  const { mode, owner } = modeFor(file, o);
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      fs.writeFileSync(fd, data);
      fs.fchmodSync(fd, mode);
      if (owner && process.getuid?.() === 0) fs.fchownSync(fd, owner.uid, owner.gid);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDirSync(path.dirname(file));
}

export async function writeFileAtomicAsync(file: string, data: string | Buffer, o: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempPathFor(file);
  const { mode, owner } = modeFor(file, o);
  try {
    const fh = await fsp.open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.chmod(mode);
      if (owner && process.getuid?.() === 0) await fh.chown(owner.uid, owner.gid);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await commitTemp(tmp, file);
  } catch (e) {
    await discardTemp(tmp);
    throw e;
  }
}

/** Renames a finished, fsynced temp file into place and makes the rename durable. */
export async function commitTemp(temp: string, target: string): Promise<void> {
  await fsp.rename(temp, target);
  await fsyncDir(path.dirname(target));
}

/** Removes a temp file left by a failed write; never throws. */
export async function discardTemp(temp: string): Promise<void> {
  await fsp.rm(temp, { force: true }).catch(() => undefined);
}
