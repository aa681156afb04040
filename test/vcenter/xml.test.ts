/**
 * vim25 answers go through the provider's one capped XML parser (src/sys/xml.ts), with
 * caps sized for answers: a hostile host behind the configured address gets a clear
 * error, not a stalled or exhausted provider.
 */
import { XmlError, XmlLimitError } from '../../src/sys/xml';
import { child, moRefOf, parseVim, VIM_XML_LIMITS, xsiTypeOf } from '../../src/vcenter/xml';

const env = (body: string) =>
  `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

test('an answer reads into elements with references, xsi:type without its prefix, and text', async () => {
  const root = await parseVim(env('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><obj type="VirtualMachine">vm-42</obj><val xsi:type="xsd:string">web &amp; db</val></returnval></RetrievePropertiesExResponse>'));
  const rv = child(child(child(root, 'Body'), 'RetrievePropertiesExResponse'), 'returnval');
  expect(moRefOf(child(rv, 'obj'))).toEqual({ type: 'VirtualMachine', value: 'vm-42' });
  expect(xsiTypeOf(child(rv, 'val'))).toBe('string');
  expect(child(rv, 'val')?.text).toBe('web & db');
});

test('a DOCTYPE (entity expansion, external entities) is refused', async () => {
  const bomb = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>`;
  await expect(parseVim(bomb)).rejects.toThrow(XmlError);
});

test('answers over a cap are refused with the cap named, as answers', async () => {
  const deep = env(`${'<a>'.repeat(VIM_XML_LIMITS.maxDepth + 1)}${'</a>'.repeat(VIM_XML_LIMITS.maxDepth + 1)}`);
  await expect(parseVim(deep)).rejects.toThrow(/The document nests elements too deeply/);
  const many = env('<x/>'.repeat(50));
  const err = await parseVim(many, { ...VIM_XML_LIMITS, maxElements: 20 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(XmlLimitError);
  expect((err as Error).message).toBe('The answer has more than 20 elements.');
  await expect(parseVim('<a><b></a>')).rejects.toThrow(/^The answer is not well-formed XML/);
});
