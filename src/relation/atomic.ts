/**
 * Durable file replacement: write a temp file beside the target, fsync it, rename it
 * over the target, fsync the folder. A crash or a full disk at any point leaves either
 * the old file or the new one, never a torn one.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** The temp name a file is written under before it is renamed into place. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
}

/** Makes a rename or unlink in `dir` durable. Some file systems refuse fsync on a folder; that is not an error. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw e;
  } finally {
    await fh?.close();
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

/** Writes a small file atomically (the state file). */
export async function writeFileAtomic(target: string, data: string): Promise<void> {
  const temp = tempPathFor(target);
  try {
    const fh = await fsp.open(temp, 'w', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await commitTemp(temp, target);
  } catch (e) {
    await discardTemp(temp);
    throw e;
  }
}

/** Names in a folder, or none when it does not exist. */
export function listNames(dir: string, pattern: RegExp): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => pattern.test(n)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}
