/**
 * The PEM reader the start-up path uses instead of node-forge's (issue 12, S6): the same
 * blocks as forge finds in what the provider reads (certificates, CRLs, bundles with
 * keys, CRLF line ends, RFC 1421 headers), and a clear failure for a malformed block.
 */
import forge from 'node-forge';
import { decodePem } from '../../src/vasa/pem';
import { makeSelfSigned } from '../../src/vasa/certificates';

const a = makeSelfSigned(['a.example.test'], Date.UTC(2020, 0, 1), 3650);
const b = makeSelfSigned(['b.example.test'], Date.UTC(2020, 0, 1), 3650);

function viaForge(text: string): { label: string; der: string }[] {
  return forge.pem.decode(text).map((x) => ({ label: x.type, der: Buffer.from(x.body, 'binary').toString('hex') }));
}
const ours = (text: string) => decodePem(text).map((x) => ({ label: x.label, der: x.der.toString('hex') }));

test('the blocks forge finds, in order: a bundle of certificates and a key, CRLF line ends, text around them', () => {
  const bundle = `subject=a\n${a.cert}${a.key}\r\nsome words\r\n${b.cert.replace(/\n/g, '\r\n')}`;
  expect(ours(bundle)).toEqual(viaForge(bundle));
  expect(ours(bundle).map((x) => x.label)).toEqual(['CERTIFICATE', expect.stringMatching(/PRIVATE KEY$/), 'CERTIFICATE']);
});

test('RFC 1421 headers are skipped, as forge does', () => {
  const lines = a.cert.trim().split('\n');
  const withHeaders = [lines[0], 'Proc-Type: 4,CRL', 'Comment: test', '', ...lines.slice(1)].join('\n');
  expect(ours(withHeaders)).toEqual(viaForge(a.cert));
});

test('no block: none; a block whose END differs, or a body that is not base64: an error', () => {
  expect(decodePem('not pem at all')).toEqual([]);
  expect(() => decodePem(a.cert.replace('-----END CERTIFICATE-----', '-----END X509 CRL-----'))).toThrow(/begins as CERTIFICATE and ends as X509 CRL/);
  const lines = a.cert.trim().split('\n');
  expect(() => decodePem([lines[0], '<script>', ...lines.slice(1)].join('\n'))).toThrow(/not base64/);
});

test('a text of nothing but BEGIN lines (or an unterminated block) is no block, not a quadratic search', () => {
  // A BEGIN inside a block is not base64: refused at the second line.
  expect(() => decodePem('-----BEGIN CERTIFICATE-----\n'.repeat(20_000))).toThrow(/not base64/);
  // A block never ended: nothing complete.
  expect(decodePem(`-----BEGIN CERTIFICATE-----\n${'QUJD\n'.repeat(20_000)}`)).toEqual([]);
});
