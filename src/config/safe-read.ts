/**
 * Reading one of our own small configuration files (settings, provider account) so that
 * a file replaced by a link cannot make the provider read, and then quote in an error
 * or the log, some other file of the system (issue 8 row 23). The file is opened with
 * O_NOFOLLOW, so a symbolic link is refused by the kernel at open time, with no window
 * between a check and the read; a hard link (more than one name) and anything that is
 * not a regular file are refused after fstat on the same descriptor. Errors name the
 * file and say why; they never contain its content.
 */
import fs from 'node:fs';

/** Larger files are refused unread: ours are a few kilobytes. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

export type ConfigReadProblem = 'missing' | 'link' | 'not-regular' | 'too-large' | 'io';

export class ConfigReadError extends Error {
  constructor(readonly file: string, readonly problem: ConfigReadProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigReadError';
  }
}

const LINK_MESSAGE = (file: string) =>
  `${file} is a symbolic link; it was not read. The provider reads this file only as a regular file of its own, since a link could point it at any other file of the system: replace the link with the file itself.`;

/** The text of `file`; ConfigReadError('missing') when there is none. */
export function readConfigFile(file: string): string {
  let fd: number;
  try {
    // O_NOFOLLOW: open fails with ELOOP when the last part of the path is a symbolic link.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigReadError(file, 'missing', `${file} does not exist.`, { cause: e });
    if (code === 'ELOOP' || code === 'EMLINK') throw new ConfigReadError(file, 'link', LINK_MESSAGE(file), { cause: e });
    // Node's fs messages hold the code, the call and the path, never file content.
    throw new ConfigReadError(file, 'io', `Cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ConfigReadError(file, 'not-regular', `${file} is not a regular file; it was not read.`);
    if (st.nlink > 1) {
      throw new ConfigReadError(file, 'link', `${file} has ${st.nlink} names (a hard link); it was not read. The provider reads this file only when it is a file of its own: replace it with a copy.`);
    }
    if (st.size > MAX_CONFIG_FILE_BYTES) {
      throw new ConfigReadError(file, 'too-large', `${file} is ${st.size} bytes, more than the ${MAX_CONFIG_FILE_BYTES} a configuration file may have; it was not read.`);
    }
    return fs.readFileSync(fd, 'utf8');
  } catch (e) {
    if (e instanceof ConfigReadError) throw e;
    throw new ConfigReadError(file, 'io', `Cannot read ${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    fs.closeSync(fd);
  }
}
