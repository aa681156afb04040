/**
 * Where the relation files live and how they are named (X2, X3, manual C.1):
 *   <data>/latestRelationBetweenVMandVVOL/<WWN>_<ArrayName>/YYYYMMDDHHMMSS.xml
 *   <data>/RelationBetweenVMandVVOL/<WWN>_<ArrayName>/YYYYMMDDHHMMSS.zip
 * Timestamps are UTC, taken from the injected clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATA_NAMES, RELATION_NAMES } from '../sys/layout';

export const LATEST_FOLDER = DATA_NAMES.relationLatest;
export const ARCHIVE_FOLDER = DATA_NAMES.relationArchive;
export const STATE_FILE = RELATION_NAMES.state;
export const LOCK_FILE = RELATION_NAMES.lock;

const STAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
export const XML_NAME = /^\d{14}\.xml$/;
export const ZIP_NAME = /^\d{14}\.zip$/;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** YYYYMMDDHHMMSS in UTC, the base name of every relation file. */
export function fileStamp(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** The time a YYYYMMDDHHMMSS name stands for (UTC), or undefined when it is not one. */
export function parseFileStamp(stamp: string): number | undefined {
  const m = STAMP.exec(stamp);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return fileStamp(t) === stamp ? t : undefined;
}

/** xs:dateTime in UTC without fractions ("2026-01-01T00:00:00Z"): always 20 characters. */
export function xmlTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

export interface ArrayFolders {
  /** <WWN>_<ArrayName> */
  name: string;
  latest: string;
  archive: string;
}

export function arrayFolders(dataDir: string, a: { wwn: string; name: string }): ArrayFolders {
  const name = `${a.wwn}_${a.name}`;
  return { name, latest: path.join(dataDir, LATEST_FOLDER, name), archive: path.join(dataDir, ARCHIVE_FOLDER, name) };
}

/** Names in a folder matching `pattern`, sorted; none when the folder does not exist. */
export function listNames(dir: string, pattern: RegExp): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => pattern.test(n)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}
