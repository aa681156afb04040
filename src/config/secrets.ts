/**
 * Secrets the provider must use again later (the vCenter SSO password it logs in with)
 * cannot be hashed; they are sealed with AES-256-GCM under a key kept apart from the
 * settings, in <data>/settings.key (0600, made on first use). The settings file in
 * conf/ holds only the sealed text, so copying conf/ (a support bundle, a backup)
 * never carries a usable password. A lost or replaced key makes the sealed values
 * unreadable: the operator sets them again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DATA_NAMES } from '../sys/layout';

export const SETTINGS_KEY_FILE = DATA_NAMES.settingsKey;

const PREFIX = 'aes-256-gcm:v1:';
/** Binds a sealed value to what it is for: a sealed vCenter password is no use as anything else. */
const AAD = Buffer.from('vvol-provider settings secret');

export class SecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretError';
  }
}

export function keyFile(dataDir: string): string {
  return path.join(dataDir, SETTINGS_KEY_FILE);
}

function readKey(file: string): Buffer {
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new SecretError(`${file} is not a 256-bit key; remove it and set the vCenter credentials again.`);
  return key;
}

/** The key of the data folder, made (0600, exclusively, so two writers agree on one) when missing. */
export function loadOrCreateKey(dataDir: string): Buffer {
  const file = keyFile(dataDir);
  if (fs.existsSync(file)) return readKey(file);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      fs.writeSync(fd, `${crypto.randomBytes(32).toString('base64')}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return readKey(file);
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX) && value.split(':').length === 5;
}

export function seal(plain: string, key: Buffer): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(AAD);
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `${PREFIX}${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${data.toString('base64')}`;
}

export function unseal(sealed: string, key: Buffer): string {
  if (!isSealed(sealed)) throw new SecretError('The value is not a sealed secret.');
  const [iv, tag, data] = sealed.slice(PREFIX.length).split(':').map((p) => Buffer.from(p, 'base64'));
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(AAD);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(data), d.final()]).toString('utf8');
  } catch (e) {
    throw new SecretError('The sealed value cannot be opened with this data folder\'s settings.key (another key sealed it); set it again.', { cause: e });
  }
}
