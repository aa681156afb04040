/**
 * The policy room's one error: a Storage Container that cannot satisfy a storage
 * policy (or a policy the provider cannot apply). The VASA face answers it with
 * InvalidProfile; its message is the manual's text for the case.
 */
export class ProfileMismatch extends Error {
  constructor(
    message: string,
    /** The rule's display name (B.1's <aaa...a>). */
    readonly rule: string,
    /** The datastore's value (<bbb...b>). */
    readonly datastoreValue: string,
    /** The policy's value (<ccc...c>). */
    readonly policyValue: string,
  ) {
    super(message);
    this.name = 'ProfileMismatch';
  }
}
