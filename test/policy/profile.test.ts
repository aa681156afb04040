/**
 * Storage profiles in the policy room (issue 9, item 6): the face turns vSphere's
 * StorageProfile into the policy form (src/vasa/storage-profile.ts), and policy says
 * whether a new VVol is to be thick (src/policy/profile.ts), not the handler.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StorageProfile, wantsThick } from '../../src/policy/profile';
import type { StorageProfile as WireProfile } from '../../src/vasa/generated/operations';
import { Codec } from '../../src/vasa/soap/codec';
import { key, SchemaSet } from '../../src/vasa/soap/schema';
import { loadOperations, WSDL_DIR } from '../../src/vasa/soap/wsdl';
import { parseXml } from '../../src/sys/xml';
import { profileFromWire } from '../../src/vasa/storage-profile';

const profile = (...rules: [capability: string, property: string, value: StorageProfile['ruleSets'][number]['rules'][number]['value']][]): StorageProfile => ({
  profileId: 'p', name: 'P', ruleSets: [{ name: 'Rule-Set 1', rules: rules.map(([capability, property, value]) => ({ capability, property, value })) }],
});

describe('wantsThick', () => {
  test('thin without a profile, or with no spaceEfficiency rule (vSphere\'s default)', () => {
    expect(wantsThick(undefined)).toBe(false);
    expect(wantsThick({ profileId: 'p', name: 'P', ruleSets: [] })).toBe(false);
    expect(wantsThick(profile(['com.nec.iops', 'iopsLimit', 'Thick']))).toBe(false);
  });

  test('thick when a spaceEfficiency rule asks for Thick, named by its property or its capability, in any case', () => {
    expect(wantsThick(profile(['spaceEfficiency', 'spaceEfficiency', 'Thick']))).toBe(true);
    expect(wantsThick(profile(['other', 'spaceEfficiency', 'thick']))).toBe(true);
    expect(wantsThick(profile(['spaceEfficiency', 'provisioning', 'THICK']))).toBe(true);
  });

  test('Thin, a value merely containing "thick", or a structured value is not thick', () => {
    expect(wantsThick(profile(['spaceEfficiency', 'spaceEfficiency', 'Thin']))).toBe(false);
    expect(wantsThick(profile(['spaceEfficiency', 'spaceEfficiency', 'Thick-ish']))).toBe(false);
    expect(wantsThick(profile(['spaceEfficiency', 'spaceEfficiency', { min: 'Thick' }]))).toBe(false);
  });

  test('any rule set may ask for it', () => {
    const p: StorageProfile = { profileId: 'p', name: 'P', ruleSets: [
      { name: 'a', rules: [{ capability: 'x', property: 'y', value: '1' }] },
      { name: 'b', rules: [{ capability: 'spaceEfficiency', property: 'spaceEfficiency', value: 'Thick' }] },
    ] };
    expect(wantsThick(p)).toBe(true);
  });
});

describe('the face converts the wire profile to the policy form', () => {
  const wsdl = path.join(WSDL_DIR, 'vasaService.wsdl');
  const schema = SchemaSet.loadFrom(wsdl);
  const codec = new Codec(schema);
  const decl = schema.elements.get(key(loadOperations(wsdl).get('createVirtualVolume')?.input ?? { ns: '', local: '' }));
  const sample = fs.readFileSync(path.resolve(__dirname, '..', 'wsdl', 'samples', 'createVirtualVolume.xml'), 'utf8');
  const decoded = (xml: string) => {
    if (!decl) throw new Error('no createVirtualVolume element');
    return codec.decodeComplex(parseXml(xml), decl.type, 'createVirtualVolume').storageProfile as WireProfile;
  };

  test('vSphere\'s thin profile (the sample request): one rule set with the spaceEfficiency rule, thin', () => {
    const p = profileFromWire(decoded(sample));
    expect(p).toEqual({
      profileId: 'aa6d5a82-1c88-45da-85d3-3d74b91a5bad', generationId: 0, name: 'VVol Thin',
      ruleSets: [{ name: 'Rule-Set 1', rules: [{ namespace: 'com.vmware.storageprofile.std', capability: 'spaceEfficiency', property: 'spaceEfficiency', value: 'Thin' }] }],
    });
    expect(wantsThick(p)).toBe(false);
  });

  test('the same profile asking for Thick makes the VVol thick', () => {
    expect(wantsThick(profileFromWire(decoded(sample.replace('>Thin</cap:value>', '>Thick</cap:value>'))))).toBe(true);
  });

  test('a structured value keeps its parts by name; no profile is no profile', () => {
    const ranged = sample.replace('<cap:value xsi:type="xsd:string">Thin</cap:value>', '<cap:value><cap:min>100</cap:min><cap:max>200</cap:max></cap:value>');
    expect(profileFromWire(decoded(ranged))?.ruleSets[0].rules[0].value).toEqual({ min: '100', max: '200' });
    expect(profileFromWire(undefined)).toBeUndefined();
  });
});
