/** Our schema files by namespace (wire reference, section 2), and where they live. */
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
