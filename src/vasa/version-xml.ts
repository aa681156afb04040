/**
 * GET /version.xml: what vCenter reads at registration (https://<ip>:9943/version.xml,
 * NEC manual 2.2.2). Its exact format is not public; this follows the working
 * assumption of the wire reference (root vasa-provider-info, one version element per
 * VASA API version with its id and absolute service URL). Kept in this one module so
 * it can be corrected in one place against a real vCenter's sps.log.
 */
export interface ServedVersion {
  /** VASA API version, e.g. "2.0". */
  id: string;
  /** Absolute https URL of the SOAP endpoint serving that version. */
  url: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function versionXml(versions: ServedVersion[], providerName: string): string {
  const lines = versions.map(
    (v) => `    <version id="${esc(v.id)}">\n      <supported-vasa-version>${esc(v.id)}</supported-vasa-version>\n      <url>${esc(v.url)}</url>\n    </version>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<vasa-provider-info name="${esc(providerName)}">\n  <supported-versions>\n${lines.join('\n')}\n  </supported-versions>\n</vasa-provider-info>\n`;
}
