/**
 * Keeping secrets out of a support bundle, in three layers:
 *  1. files that are nothing but a secret are left out by name (keys, initial password);
 *  2. structured files lose the values of secret-named keys (password, hash, salt, ...),
 *     and text loses `password=...`-style values and PEM private keys;
 *  3. every text that goes in is scrubbed of the secrets the collector knows by value
 *     (the vCenter password, the account's hash and salt, the settings key, the initial
 *     password), whatever file they strayed into.
 */
import path from 'node:path';
import { parseJsonc } from '../../config/jsonc';

export const REDACTED = '<redacted>';
/** Shorter known secrets are not scrubbed by value: replacing them everywhere would garble the text. */
export const MIN_SCRUB_LENGTH = 6;

const SECRET_KEY = /(password|passwd|passphrase|pwd|secret|token|hash|salt|credential|private_?key|api_?key)$/i;
const EXCLUDED_NAME = /(\.key|\.p12|\.pfx|\.jks|\.keystore)$|^initial-password$|^settings\.key$/i;
const PEM_PRIVATE = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;
const KEY_VALUE = /((?:"[\w.-]*(?:password|passwd|passphrase|pwd|secret|token|hash|salt)"|\b[\w.-]*(?:password|passwd|passphrase|pwd|secret|token|hash|salt))\s*[:=]\s*)("(?:[^"\\\n]|\\.)*"|[^\s,;}]+)/gi;
/** How the provider itself announces a generated password ("... with password XYZ (also in ...)"). */
const WITH_PASSWORD = /(\bwith password )(\S+)/gi;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || key.toLowerCase() === 'key';
}

/** Files never copied, whatever they hold. */
export function isExcludedFile(name: string): boolean {
  return EXCLUDED_NAME.test(path.basename(name));
}

export function redactValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactValue);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, isSecretKey(k) && x !== null ? REDACTED : redactValue(x)]));
  }
  return v;
}

export function redactText(text: string): string {
  return text
    .replace(PEM_PRIVATE, '<redacted private key>')
    .replace(KEY_VALUE, (_m, k: string, v: string) => `${k}${v.startsWith('"') ? `"${REDACTED}"` : REDACTED}`)
    .replace(WITH_PASSWORD, `$1${REDACTED}`);
}

/** A configuration file's content with its secrets removed: JSON(C) re-written without them, other text line by line. */
export function redactConfigFile(name: string, text: string): string {
  if (/\.jsonc?$/i.test(name)) {
    try {
      return `${JSON.stringify(redactValue(parseJsonc(text, name)), null, 2)}\n`;
    } catch {
      /* not parseable: treat as text */
    }
  }
  return redactText(text);
}

/** Replaces every known secret (at least MIN_SCRUB_LENGTH long) by REDACTED. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= MIN_SCRUB_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}
