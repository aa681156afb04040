/**
 * B11: the capability schema (src/policy/capabilities.ts) as VASA's CapabilitySchema:
 * one schema for com.nec.jp.ism.vasaprovider, a CapabilityMetadataPerCategory per
 * manual category. Yes/No rules are XSD_BOOLEAN with a default, lists are XSD_STRING /
 * XSD_INT with their allowed values, the IOPS limits XSD_INT with a capt:Range.
 */
import { CAPABILITIES, CapabilityDef, NEC_NAMESPACE, NEC_NAMESPACE_VERSION, PropertyDef } from '../policy/capabilities';
import type { CapabilityMetadataOut, CapabilitySchemaOut, ExtendedElementDescriptionOut, PropertyMetadataOut } from './generated/operations';
import { NS, qn, typed } from './soap/codec';

export const SCHEMA_ID = NEC_NAMESPACE;

const describe = (key: string, label: string, summary: string): ExtendedElementDescriptionOut => ({ key, label, messageCatalogKeyPrefix: `${NEC_NAMESPACE}.${key}`, summary });

const TYPE_NAME = { string: 'XSD_STRING', boolean: 'XSD_BOOLEAN', int: 'XSD_INT' } as const;

function scalar(p: PropertyDef, v: string | number | boolean): unknown {
  return p.type === 'int' ? { $type: qn(NS.xsd, 'int'), $value: v } : v;
}

function propertyMetadata(c: CapabilityDef, p: PropertyDef): PropertyMetadataOut {
  const allowed = p.allowed === undefined ? undefined
    : Array.isArray(p.allowed) ? p.allowed.map((v) => scalar(p, v))
      : [typed(qn(NS.capt, 'Range'), { max: scalar(p, (p.allowed as { max: number }).max), min: scalar(p, (p.allowed as { min: number }).min) })];
  return {
    allowedValue: allowed,
    defaultValue: p.default === undefined ? undefined : scalar(p, p.default),
    id: p.id,
    mandatory: false,
    summary: describe(`${c.id}.${p.id}`, p.label, p.summary),
    type: { typeName: TYPE_NAME[p.type] },
  };
}

function capabilityMetadata(c: CapabilityDef): CapabilityMetadataOut {
  return {
    capabilityId: { id: c.id, namespace: NEC_NAMESPACE },
    mandatory: false,
    propertyMetadata: c.properties.map((p) => propertyMetadata(c, p)),
    summary: describe(c.id, c.label, c.summary),
  };
}

export function capabilitySchema(vendorUuid: string): CapabilitySchemaOut {
  const categories = [...new Set(CAPABILITIES.map((c) => c.category))];
  return {
    capabilityMetadataPerCategory: categories.map((category) => ({
      capabilityMetadata: CAPABILITIES.filter((c) => c.category === category).map(capabilityMetadata),
      category,
    })),
    namespaceInfo: { info: describe('namespace', NEC_NAMESPACE, 'NEC Storage M series data services'), namespace: NEC_NAMESPACE, version: NEC_NAMESPACE_VERSION },
    schemaId: SCHEMA_ID,
    vendorInfo: { info: describe('vendor', 'NEC', 'NEC Corporation'), vendorUuid },
  };
}
