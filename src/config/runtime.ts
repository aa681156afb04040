/** Where things live, from the runtime contract (DESIGN.md): VASA_PROVIDER_DATA or <install>/data. */
import path from 'node:path';
import { dataLayout } from '../sys/layout';

export const INSTALL_DIR = path.resolve(__dirname, '..', '..');

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const d = env.VASA_PROVIDER_DATA;
  return d && d.trim() ? path.resolve(d) : path.join(INSTALL_DIR, 'data');
}

/** The configuration folder (provider settings, demo array): VASA_PROVIDER_CONF or <install>/conf. */
export function confDir(env: NodeJS.ProcessEnv = process.env): string {
  const d = env.VASA_PROVIDER_CONF;
  return d && d.trim() ? path.resolve(d) : path.join(INSTALL_DIR, 'conf');
}

export function logDir(data: string): string {
  return dataLayout(data).logs;
}

export function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(INSTALL_DIR, 'package.json')) as { version: string }).version;
}
