/**
 * A provider installation with everything a support bundle must handle: a store with
 * the demo array, settings with a vCenter password, a provider account, an initial
 * password, a certificate and its private key, logs over several days (one line that
 * leaked a password), relation files and the relation writer's state.
 */
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { ManualClock } from '../../src/array/clock';
import { ProviderAccount } from '../../src/config/account';
import { logDir } from '../../src/sys/runtime';
import { keyFile } from '../../src/config/secrets';
import { DEFAULT_SETTINGS, saveSettings, withDiskArrayAdded, withInterval, withVCenter } from '../../src/config/settings';
import { RotatingFileTransport } from '../../src/log/rotating-file';
import { buildArray, tempDir } from '../helpers/fixture';

export const VC_PASSWORD = 'VcSso-Secret!2026~x';
export const PROVIDER_PASSWORD = 'Prov1der-Pass#77';
export const INITIAL_PASSWORD = 'InitialGenerated_Pw42';
export const CONF_TEXT_PASSWORD = 'ConfFile-Pass!9';
export const WWN = '00255CDB05310000';
export const DAY = 86_400_000;

export interface Installation {
  root: string;
  data: string;
  conf: string;
  clock: ManualClock;
  /** Every secret that must never be in a bundle. */
  secrets: string[];
  certFingerprint: string;
  cleanup(): void;
}

function makeCertificate(dir: string): { fingerprint: string; privateKeyPem: string } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.UTC(2025, 0, 1));
  cert.validity.notAfter = new Date(Date.UTC(2027, 0, 1));
  const attrs = [{ name: 'commonName', value: 'vvol-provider' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  const privateKeyPem = forge.pki.privateKeyToPem(keys.privateKey);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'provider.crt'), pem);
  fs.writeFileSync(path.join(dir, 'provider.key'), privateKeyPem, { mode: 0o600 });
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  const hex = forge.md.sha256.create().update(der.toString('binary')).digest().toHex().toUpperCase();
  return { fingerprint: hex.match(/../g)!.join(':'), privateKeyPem };
}

export function buildInstallation(): Installation {
  const root = tempDir('vvol-install-');
  const data = path.join(root, 'data');
  const conf = path.join(root, 'conf');
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  buildArray({ dir: data, clock }).close();

  fs.mkdirSync(conf, { recursive: true });
  let s = withInterval(withDiskArrayAdded(withDiskArrayAdded(DEFAULT_SETTINGS, '192.0.2.10'), '192.0.2.77'), 15);
  s = withVCenter(s, { ip: '192.0.2.5', httpsPort: '443', user: 'administrator@vsphere.local', password: VC_PASSWORD }, data);
  saveSettings(conf, s);
  fs.writeFileSync(path.join(conf, 'legacy.conf'), `# an old-style file\nvcenter.host=192.0.2.5\nvcenter.password=${CONF_TEXT_PASSWORD}\n`);
  ProviderAccount.set(data, 'vasaadmin', PROVIDER_PASSWORD);
  fs.writeFileSync(path.join(data, 'initial-password'), `${INITIAL_PASSWORD}\n`, { mode: 0o600 });
  const cert = makeCertificate(path.join(data, 'certs'));

  // Logs of 2026-01-01 .. 2026-01-03, through the provider's own transport.
  const logs = new RotatingFileTransport({ dir: logDir(data), clock });
  const at = (ms: number, msg: string) => {
    clock.set(ms);
    logs.writeLine(`${new Date(ms).toISOString()} INFO ${msg}`);
  };
  at(Date.UTC(2026, 0, 1, 12, 0, 0), `generated the provider account "vasaadmin" with password ${INITIAL_PASSWORD} (also in ${data}/initial-password)`);
  at(Date.UTC(2026, 0, 1, 13, 0, 0), 'day one: queryArrays 3 ms');
  at(Date.UTC(2026, 0, 2, 9, 0, 0), `day two: a careless debug line with ${VC_PASSWORD}`);
  at(Date.UTC(2026, 0, 3, 8, 0, 0), 'day three: early line');
  logs.writeLine('    at a stack frame without a timestamp');
  at(Date.UTC(2026, 0, 3, 10, 0, 0), 'day three: late line');
  logs.close();

  // Relation files and the writer's state.
  const latest = path.join(data, 'latestRelationBetweenVMandVVOL');
  const archive = path.join(data, 'RelationBetweenVMandVVOL');
  fs.mkdirSync(path.join(latest, `${WWN}_Storage001`), { recursive: true });
  fs.mkdirSync(path.join(archive, `${WWN}_Storage001`), { recursive: true });
  fs.writeFileSync(path.join(latest, `${WWN}_Storage001`, '20260103095500.xml'), '<?xml version="1.0"?>\n<Information infoType="relation"/>\n');
  fs.writeFileSync(path.join(archive, `${WWN}_Storage001`, '20260102090000.zip'), Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]));
  fs.writeFileSync(path.join(latest, '.state.json'), JSON.stringify({ version: 1, arrays: { [WWN]: { signature: '[]', eventSeq: 3, file: '20260103095500.xml', writtenAt: Date.UTC(2026, 0, 3, 9, 55, 0), rvOwners: {} } } }));
  clock.set(Date.UTC(2026, 0, 3, 12, 0, 0));
  // What the daemon last read from vCenter (src/vcenter/state.ts): a relation pass of a CLI command uses it while current.
  fs.writeFileSync(path.join(data, 'vcenter-inventory.json'), JSON.stringify({
    version: 1, server: '192.0.2.5:443',
    inventory: { server: '192.0.2.5', readAt: clock.now(), datacenters: ['Datacenter'], vms: [] },
    lastSuccess: { at: clock.now(), message: 'read 0 VM(s) in 1 datacenter(s) from vCenter Server 192.0.2.5:443' },
  }));

  const account = JSON.parse(fs.readFileSync(ProviderAccount.file(data), 'utf8')) as { hash: string; salt: string };
  const keyBody = cert.privateKeyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
  const sealed = (JSON.parse(fs.readFileSync(path.join(conf, 'provider-settings.jsonc'), 'utf8').replace(/^\/\/.*$/gm, '')) as { vCenter: { password: string } }).vCenter.password;
  return {
    root, data, conf, clock,
    secrets: [VC_PASSWORD, PROVIDER_PASSWORD, INITIAL_PASSWORD, CONF_TEXT_PASSWORD, account.hash, account.salt, fs.readFileSync(keyFile(data), 'utf8').trim(), sealed, ...keyBody.slice(0, 3)],
    certFingerprint: cert.fingerprint,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
