/**
 * JSON Schema of conf/provider-settings.jsonc (manual 2.3.1, SetProviderConf): what
 * src/config/settings-schema.ts validates with, and what the admin API can publish.
 * Limits come from the manual: the interval 5-1440 (L11), at most four disk arrays,
 * IPv4 only (L1), the symbols a vCenter user name may not hold (2.3.1). The image-backup
 * scheduler's section (issue 11) holds its tunables, its store folders and the job mails'
 * SMTP server (its password sealed like vCenter's). The texts for each check are in
 * settings-schema.ts.
 */
import { DEFAULT_INTERVAL_MINUTES, DEFAULT_VCENTER_HTTPS_PORT, IMAGE_BACKUP_DEFAULTS as IB, INTERVAL_MAX, INTERVAL_MIN, MAX_DISK_ARRAYS, VCENTER_FORBIDDEN_SYMBOLS } from '../settings-limits';

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
        // SHA-256 fingerprint of vCenter's certificate (pinned); absent: this machine's CAs.
        thumbprint: { type: 'string', pattern: '^([0-9A-F]{2}:){31}[0-9A-F]{2}$' },
      },
    },
    imageBackup: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        slotCapacity: { type: 'integer', minimum: 1, maximum: 1000, default: IB.slotCapacity },
        parallelReaders: { type: 'integer', minimum: 1, maximum: 64, default: IB.parallelReaders },
        ioWindowMinutes: { type: 'integer', minimum: 1, maximum: 1440, default: IB.ioWindowMinutes },
        readerChunksPerSecond: { type: 'integer', minimum: 1, maximum: 100000, default: IB.readerChunksPerSecond },
        immediateRetentionDays: { type: 'integer', minimum: 1, maximum: 3650, default: IB.immediateRetentionDays },
        // Absolute folders; null: <data>/backups, and no second store.
        storeDir: { type: ['string', 'null'], pattern: '^/', default: null },
        secondaryDir: { type: ['string', 'null'], pattern: '^/', default: null },
        mail: {
          type: 'object',
          default: {},
          additionalProperties: false,
          properties: {
            smtp: {
              type: ['object', 'null'],
              default: null,
              additionalProperties: false,
              required: ['host', 'port'],
              properties: {
                host: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\s]+$' },
                port: { type: 'integer', minimum: 1, maximum: 65535 },
                secure: { type: 'boolean', default: false },
                user: { type: 'string', minLength: 1, maxLength: 255 },
                password: { type: 'string', format: 'sealed' },
              },
            },
            from: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$', default: IB.mailFrom },
            to: { type: 'array', items: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' }, uniqueItems: true, maxItems: 50, default: [] },
          },
        },
      },
    },
  },
} as const;
