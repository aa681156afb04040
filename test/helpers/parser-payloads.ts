/**
 * Request bodies for the parser tests (issue 8 rows 1 and 10): the attack shapes as
 * measured in the issue, and the largest requests a legitimate client sends.
 */
import { NS } from './vasa-server';

const wrap = (inner: string) =>
  `<soapenv:Envelope xmlns:soapenv="${NS.soap11}" xmlns:vasa="${NS.vasa}"><soapenv:Body><vasa:queryArrays>${inner}</vasa:queryArrays></soapenv:Body></soapenv:Envelope>`;

/**
 * Row 1: an envelope declaring n prefixes, with n body children each declaring one more.
 * Copying the scope per element made this n² (n = 5,000: 21 s; n = 10,000: over 60 s).
 * `onRoot` prefixes go on the envelope (the attack puts all n there).
 */
export function row1(n: number, onRoot = n): string {
  const decls = Array.from({ length: onRoot }, (_, i) => ` xmlns:p${i}="urn:p${i}"`).join('');
  const kids = Array.from({ length: n }, (_, i) => `<q${i}:a xmlns:q${i}="urn:q${i}"/>`).join('');
  return `<soapenv:Envelope xmlns:soapenv="${NS.soap11}"${decls}><soapenv:Body><vasa:queryArrays xmlns:vasa="${NS.vasa}">${kids}</vasa:queryArrays></soapenv:Body></soapenv:Envelope>`;
}

/** Row 10: about `bytes` of empty elements. */
export function emptyElements(bytes: number): string {
  return wrap('<a/>'.repeat(Math.floor(bytes / 4)));
}

/** Row 10: one element with about `bytes` of attributes (7 MB: ~700k of them). */
export function oneTagManyAttributes(bytes: number): string {
  const parts: string[] = [];
  for (let i = 0, len = 0; len < bytes; i++) {
    const p = ` a${i}="x"`;
    parts.push(p);
    len += p.length;
  }
  return wrap(`<a${parts.join('')}/>`);
}

/** Row 10: about `bytes` of elements with three attributes each (300k attributes in 2.2 MB). */
export function manyTagsFewAttributes(bytes: number): string {
  return wrap('<a b="1" c="2" d="3"/>'.repeat(Math.floor(bytes / 22)));
}

/** Row 10: about `bytes` of character references in one element (7 MB: 1.4M). */
export function characterReferences(bytes: number): string {
  return wrap(`<vasa:arrayUniqueId>${'&#65;'.repeat(Math.floor(bytes / 5))}</vasa:arrayUniqueId>`);
}

const uuid = (i: number) => `naa.65cdb050000000005cdb0531${(i & 0xffff).toString(16).padStart(4, '0')}`;

/**
 * snapshotVirtualVolume for `vvols` VVols carrying `pairs` metadata pairs each, written
 * the way Axis2/ADB clients write: a prefix declared (again) on every element that needs
 * it, and xsi:type on every complex value. The largest legitimate request shape: a
 * maxBatchSize batch whose items each hold a list.
 */
export function snapshotBatch(vvols: number, pairs: number): string {
  const items: string[] = [];
  for (let v = 0; v < vvols; v++) {
    const md: string[] = [];
    for (let k = 0; k < pairs; k++) {
      md.push(`<ns3:metadata xmlns:ns2="${NS.data}" xsi:type="ns2:NameValuePair"><ns2:parameterName>VMW_Custom_Key_${k}</ns2:parameterName><ns2:parameterValue>${`value ${k} of VVol ${v} &amp; some text `.repeat(5)}</ns2:parameterValue></ns3:metadata>`);
    }
    items.push(`<ns1:snapshotInfo xmlns:ns3="${NS.vvol}" xmlns:xsi="${NS.xsi}" xsi:type="ns3:VirtualVolumeInfo"><ns2:uniqueIdentifier xmlns:ns2="${NS.data}">${uuid(v)}</ns2:uniqueIdentifier>${md.join('')}<ns3:vvolId>${uuid(v)}</ns3:vvolId></ns1:snapshotInfo>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${NS.soap11}"><soapenv:Body><ns1:snapshotVirtualVolume xmlns:ns1="${NS.vasa}">${items.join('')}<ns1:timeoutMS>60000</ns1:timeoutMS></ns1:snapshotVirtualVolume></soapenv:Body></soapenv:Envelope>`;
}

/** setContext from a large ESXi host: many initiators, mount points and addresses. */
export function bigSetContext(initiators: number, mounts: number, addresses: number): string {
  const ini = Array.from({ length: initiators }, (_, i) =>
    `<data:hostInitiator xsi:type="data:HostInitiatorInfo"><data:uniqueIdentifier>ini-${i}</data:uniqueIdentifier><data:iscsiIdentifier>iqn.1998-01.com.vmware:esx-${i}-4f3a2b1c</data:iscsiIdentifier></data:hostInitiator>`).join('');
  const mnt = Array.from({ length: mounts }, (_, i) =>
    `<data:mountPoint xsi:type="data:MountInfo"><data:filePath>/vmfs/volumes/vvol:${i.toString(16).padStart(16, '0')}</data:filePath><data:serverName>nfs-${i}.example.test</data:serverName></data:mountPoint>`).join('');
  const ips = Array.from({ length: addresses }, (_, i) => `<data:hostIoIpAddress>10.${i >> 8}.${i & 255}.1</data:hostIoIpAddress>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${NS.soap11}" xmlns:vasa="${NS.vasa}" xmlns:data="${NS.data}" xmlns:xsi="${NS.xsi}"><soapenv:Body><vasa:setContext><vasa:usageContext xsi:type="data:UsageContext"><data:hostGuid>host-guid-0001</data:hostGuid>${ini}${ips}${mnt}<data:vcGuid>vc-guid-0001</data:vcGuid></vasa:usageContext></vasa:setContext></soapenv:Body></soapenv:Envelope>`;
}
