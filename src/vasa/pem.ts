/**
 * The blocks of a PEM text (RFC 7468): each block's label and DER bytes, in order.
 * Hand-written rather than node-forge's reader, for a measured reason: this is what a
 * daemon start reads (the provider's certificate, the trusted certificates and CRLs),
 * and loading node-forge for it cost ~90 ms of a 0.6 s cold start (issue 12, S6);
 * node:crypto parses the certificates, pkijs the CRLs. One pass over the lines, so a
 * hostile text costs time in proportion to its length.
 */
export interface PemBlock {
  label: string;
  der: Buffer;
}

const BEGIN = /^-----BEGIN ([A-Z0-9](?:[A-Z0-9 -]*[A-Z0-9])?)-----$/;
const END = /^-----END ([A-Z0-9](?:[A-Z0-9 -]*[A-Z0-9])?)-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The complete blocks of the text; text outside blocks is ignored (as PEM readers do).
 * A block whose END label differs from its BEGIN, or whose body is not base64, is
 * malformed: an Error names it. RFC 1421 header lines (`Proc-Type: ...`) are skipped.
 */
export function decodePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  let label: string | undefined;
  let body: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (label === undefined) {
      const m = BEGIN.exec(line);
      if (m) {
        label = m[1];
        body = [];
      }
      continue;
    }
    const end = END.exec(line);
    if (end) {
      if (end[1] !== label) throw new Error(`a PEM block begins as ${label} and ends as ${end[1]}`);
      out.push({ label, der: Buffer.from(body.join(''), 'base64') });
      label = undefined;
      continue;
    }
    if (line === '' || line.includes(':')) continue; // RFC 1421 headers and the blank line after them
    if (!BASE64_LINE.test(line)) throw new Error(`a PEM ${label} block holds a line that is not base64`);
    body.push(line);
  }
  return out;
}
