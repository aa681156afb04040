/**
 * VASA faults. Domain errors map to fault types once, here; a fault the WSDL does not
 * list for the operation becomes StorageFault, which every operation may raise. The
 * text users see is the engine's message (the manual's, where it has one).
 */
import { ArrayError, ArrayErrorCode } from '../array/errors';
import { Codec, NS, qn, typed } from './soap/codec';

export type FaultName =
  | 'StorageFault' | 'InvalidArgument' | 'InvalidSession' | 'InvalidLogin' | 'NotFound' | 'NotImplemented' | 'NotSupported'
  | 'NotCancellable' | 'OutOfResource' | 'ResourceInUse' | 'PermissionDenied' | 'SnapshotTooMany' | 'Timeout' | 'TooMany'
  | 'VasaProviderBusy' | 'IncompatibleVolume' | 'InvalidProfile' | 'InvalidCertificate' | 'InactiveProvider' | 'LostEvent'
  | 'LostAlarm' | 'ActivateProviderFailed' | 'InvalidStatisticsContext';

export class VasaFault extends Error {
  constructor(
    readonly fault: FaultName,
    message: string,
    readonly fields: Record<string, unknown> = {},
    /** The client's mistake (SOAP 1.2 Sender) rather than the provider's. */
    readonly sender = false,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'VasaFault';
  }
}

export const FAULT_BY_CODE: Record<ArrayErrorCode, FaultName> = {
  INVALID_ARGUMENT: 'InvalidArgument',
  NOT_FOUND: 'NotFound',
  ALREADY_EXISTS: 'InvalidArgument',
  OUT_OF_RESOURCE: 'OutOfResource',
  TOO_MANY: 'OutOfResource',
  SNAPSHOT_TOO_MANY: 'SnapshotTooMany',
  IN_USE: 'ResourceInUse',
  FAILED_PRECONDITION: 'StorageFault',
  LICENCE_LOCKED: 'StorageFault',
  NOT_MONITORED: 'StorageFault',
  CONFIG_LOCKED: 'ResourceInUse',
  BUSY: 'ResourceInUse',
  INCOMPATIBLE: 'IncompatibleVolume',
  NOT_SUPPORTED: 'NotSupported',
  NOT_CANCELLABLE: 'NotCancellable',
  LOST_EVENT: 'LostEvent',
  IO_ERROR: 'StorageFault',
  STORE_ERROR: 'StorageFault',
};

const SENDER: Set<FaultName> = new Set(['InvalidArgument', 'InvalidSession', 'InvalidLogin', 'NotFound', 'TooMany', 'InvalidCertificate']);

export function faultFromArrayError(e: ArrayError): VasaFault {
  const f = FAULT_BY_CODE[e.code];
  return new VasaFault(f, e.message, {}, SENDER.has(f), e.code);
}

/**
 * Narrows a fault to what the operation may raise. NotImplemented passes whatever the
 * list says: it answers operations we do not serve at all (storage policy ones among
 * them), whose contract we do not claim to keep, and it must never read as a failure
 * of the storage (StorageFault) or, worse, a success.
 */
export function allowed(f: VasaFault, faults: string[]): VasaFault {
  if (faults.includes(f.fault) || f.fault === 'NotImplemented') return f;
  if (f.fault === 'OutOfResource' && faults.includes('TooMany')) return new VasaFault('TooMany', f.message, {}, true, f.code);
  return new VasaFault('StorageFault', f.message, {}, false, f.code);
}

/** The fault's entry in our fault message catalog. */
export function faultMessageId(f: VasaFault): string {
  return `Fault.${f.fault}${f.code ? `.${f.code}` : ''}`;
}

/** The SOAP detail: a vasa element named after the fault, holding the typed fault object. */
export function faultDetail(codec: Codec, f: VasaFault): string {
  const fields: Record<string, unknown> = { ...f.fields };
  if (f.fault === 'StorageFault') {
    fields.faultMessageId ??= faultMessageId(f);
    fields.parameterList ??= [{ parameterName: 'message', parameterValue: f.message }];
  }
  const out: string[] = [];
  const inner = typed(qn(NS.fault, f.fault), fields);
  codec.element(out, { name: f.fault, ns: NS.vasa, type: qn(NS.vasa, `#element:${f.fault}`) }, { [f.fault]: inner });
  return out.join('');
}
