/**
 * The storage-policy messages of Appendix B.1, word for word (tests assert them). The
 * backup and licence texts that the array already raises stay in src/array/messages.ts.
 */

/** B11 (B.1): a datastore that does not satisfy a rule of the policy. The period sits inside the quotes, as in the manual. */
export function datastoreMismatch(rule: string, datastoreValue: string, policyValue: string): string {
  return `The specified datastore does not satisfy the rule(${rule}) in the storage policy for the virtual machines. The value of the datastore's capability is "${datastoreValue}" while the value in the storage policy for the virtual machines is "${policyValue}."`;
}

/** L10/4.2 (B.1): kept with the array's I/O control (src/array/io-control.ts), which raises them too. */
export { IO_CONFIG_ERROR, IO_MODE_DISABLED } from '../array/io-control';
