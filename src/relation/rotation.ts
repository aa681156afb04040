/**
 * Generations (X3): a superseded latest XML is kept as a zip of the same base name in
 * the archive folder, and zips are removed three days after they were superseded. The
 * time a zip was superseded is its modification time, set from the injected clock
 * when it is made (file names tell when a configuration was written, not how long it
 * stayed current; a file that was current until a minute ago is kept three more days).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { commitTemp, discardTemp, fsyncDir, tempPathFor } from '../sys/atomic-file';
import { listNames, parseFileStamp, ZIP_NAME } from './paths';
import { zipFile } from './zip';

export const KEEP_MS = 3 * 24 * 3600 * 1000;

/** Zips `xmlPath` into `archiveDir/<base>.zip` (atomically), stamped as superseded at `now`. */
export async function archiveXml(xmlPath: string, archiveDir: string, now: number): Promise<string> {
  const base = path.basename(xmlPath, '.xml');
  const target = path.join(archiveDir, `${base}.zip`);
  const temp = tempPathFor(target);
  try {
    const written = parseFileStamp(base) ?? now;
    await zipFile(xmlPath, temp, `${base}.xml`, written);
    const at = new Date(now);
    await fsp.utimes(temp, at, at);
    await commitTemp(temp, target);
    return target;
  } catch (e) {
    await discardTemp(temp);
    throw e;
  }
}

/** When a zip was superseded: its modification time (see above), or its name's time if that is unreadable. */
async function supersededAt(file: string): Promise<number | undefined> {
  try {
    return (await fsp.stat(file)).mtimeMs;
  } catch {
    return parseFileStamp(path.basename(file, '.zip'));
  }
}

/** Removes zips superseded more than `keepMs` before `now`; returns their paths. */
export async function pruneArchive(archiveDir: string, now: number, keepMs = KEEP_MS): Promise<string[]> {
  const removed: string[] = [];
  for (const name of listNames(archiveDir, ZIP_NAME)) {
    const file = path.join(archiveDir, name);
    const at = await supersededAt(file);
    if (at !== undefined && now - at > keepMs) {
      await fsp.rm(file, { force: true });
      removed.push(file);
    }
  }
  if (removed.length) await fsyncDir(archiveDir);
  return removed;
}
