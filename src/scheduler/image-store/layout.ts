/**
 * The image store's folder, owned here and nowhere else: every name under the store's
 * folder, and the rule an image id must follow before it becomes part of a path. The
 * store (store.ts), its writers (writer.ts) and its sweeper (gc.ts) ask this module for
 * paths; none spells a name of its own.
 *
 *   store.json                 format marker, written once when the store is made
 *   gc.lock                    flock'ed: exclusive while a sweep runs, shared while a writer commits
 *   chunks/00 .. chunks/ff/    content-addressed chunks, file name = sha256 of the content,
 *                              fanned out by its first two hex digits; the content as-is
 *   images/<id>.json           one committed image: its manifest (manifest.ts)
 *   staging/<id>@<rand>/       an image being written: `refs` (every chunk hash it uses, one a
 *                              line, written before the chunk is looked up or stored), the temp
 *                              files of its chunks and manifest; flock'ed by its writer while alive
 *   trash/chunks/<hash>        chunks a sweep has taken out and not yet judged (gc.ts)
 *   trash/pending/<name>       what names chunks still to be judged: the manifest of an image
 *                              being deleted, the refs of an aborted writer whose sweep was held
 *                              back (gc.ts); removed once a sweep has judged its chunks
 *
 * Image ids become file names, so they are checked first: 1-80 characters of
 * [A-Za-z0-9._-], not starting with '.' (no hidden names, no '.' or '..'), so an id can
 * never leave the store's folder or collide with a temp name.
 */
import path from 'node:path';
import { SchedulerError } from '../contract';

export const STORE_FORMAT = 'vvol-provider image store';
export const STORE_VERSION = 1;

const ID_RULE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}$/;
export const HASH_RULE = /^[0-9a-f]{64}$/;

/** Throws SchedulerError INVALID unless `id` is a safe image id. */
export function checkImageId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !ID_RULE.test(id)) {
    const shown = typeof id === 'string' ? JSON.stringify(id.length > 90 ? `${id.slice(0, 90)}…` : id) : String(id);
    throw new SchedulerError(
      'INVALID',
      `The image id ${shown} is not valid: 1-80 letters, digits, '.', '_' or '-', not starting with '.'.`,
      'imageId',
    );
  }
}

export interface StoreLayout {
  dir: string;
  marker: string;
  gcLock: string;
  chunks: string;
  images: string;
  staging: string;
  trash: string;
  trashChunks: string;
  pending: string;
}

export function storeLayout(dir: string): StoreLayout {
  const d = path.resolve(dir);
  return {
    dir: d,
    marker: path.join(d, 'store.json'),
    gcLock: path.join(d, 'gc.lock'),
    chunks: path.join(d, 'chunks'),
    images: path.join(d, 'images'),
    staging: path.join(d, 'staging'),
    trash: path.join(d, 'trash'),
    trashChunks: path.join(d, 'trash', 'chunks'),
    pending: path.join(d, 'trash', 'pending'),
  };
}

/** The 256 fan-out folders' names: 00 .. ff. */
export const FANOUT = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function chunkDir(l: StoreLayout, hash: string): string {
  return path.join(l.chunks, hash.slice(0, 2));
}

export function chunkPath(l: StoreLayout, hash: string): string {
  return path.join(l.chunks, hash.slice(0, 2), hash);
}

export function manifestPath(l: StoreLayout, imageId: string): string {
  return path.join(l.images, `${imageId}.json`);
}

/** The image id a manifest file name stands for, or undefined for anything else in images/. */
export function imageIdOf(fileName: string): string | undefined {
  if (!fileName.endsWith('.json')) return undefined;
  const id = fileName.slice(0, -'.json'.length);
  return ID_RULE.test(id) ? id : undefined;
}

/** A staging folder's name: the image id, '@' (never part of an id), a random tag. */
export function stagingName(imageId: string, tag: string): string {
  return `${imageId}@${tag}`;
}

/** The image id a staging folder is writing, or undefined for a name the store did not make. */
export function stagingImageId(name: string): string | undefined {
  const at = name.lastIndexOf('@');
  if (at <= 0) return undefined;
  const id = name.slice(0, at);
  return ID_RULE.test(id) ? id : undefined;
}

export const STAGING_REFS = 'refs';
export const STAGING_MANIFEST = 'manifest.json';
