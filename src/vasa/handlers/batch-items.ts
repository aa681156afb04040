/**
 * Batch calls (bind, unbind, snapshot) answer per item, inside the result
 * (BatchVirtualVolumeHandleResult.fault, BatchReturnStatus.errorResult): each item says
 * what happened to it. A malformed item is that item's fault, not a SOAP fault for the
 * whole call, so the well-formed items are still done and reported. These helpers keep
 * the request's order while only the well-formed items reach the engine.
 */
import { ArrayError } from '../../array/errors';
import { faultObject } from '../convert';
import { faultFromArrayError, VasaFault } from '../faults';
import type { BatchReturnStatusOut } from '../generated/operations';
import type { Typed } from '../soap/codec';

export type ItemInput<T> = { ok: true; value: T } | { ok: false; fault: VasaFault };

/** Reads one item of the request; what its reader refuses becomes the item's own fault. */
export function readItem<T>(read: () => T): ItemInput<T> {
  try {
    return { ok: true, value: read() };
  } catch (e) {
    if (e instanceof VasaFault) return { ok: false, fault: e };
    throw e;
  }
}

export const wellFormed = <T>(inputs: ItemInput<T>[]): T[] => inputs.flatMap((i) => (i.ok ? [i.value] : []));

/**
 * Runs the engine once over the well-formed items (not at all when there are none) and
 * returns its results in request order, each malformed item's fault in its place.
 */
export function inRequestOrder<T, R>(inputs: ItemInput<T>[], run: (values: T[]) => R[]): (R | VasaFault)[] {
  const values = wellFormed(inputs);
  const results = values.length ? run(values) : [];
  if (results.length !== values.length) throw new Error(`the engine answered ${results.length} items for ${values.length}`);
  let k = 0;
  return inputs.map((i) => (i.ok ? results[k++] : i.fault));
}

/** inRequestOrder for an engine call answered later (a group commit: Store.group). */
export async function inRequestOrderAsync<T, R>(inputs: ItemInput<T>[], run: (values: T[]) => Promise<R[]>): Promise<(R | VasaFault)[]> {
  const values = wellFormed(inputs);
  const results = values.length ? await run(values) : [];
  return inRequestOrder(inputs, () => results);
}

/** The fault object of one failed item (xsi:type fault:<Name>; StorageFault carries the message). */
export function itemFault(e: ArrayError | VasaFault): Typed {
  const f = e instanceof ArrayError ? faultFromArrayError(e) : e;
  return faultObject(f.fault, f.message);
}

/** A BatchReturnStatus: `uniqueId` alone when the item was done, with its fault otherwise. */
export function batchStatus(uniqueId: string, fault?: ArrayError | VasaFault): BatchReturnStatusOut {
  return fault ? { errorResult: { error: [itemFault(fault)] }, uniqueId } : { uniqueId };
}
