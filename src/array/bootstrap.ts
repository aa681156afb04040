/**
 * Turns an array description (the demo configuration in conf/) into a configured
 * array: registration, licences, pools, SSV, PEs and their hosts. Runs once: when an
 * array of that name exists already, nothing is done, so restarts never duplicate.
 */
import type { DiskArrayEngine } from './engine';
import type { Licence, Model, MonitoringState, PdType } from './models';
import { GiB } from './models';

export interface ArraySpec {
  name: string;
  serial: string;
  wwn?: string;
  model: Model;
  ip: string;
  monitoring?: MonitoringState;
  licences: Licence[];
  pools: {
    poolNo: number;
    name: string;
    virtual: boolean;
    container: boolean;
    raid: string;
    pdType: PdType;
    encrypted?: boolean;
    capacityGB: number;
    virtualCapacityGB?: number;
    threshold?: number;
  }[];
  ssv?: { pool: number };
  pes?: { pool: number; ldn?: number; hosts?: string[] }[];
}

export function bootstrapArray(engine: DiskArrayEngine, spec: ArraySpec): { created: boolean } {
  if (engine.findArray(spec.name)) return { created: false };
  // One transaction: a kill half-way leaves no half-built array to trip over next start.
  engine.batch(() => {
    engine.registerArray({
      name: spec.name, serial: spec.serial, wwn: spec.wwn, model: spec.model, ip: spec.ip, monitoring: spec.monitoring ?? 'Running',
      licences: Object.fromEntries(spec.licences.map((l) => [l, true])),
    });
    for (const p of spec.pools) {
      engine.createPool(spec.name, {
        poolNo: p.poolNo, name: p.name, virtual: p.virtual, container: p.container, raid: p.raid, pdType: p.pdType,
        encrypted: p.encrypted, capacityBytes: p.capacityGB * GiB,
        virtualCapacityBytes: p.virtualCapacityGB === undefined ? undefined : p.virtualCapacityGB * GiB, threshold: p.threshold,
      });
    }
    if (spec.ssv) engine.createLd(spec.name, { pool: spec.ssv.pool, kind: 'ssv' });
    for (const pe of spec.pes ?? []) {
      const ld = engine.createLd(spec.name, { pool: pe.pool, kind: 'pe', ldn: pe.ldn });
      for (const h of pe.hosts ?? []) engine.grantPeAccess(spec.name, ld.ldn, h);
    }
  });
  return { created: true };
}
