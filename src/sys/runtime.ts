/**
 * The runtime contract (DESIGN.md), read in one place for the daemon and every CLI
 * command alike, with the same rules and the same errors: VASA_PROVIDER_DATA (data
 * folder), VASA_PROVIDER_CONF (settings and demo array), VASA_PROVIDER_PORT (HTTPS port,
 * L13), VASA_PROVIDER_HOST (listen address, and the address in the registration URL),
 * VASA_PROVIDER_USER / VASA_PROVIDER_PASSWORD (the account on first start).
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dataLayout } from './layout';

export const INSTALL_DIR = path.resolve(__dirname, '..', '..');

/** L13: port number 4 of the NEC product, the registration port. */
export const DEFAULT_PROVIDER_PORT = 9943;

/** A runtime variable with a value the provider cannot use. */
export class RuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeError';
  }
}

export interface Runtime {
  dataDir: string;
  confDir: string;
  port: number;
  /** Listen address; undefined: all IPv4 addresses. */
  host?: string;
  user?: string;
  password?: string;
}

const set = (v: string | undefined): string | undefined => (v !== undefined && v.trim() !== '' ? v : undefined);

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const d = set(env.VASA_PROVIDER_DATA);
  return d ? path.resolve(d) : path.join(INSTALL_DIR, 'data');
}

/** The configuration folder (provider settings, demo array): VASA_PROVIDER_CONF or <install>/conf. */
export function confDir(env: NodeJS.ProcessEnv = process.env): string {
  const d = set(env.VASA_PROVIDER_CONF);
  return d ? path.resolve(d) : path.join(INSTALL_DIR, 'conf');
}

/** VASA_PROVIDER_PORT: 0 (any free port, for tests) to 65535; unset: 9943. */
export function providerPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = set(env.VASA_PROVIDER_PORT);
  if (raw === undefined) return DEFAULT_PROVIDER_PORT;
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || n > 65535) throw new RuntimeError(`VASA_PROVIDER_PORT must be a port number (0-65535), not "${raw.slice(0, 32)}".`);
  return n;
}

/** VASA_PROVIDER_HOST: an IP address or host name to listen on; unset or 0.0.0.0: all IPv4 addresses. */
export function providerHost(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const h = set(env.VASA_PROVIDER_HOST)?.trim();
  if (h === undefined || h === '0.0.0.0') return undefined;
  if (!net.isIP(h) && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(h)) throw new RuntimeError(`VASA_PROVIDER_HOST must be an IP address or a host name, not "${h.slice(0, 32)}".`);
  return h;
}

export function readRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  return {
    dataDir: dataDir(env), confDir: confDir(env), port: providerPort(env), host: providerHost(env),
    user: set(env.VASA_PROVIDER_USER), password: set(env.VASA_PROVIDER_PASSWORD),
  };
}

/** The address vCenter reaches the provider at: the listen address when one is set, else the first external IPv4 address. */
export function registrationAddress(host?: string): string {
  if (host && host !== '0.0.0.0') return host;
  const ext = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  return ext?.address ?? '127.0.0.1';
}

/** L13: the URL vCenter registers the provider with. The one place it is spelt. */
export function registrationUrl(address: string, port: number = DEFAULT_PROVIDER_PORT): string {
  return `https://${net.isIPv6(address) ? `[${address}]` : address}:${port}/version.xml`;
}

export function logDir(data: string): string {
  return dataLayout(data).logs;
}

export function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(INSTALL_DIR, 'package.json')) as { version: string }).version;
}
