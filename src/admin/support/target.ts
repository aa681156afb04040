/**
 * Where the bundle goes: --out as a file, or as an existing folder that gets the
 * default name; without --out the current folder. Checked before anything is
 * gathered, so an unwritable target fails at once with a message that says why. An
 * existing file is never replaced unless the caller says so (--force): a mistyped
 * --out must not destroy a file (issue 8).
 */
import fs from 'node:fs';
import path from 'node:path';

export class BundleTargetError extends Error {
  constructor(readonly target: string, reason: string, readonly exists = false) {
    super(`Cannot write the support bundle to ${target}: ${reason}`);
    this.name = 'BundleTargetError';
  }
}

/** The error for a target that is already there. */
export function targetExistsError(target: string): BundleTargetError {
  return new BundleTargetError(target, 'the file exists; choose another --out, or give --force to replace it', true);
}

export function defaultBundleName(stamp: string): string {
  return `vvol-provider-support-${stamp}.tar.gz`;
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  ENOSPC: 'no space left on the device',
  EISDIR: 'it is a folder',
};

export function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return (err.code && REASONS[err.code]) ? `${REASONS[err.code]} (${err.code})` : err.message ?? String(e);
}

/**
 * The absolute path the bundle will have; throws BundleTargetError when its folder
 * cannot take it, or when a file is there already and `force` is not set.
 */
export function resolveTarget(out: string | undefined, cwd: string, stamp: string, force = false): string {
  let target = path.resolve(cwd, out ?? defaultBundleName(stamp));
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(target, { throwIfNoEntry: false });
    if (st?.isDirectory()) {
      target = path.join(target, defaultBundleName(stamp));
      st = fs.statSync(target, { throwIfNoEntry: false });
    }
  } catch (e) {
    throw new BundleTargetError(target, reasonOf(e));
  }
  if (st && !st.isFile()) throw new BundleTargetError(target, 'it exists and is not a regular file');
  if (st && !force) throw targetExistsError(target);
  const dir = path.dirname(target);
  try {
    const d = fs.statSync(dir);
    if (!d.isDirectory()) throw new BundleTargetError(target, `${dir} is not a folder`);
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    if (e instanceof BundleTargetError) throw e;
    throw new BundleTargetError(target, reasonOf(e));
  }
  return target;
}
