/**
 * JSON Schema of conf/provider-settings.jsonc (manual 2.3.1, SetProviderConf): what
 * src/config/settings-schema.ts validates with, and what the admin API can publish.
 * Limits come from the manual: the interval 5-1440 (L11), at most four disk arrays,
 * IPv4 only (L1), the symbols a vCenter user name may not hold (2.3.1). The texts for
 * each check are in settings-schema.ts.
 */
import { DEFAULT_INTERVAL_MINUTES, DEFAULT_VCENTER_HTTPS_PORT, INTERVAL_MAX, INTERVAL_MIN, MAX_DISK_ARRAYS, VCENTER_FORBIDDEN_SYMBOLS } from '../settings-limits';

/** An IPv4 address of a host: node:net's IPv4 syntax (format "ipv4"), not 0.0.0.0. */
export const IPV4_HOST = { type: 'string', format: 'ipv4', not: { const: '0.0.0.0' } } as const;

const forbidden = `[${VCENTER_FORBIDDEN_SYMBOLS.map((c) => (c === '^' ? '\\^' : c)).join('')}]`;

export const PROVIDER_SETTINGS_SCHEMA = {
  $id: 'provider-settings',
  type: 'object',
  additionalProperties: false,
  properties: {
    relationIntervalMinutes: { type: 'integer', minimum: INTERVAL_MIN, maximum: INTERVAL_MAX, default: DEFAULT_INTERVAL_MINUTES },
    diskArrays: { type: 'array', items: IPV4_HOST, uniqueItems: true, maxItems: MAX_DISK_ARRAYS, default: [] },
    vCenter: {
      type: ['object', 'null'],
      default: null,
      additionalProperties: false,
      required: ['ip', 'user', 'password'],
      properties: {
        ip: IPV4_HOST,
        httpsPort: { type: 'integer', minimum: 1, maximum: 65535, default: DEFAULT_VCENTER_HTTPS_PORT },
        user: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]*$', not: { pattern: forbidden } },
        // Sealed with <data>/settings.key by `settings -v` (format "sealed"); never the clear text.
        password: { type: 'string', format: 'sealed' },
      },
    },
  },
} as const;
