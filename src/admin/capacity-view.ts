/**
 * Pool capacity of every array the engine sees, for the capacity chart: real capacity
 * used and free, the logical (provisioned) capacity, and the threshold.
 */
import type { DiskArrayEngine } from '../array/engine';
import { hex4 } from '../array/ids';

export interface PoolCapacity {
  arrayName: string;
  poolNo: string;
  name: string;
  container: boolean;
  capacityBytes: number;
  usedBytes: number;
  provisionedBytes: number;
  virtualCapacityBytes: number;
  /** Percent of the real capacity, or null when none is set. */
  threshold: number | null;
  thresholdExceeded: boolean;
}

export function poolCapacities(engine: Pick<DiskArrayEngine, 'listArrays' | 'listPools'>): PoolCapacity[] {
  return engine.listArrays().flatMap((a) => engine.listPools(a.name).map((p) => ({
    arrayName: a.name, poolNo: hex4(p.poolNo), name: p.name, container: p.container,
    capacityBytes: p.capacity, usedBytes: p.usedBytes, provisionedBytes: p.provisionedBytes, virtualCapacityBytes: p.virtualCapacity,
    threshold: p.threshold, thresholdExceeded: p.thresholdAlarm,
  })));
}
