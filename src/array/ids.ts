/**
 * Identifier and naming rules of the manual (N4, N5), the VVol id among them.
 * Pure functions: the engine calls them when it makes an object, the face when it
 * shows one.
 */

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

/**
 * N4 (3.1.3): the SCSI identifier of a VVol disk, naa.6xxxxxx000000000yyyyyyyyyyyyzzzz.
 * It is also the VVol's VASA id (see vvolIdFor): vSphere names a VM's folder after its
 * config-VVol, so a disk file path `[container] naa.6…/disk.vmdk` leads to the LD.
 */
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

/*
 * VVol ids. The id a VVol has is its N4 NAA identifier: vvolIdFor(WWN, LD number).
 * It is derived, never chosen: LD numbers are unique within an array at any time and
 * the last 12 WWN digits within the provider (registerArray refuses a second array
 * with the same ones, since the id carries no other WWN digits), so an id names at
 * most one VVol. After a VVol is deleted its id is unknown (NotFound) until an LD
 * with the same number is made a VVol again, which then gets the same id: the
 * manual's mapping from disk file path to LD number implies exactly that.
 */

/** The VASA id of the VVol that LD `ldn` of the array with this WWN is. */
export const vvolIdFor = vvolNaa;

/** The id maker insertLd calls once it has picked the LD number of a new VVol. */
export function newVvolId(wwn: string): (ldn: number) => string {
  return (ldn) => vvolIdFor(wwn, ldn);
}

// Lower case only, as vSphere shows it and vvolIdFor makes it: an id is compared as a
// string everywhere (store column, events, task results), so one spelling per VVol.
const VVOL_ID = /^naa\.6([0-9a-f]{6})000000000([0-9a-f]{12})([0-9a-f]{4})$/;

/** Ids of the rfc4122.<uuid> form VASA also knows (and this provider issued before N4). */
const RFC4122_ID = /^rfc4122\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ParsedVvolId {
  id: string;
  /** The last 12 digits of the array's WWN, upper-case as arrays.wwn holds them. */
  wwnLast12: string;
  ldn: number;
}

/**
 * Splits an N4 VVol id into what it is made of; undefined when it is not one. The
 * digits 5-10 of the WWN appear twice in the id (x and the start of y): an id where
 * they differ was never made by vvolIdFor.
 */
export function parseVvolId(text: string): ParsedVvolId | undefined {
  const m = VVOL_ID.exec(text);
  if (!m || m[1] !== m[2].slice(0, 6)) return undefined;
  return { id: text, wwnLast12: m[2].toUpperCase(), ldn: parseInt(m[3], 16) };
}

export function isVvolId(id: string): boolean {
  return parseVvolId(id) !== undefined;
}

/**
 * What a string offered as a VVol id is: one of ours (to look up), one of the other
 * form VASA uses (well-formed but unknown here: NotFound), or not a VVol id at all.
 */
export function vvolIdForm(id: string): 'naa' | 'rfc4122' | undefined {
  if (isVvolId(id)) return 'naa';
  return RFC4122_ID.test(id) ? 'rfc4122' : undefined;
}

/**
 * The VVol id in a vSphere disk file path, `[container] naa.6…/disk.vmdk` (3.1.3):
 * the folder is named after the VM's config-VVol. Undefined when the path holds none.
 */
export function vvolIdInDiskPath(path: string): string | undefined {
  const m = /^\s*(?:\[[^\]]*\]\s*)?(?:\/vmfs\/volumes\/[^/]+\/)?([^/\s]+)\//.exec(path);
  return m ? parseVvolId(m[1])?.id : undefined;
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
