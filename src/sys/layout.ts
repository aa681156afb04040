/**
 * The data folder's layout, owned here and nowhere else: every file and folder the
 * provider keeps under VASA_PROVIDER_DATA, by what it holds. Modules ask this module for
 * a path; none spells a name of its own. (The names are the ones earlier versions used:
 * an existing data folder keeps working.)
 *
 *   vvol-provider.db (+ -wal, -shm)   the store (SQLite WAL)
 *   vvol-provider.db.open/            one marker per process that has the store open
 *   provider.lock                     a note naming the daemon holding the folder's OS lock
 *   provider-uid                      the provider's UUID (VasaProviderInfo.uid)
 *   provider-account.json             the provider account (salted scrypt hash)
 *   initial-password                  a generated first password, shown once
 *   settings.key                      the key sealing the vCenter password in the settings
 *   certs/                            provider key and certificate, trusted client certificates, CA roots and CRLs
 *   server/logs/                      the provider log, one file per day
 *   latestRelationBetweenVMandVVOL/   the latest relation XML per array, the writer's state and lock
 *   RelationBetweenVMandVVOL/         earlier relation files, zipped (three days)
 *   backups/                          the image-backup store (manifests, chunks) unless settings name another folder
 *   outbox/                           job mails (.eml) of the image-backup scheduler when no SMTP server is set
 *   vcenter-inventory.json            the vCenter link's last good inventory and last outcomes
 */
import path from 'node:path';

export const DATA_NAMES = {
  store: 'vvol-provider.db',
  storeOpenMarkers: 'vvol-provider.db.open',
  lockNote: 'provider.lock',
  providerUid: 'provider-uid',
  account: 'provider-account.json',
  initialPassword: 'initial-password',
  settingsKey: 'settings.key',
  certs: 'certs',
  logs: path.join('server', 'logs'),
  relationLatest: 'latestRelationBetweenVMandVVOL',
  relationArchive: 'RelationBetweenVMandVVOL',
  backups: 'backups',
  outbox: 'outbox',
  vcenterState: 'vcenter-inventory.json',
} as const;

/** Names inside certs/. */
export const CERT_NAMES = {
  key: 'provider.key',
  cert: 'provider.crt',
  source: 'provider.source',
  trusted: 'trusted',
  ca: 'ca',
  /** TLS session-ticket keys (src/vasa/http/tls-tickets.ts): a secret, `.key` keeps it out of the support bundle. */
  ticketKeys: 'tls-tickets.key',
} as const;

/** Names inside the relation folders. */
export const RELATION_NAMES = {
  state: '.state.json',
  lock: '.lock',
} as const;

export interface DataLayout {
  dir: string;
  store: string;
  storeOpenMarkers: string;
  lockNote: string;
  providerUid: string;
  account: string;
  initialPassword: string;
  settingsKey: string;
  certs: string;
  providerKey: string;
  providerCert: string;
  providerCertSource: string;
  trustedCerts: string;
  caCerts: string;
  logs: string;
  relationLatest: string;
  relationArchive: string;
  relationState: string;
  relationLock: string;
  backups: string;
  outbox: string;
  vcenterState: string;
}

export function dataLayout(dir: string): DataLayout {
  const at = (...p: string[]) => path.join(dir, ...p);
  return {
    dir,
    store: at(DATA_NAMES.store),
    storeOpenMarkers: at(DATA_NAMES.storeOpenMarkers),
    lockNote: at(DATA_NAMES.lockNote),
    providerUid: at(DATA_NAMES.providerUid),
    account: at(DATA_NAMES.account),
    initialPassword: at(DATA_NAMES.initialPassword),
    settingsKey: at(DATA_NAMES.settingsKey),
    certs: at(DATA_NAMES.certs),
    providerKey: at(DATA_NAMES.certs, CERT_NAMES.key),
    providerCert: at(DATA_NAMES.certs, CERT_NAMES.cert),
    providerCertSource: at(DATA_NAMES.certs, CERT_NAMES.source),
    trustedCerts: at(DATA_NAMES.certs, CERT_NAMES.trusted),
    caCerts: at(DATA_NAMES.certs, CERT_NAMES.ca),
    logs: at(DATA_NAMES.logs),
    relationLatest: at(DATA_NAMES.relationLatest),
    relationArchive: at(DATA_NAMES.relationArchive),
    relationState: at(DATA_NAMES.relationLatest, RELATION_NAMES.state),
    relationLock: at(DATA_NAMES.relationLatest, RELATION_NAMES.lock),
    backups: at(DATA_NAMES.backups),
    outbox: at(DATA_NAMES.outbox),
    vcenterState: at(DATA_NAMES.vcenterState),
  };
}
