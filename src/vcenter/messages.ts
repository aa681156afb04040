/**
 * The manual's texts about vCenter, verbatim, and our own where it has none.
 */

/** B.1: the relation file cannot be made because the provider could not log in to vCenter. */
export const RELATION_LOGIN_FAILED = 'Failed to create the file that shows the relation between storage and virtual machines because login to vCenter Server failed.';

/** The link failed, but the last good inventory keeps the relation file and the VM names going (B.1's explanation, and what stays in use). */
export function loginFailedKept(server: string, readAt: number): string {
  return `Failed to log in to vCenter Server ${server}; the relation file and VM names use the inventory read at ${new Date(readAt).toISOString()}.`;
}

/** E.2: a backup command could not get what it needs from vCenter. */
export const VCENTER_INFO_FAILED = 'Failed to get information of vCenter server from VASA configuration file.';

/** B.1's measures, for the log and `status`: what to check. */
export const LOGIN_MEASURES = 'The information (IP address, user name, password, and port number) registered with `settings -v` may not be correct: register the vCenter Server information again.';

/** The alarm ids the vCenter link raises (Red on failure, Green when it works again). */
export const ALARM_LOGIN_FAILED = 'nec.vcenter.loginFailed';

export const where = (ip: string, port: number): string => `${ip}:${port}`;

/** How to pin a certificate, with the thumbprint the server presented. */
export function pinHint(ip: string, port: number, presented: string): string {
  return `If that is your vCenter Server's certificate, trust it with: vvolctl settings -v ${ip} ${port} <user> --thumbprint ${presented}`;
}
