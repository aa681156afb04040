/**
 * The few domain errors of the array engine. Each has a stable code; the VASA face
 * maps a code to a fault once, the CLI maps it to an exit code. Facts travel as
 * fields, the user-visible text (the manual's message where there is one) as message.
 */
export type ArrayErrorCode =
  | 'INVALID_ARGUMENT' // malformed or out-of-range input
  | 'NOT_FOUND' // unknown array, pool, LD, VVol, task, pair
  | 'ALREADY_EXISTS' // a name or number already taken
  | 'OUT_OF_RESOURCE' // capacity: pool space, real capacity
  | 'TOO_MANY' // a count limit (PEs, LDs, arrays, FCVs, layers, pairs)
  | 'SNAPSHOT_TOO_MANY' // snapshot generation limit (L5)
  | 'IN_USE' // object still used (LDs in pool, bound VVol, PE with bindings)
  | 'FAILED_PRECONDITION' // wrong state for the operation
  | 'LICENCE_LOCKED' // B2
  | 'NOT_MONITORED' // B3: monitoring state not Running
  | 'CONFIG_LOCKED' // B3: another user is configuring
  | 'BUSY' // B5: snapshot deletion in progress for the VM
  | 'INCOMPATIBLE' // two volumes that are not related
  | 'NOT_SUPPORTED' // the pool or LD kind does not support the function
  | 'NOT_CANCELLABLE'
  | 'LOST_EVENT'
  | 'IO_ERROR' // a write that failed on the media (pool full)
  | 'STORE_ERROR'; // the store failed underneath (wrapped with cause)

export type Facts = Record<string, string | number | boolean | null | undefined>;

export class ArrayError extends Error {
  readonly code: ArrayErrorCode;
  readonly facts: Facts;
  constructor(code: ArrayErrorCode, message: string, facts: Facts = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArrayError';
    this.code = code;
    this.facts = facts;
  }
}

export function isArrayError(e: unknown): e is ArrayError {
  return e instanceof ArrayError;
}

export const invalid = (message: string, facts: Facts = {}) => new ArrayError('INVALID_ARGUMENT', message, facts);
export const notFound = (message: string, facts: Facts = {}) => new ArrayError('NOT_FOUND', message, facts);
