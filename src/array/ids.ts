/**
 * Identifier and naming rules of the manual (N4, N5) and VASA's VVol id form.
 * Pure functions: the engine calls them when it makes an object, the face when it
 * shows one.
 */
import { randomUUID } from 'node:crypto';

export const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** Parses "0001h", "0x1", "1" (hex) into a number; undefined when malformed. */
export function parseHexNumber(text: string): number | undefined {
  const m = /^(?:0x)?([0-9a-f]{1,4})h?$/i.exec(text.trim());
  return m ? parseInt(m[1], 16) : undefined;
}

export function isWwn(wwn: string): boolean {
  return /^[0-9A-F]{16}$/.test(wwn);
}

const last12 = (wwn: string) => wwn.slice(4);
const digits5to10 = (wwn: string) => wwn.slice(4, 10);

/** N4: the container UUID as a 36-character UUID; vSphere shows it as vvol:6xxxxxx000000000-yyyyyyyyyyyyzzzz. */
export function containerUuid(wwn: string, poolNo: number): string {
  const hi = `6${digits5to10(wwn)}000000000`;
  const lo = `${last12(wwn)}${hex4(poolNo)}`;
  const all = (hi + lo).toLowerCase();
  return `${all.slice(0, 8)}-${all.slice(8, 12)}-${all.slice(12, 16)}-${all.slice(16, 20)}-${all.slice(20)}`;
}

/** N4: what the vSphere client shows as the datastore UUID. */
export function containerDisplayId(wwn: string, poolNo: number): string {
  return `vvol:6${digits5to10(wwn)}000000000-${last12(wwn)}${hex4(poolNo)}`.toLowerCase();
}

/** N4: the SCSI identifier of a VVol disk. */
export function vvolNaa(wwn: string, ldn: number): string {
  return `naa.6${digits5to10(wwn)}000000000${last12(wwn)}${hex4(ldn)}`.toLowerCase();
}

/** N4: the identifier of a PE as an ESXi host lists it. */
export function peEui(wwn: string, ldn: number): string {
  return `eui.${last12(wwn)}${hex4(ldn)}`.toLowerCase();
}

/** N5: the LD name of a VVOL. */
export function vvolLdName(wwn: string, ldn: number): string {
  return `2000${last12(wwn)}${hex4(ldn)}`;
}

/** N5: the LD name of an ESV (snapshot volume) of a base volume. */
export function esvLdName(wwn: string, baseLdn: number, ldn: number): string {
  return `${last12(wwn)}${hex4(baseLdn)}_SV${hex4(ldn)}`;
}

/** N5: the LD name of an FCV (fast clone volume) of an FEV. */
export function fcvLdName(wwn: string, fevLdn: number, ldn: number): string {
  return `${last12(wwn)}${hex4(fevLdn)}_FCV${hex4(ldn)}`;
}

/** The LD name a PE or SSV gets when none is given: <pool name>_<LDN>, as in the manual's listing. */
export function defaultLdName(poolName: string, ldn: number): string {
  return `${poolName}_${hex4(ldn)}`;
}

const VVOL_ID = /^rfc4122\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newVvolId(): string {
  return `rfc4122.${randomUUID()}`;
}

export function isVvolId(id: string): boolean {
  return VVOL_ID.test(id);
}

/** A WWN derived from a serial number, for arrays registered without one. */
export function wwnFromSerial(serial: string): string {
  let h = 0x811c9dc5;
  for (const c of serial) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  let g = 0x9e3779b9;
  for (const c of serial) g = Math.imul(g ^ c.charCodeAt(0), 0x85ebca6b) >>> 0;
  // 16 digits shaped like the manual's example WWN 200000255CDB0531: 2000, the NEC OUI 00255C, 6 digits of the serial.
  return `200000255C${((h ^ g) & 0xffffff).toString(16).padStart(6, '0')}`.toUpperCase();
}
