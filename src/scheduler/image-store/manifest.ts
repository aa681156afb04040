/**
 * An image's manifest on disk: one JSON file, images/<id>.json,
 *
 *   {"format":"vvol-provider image manifest","version":1,"sha256":"<hex>","manifest":{...}}
 *
 * where sha256 is the hash of JSON.stringify(manifest) (a parse and a stringify give back
 * the same text for the plain values a manifest holds), so any damage to the file, a
 * flipped byte in a hash, a name or a number, or a torn end, is found when it is read.
 * A manifest is written in its image's staging folder, fsynced, and hard-linked into
 * images/ (link, not rename: it never replaces an image of the same id, and it is as
 * atomic), then the folder is fsynced: an image exists whole or not at all.
 *
 * The sweeper (gc.ts) counts every 64-hex-digit run in a manifest as a reference, and
 * removes nothing while a manifest is damaged.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync } from '../../sys/atomic-file';
import type { ImageManifest, ImageManifestDisk } from '../contract';
import { HASH_RULE, STAGING_MANIFEST } from './layout';

export const MANIFEST_FORMAT = 'vvol-provider image manifest';
export const MANIFEST_VERSION = 1;

export function manifestHash(m: ImageManifest): string {
  return crypto.createHash('sha256').update(JSON.stringify(m)).digest('hex');
}

export function serializeManifest(m: ImageManifest): { text: string; sha256: string } {
  const sha256 = manifestHash(m);
  return { text: `${JSON.stringify({ format: MANIFEST_FORMAT, version: MANIFEST_VERSION, sha256, manifest: m })}\n`, sha256 };
}

export type ManifestRead = { ok: true; manifest: ImageManifest; sha256: string } | { ok: false; problem: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** The first thing wrong with a disk entry, if any. */
function diskProblem(d: unknown, i: number): string | undefined {
  if (!isObj(d)) return `disk ${i} is not an object`;
  if (typeof d.name !== 'string' || d.name === '') return `disk ${i} has no name`;
  const name = `disk ${i} (${JSON.stringify(d.name)})`;
  if (d.role !== 'config' && d.role !== 'data') return `${name} has an unknown role`;
  if (!isCount(d.capacityBytes)) return `${name} has no valid capacity`;
  if (!isCount(d.chunks)) return `${name} has no valid chunk count`;
  if (d.policy !== null && typeof d.policy !== 'string') return `${name} has an invalid policy`;
  if (!Array.isArray(d.chunkHashes) || d.chunkHashes.length !== d.chunks) return `${name} does not list a hash for each of its ${String(d.chunks)} chunks`;
  const bad = d.chunkHashes.findIndex((h) => h !== null && !(typeof h === 'string' && HASH_RULE.test(h)));
  if (bad >= 0) return `${name} chunk ${bad} has an invalid hash`;
  return undefined;
}

/** Parses and checks a manifest file's text: its hash, its shape, and that it is the image `imageId`. */
export function parseManifest(text: string, imageId: string): ManifestRead {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'the manifest is damaged (it is not valid JSON)' };
  }
  if (!isObj(doc) || doc.format !== MANIFEST_FORMAT) return { ok: false, problem: 'the manifest is damaged (it is not an image manifest)' };
  if (doc.version !== MANIFEST_VERSION) return { ok: false, problem: `the manifest has version ${String(doc.version)}, which this provider does not read` };
  if (!isObj(doc.manifest) || typeof doc.sha256 !== 'string') return { ok: false, problem: 'the manifest is damaged (its hash or body is missing)' };
  const m = doc.manifest as unknown as ImageManifest;
  if (manifestHash(m) !== doc.sha256) return { ok: false, problem: 'the manifest is damaged (its content does not match its recorded sha256)' };
  if (m.imageId !== imageId) return { ok: false, problem: `the manifest names another image (${JSON.stringify(m.imageId)})` };
  for (const k of ['runId', 'backupTime', 'startedAt', 'finishedAt', 'bytesRead', 'bytesStored'] as const) {
    if (!isNum(m[k])) return { ok: false, problem: `the manifest has no valid ${k}` };
  }
  if (typeof m.vmId !== 'string' || typeof m.vmName !== 'string') return { ok: false, problem: 'the manifest names no VM' };
  if (!Array.isArray(m.disks)) return { ok: false, problem: 'the manifest lists no disks' };
  for (let i = 0; i < m.disks.length; i++) {
    const p = diskProblem(m.disks[i], i);
    if (p) return { ok: false, problem: `the manifest is damaged (${p})` };
  }
  return { ok: true, manifest: m, sha256: doc.sha256 };
}

const HEX64 = /[0-9a-f]{64}/g;

/** Every 64-hex-digit run in a text (a manifest or a staging refs file), as the sweeper counts references. */
export function hashesIn(text: string): IterableIterator<RegExpMatchArray> {
  return text.matchAll(HEX64);
}

/** The chunk hashes a manifest names, each once. */
export function distinctHashes(m: ImageManifest): Set<string> {
  const s = new Set<string>();
  for (const d of m.disks) for (const h of d.chunkHashes) if (h !== null) s.add(h);
  return s;
}

/** The disk entry as a manifest keeps it: the ImageDisk fields only, in a fixed order. */
export function manifestDisk(d: Omit<ImageManifestDisk, 'chunkHashes'>, chunkHashes: (string | null)[]): ImageManifestDisk {
  return { name: d.name, role: d.role, capacityBytes: d.capacityBytes, chunks: d.chunks, policy: d.policy, chunkHashes };
}

/**
 * Writes the manifest text into the staging folder and fsyncs it; then links it into
 * place (false when an image of that id exists already) and fsyncs images/.
 */
export function publishManifest(stagingDir: string, target: string, text: string): boolean {
  const tmp = path.join(stagingDir, STAGING_MANIFEST);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, target);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'EEXIST') return false;
    if (c !== 'EPERM' && c !== 'ENOTSUP' && c !== 'EOPNOTSUPP') throw e;
    // A file system without hard links (some network shares): rename, after a look.
    if (fs.existsSync(target)) return false;
    fs.renameSync(tmp, target);
  }
  fsyncDirSync(path.dirname(target));
  return true;
}
