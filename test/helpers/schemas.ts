/** Our schema files by namespace (wire reference, section 2), and where they live. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const WSDL_DIR = path.resolve(__dirname, '../../wsdl');
export const XMLLINT = fs.existsSync('/usr/bin/xmllint') ? '/usr/bin/xmllint' : 'xmllint';

export const SCHEMAS: Record<string, string> = {
  'http://com.vmware.vim.vasa/2.0/xsd': 'vasa.xsd',
  'http://data.vasa.vim.vmware.com/xsd': 'data.xsd',
  'http://vvol.data.vasa.vim.vmware.com/xsd': 'vvol.xsd',
  'http://fault.vasa.vim.vmware.com/xsd': 'fault.xsd',
  'http://policy.data.vasa.vim.vmware.com/xsd': 'policy.xsd',
  'http://profile.policy.data.vasa.vim.vmware.com/xsd': 'profile.xsd',
  'http://capability.policy.data.vasa.vim.vmware.com/xsd': 'capability.xsd',
  'http://provider.capability.policy.data.vasa.vim.vmware.com/xsd': 'capability-provider.xsd',
  'http://types.capability.policy.data.vasa.vim.vmware.com/xsd': 'capability-types.xsd',
  'http://compliance.policy.data.vasa.vim.vmware.com/xsd': 'compliance.xsd',
};

/** Writes <dir>/all.xsd, one schema importing all of ours, for xmllint; returns its path. */
export function schemaWrapper(dir: string): string {
  const wrapper = path.join(dir, 'all.xsd');
  const imports = Object.entries(SCHEMAS).map(([uri, file]) => `  <xs:import namespace="${uri}" schemaLocation="${path.join(WSDL_DIR, file)}"/>`).join('\n');
  fs.writeFileSync(wrapper, `<?xml version="1.0"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">\n${imports}\n</xs:schema>\n`);
  return wrapper;
}

/**
 * Validates captured answers (name -> the XML of one element) with xmllint against our
 * schemas; returns the failures, each with xmllint's lines about it (empty: all valid).
 */
export function invalidAnswers(dir: string, captured: Map<string, string>, wrapper = schemaWrapper(dir)): { file: string; errors: string }[] {
  const files = [...captured.entries()].map(([name, xml]) => {
    const f = path.join(dir, `${name}.xml`);
    fs.writeFileSync(f, `<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`);
    return f;
  });
  const r = spawnSync(XMLLINT, ['--noout', '--nonet', '--schema', wrapper, ...files], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  return files.filter((f) => !out.includes(`${f} validates`)).map((f) => ({
    file: path.basename(f),
    errors: out.split('\n').filter((l) => l.startsWith(f)).join('\n'),
  }));
}
