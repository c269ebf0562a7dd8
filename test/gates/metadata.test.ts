// The metadata gates on their fixtures: XML validated against the Metadata API types, and
// the source-deploy-retrieve conversion with its missing-meta-file checks.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkMetadata, validateMetadataXml } from './metadata.ts';
import { loadSchema } from './metadata-schema.ts';
import { checkConversion } from './conversion.ts';
import { failedUnits, problemsOf } from './report.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const src = (project: string): string => path.join(fixtures, project, 'force-app');
const NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"';

describe('metadata XML gate', () => {
  it('accepts every file of the good project (object, field, class, trigger, LWC, permission set, tab)', () => {
    const report = checkMetadata(src('good-project'));
    expect(report.units).toHaveLength(9);
    expect(failedUnits(report)).toEqual([]);
  });

  it('rejects each broken file with the reason', () => {
    const report = checkMetadata(src('metadata-bad'));
    const failing = Object.fromEntries(failedUnits(report).map((u) => [path.basename(u.name), u.problems]));
    expect(Object.keys(failing).sort()).toEqual([
      'BadEnum__c.field-meta.xml',
      'Bad_Boolean.permissionset-meta.xml',
      'Malformed__c.field-meta.xml',
      'Misspelled__c.field-meta.xml',
      'No_Label.permissionset-meta.xml',
      'NotANumber__c.field-meta.xml',
      'Unknown_Root.tab-meta.xml',
      'WrongRoot.cls-meta.xml',
    ]);
    expect(failing['Malformed__c.field-meta.xml']![0]).toMatch(/^malformed XML at line 7/);
    expect(failing['Misspelled__c.field-meta.xml']).toEqual(['CustomField: unknown element <lable> in CustomField (did you mean <label>?)']);
    expect(failing['BadEnum__c.field-meta.xml']![0]).toMatch(/"Txt" is not a valid FieldType \(did you mean "Text"\?\)/);
    expect(failing['NotANumber__c.field-meta.xml']).toEqual(['CustomField/length: <length> must be a number, not "eighty"']);
    expect(failing['Bad_Boolean.permissionset-meta.xml']![0]).toMatch(/must be true or false, not "yes"/);
    expect(failing['No_Label.permissionset-meta.xml']).toEqual(['PermissionSet: missing required element <label> in PermissionSet']);
    expect(failing['Unknown_Root.tab-meta.xml']![0]).toMatch(/root <CustomTabb> is not a Metadata API type \(did you mean <CustomTab>\?\)/);
    expect(failing['WrongRoot.cls-meta.xml']![0]).toMatch(/root <ApexTrigger> but a WrongRoot.cls-meta.xml file holds <ApexClass>/);
    expect(problemsOf(report, 'Gadget__c.object-meta.xml')).toEqual([]);
  });

  describe('single documents', () => {
    const schema = loadSchema();
    const check = (xml: string, file = 'X.cls-meta.xml'): string[] => validateMetadataXml(schema, file, xml);

    it('requires the metadata namespace on the root', () => {
      expect(check('<ApexClass><apiVersion>60.0</apiVersion><status>Active</status></ApexClass>')).toEqual([
        'root <ApexClass> must declare xmlns="http://soap.sforce.com/2006/04/metadata"',
      ]);
    });

    it('rejects a repeated element that is not a list, and accepts a list', () => {
      expect(check(`<ApexClass ${NS}><apiVersion>60.0</apiVersion><apiVersion>61.0</apiVersion><status>Active</status></ApexClass>`)).toEqual([
        'ApexClass: <apiVersion> may appear only once in ApexClass',
      ]);
      const bundle = `<LightningComponentBundle ${NS}><isExposed>true</isExposed><targets><target>lightning__AppPage</target><target>lightning__HomePage</target></targets></LightningComponentBundle>`;
      expect(check(bundle, 'force-app/lwc/a/a.js-meta.xml')).toEqual([]);
    });

    it('checks nested types (a picklist value set inside a field)', () => {
      const field = `<CustomField ${NS}><fullName>K__c</fullName><label>K</label><type>Picklist</type>
        <valueSet><restricted>maybe</restricted><valueSetDefinition><sorted>false</sorted>
        <value><fullName>A</fullName><default>true</default><label>A</label><colour>red</colour></value>
        </valueSetDefinition></valueSet></CustomField>`;
      expect(check(field, 'K__c.field-meta.xml')).toEqual([
        'CustomField/valueSet/restricted: <restricted> must be true or false, not "maybe"',
        'CustomField/valueSet/valueSetDefinition/value: unknown element <colour> in CustomValue (did you mean <color>?)',
      ]);
    });

    it('rejects text where elements belong and elements where a value belongs', () => {
      expect(check(`<ApexClass ${NS}><apiVersion><major>60</major></apiVersion><status>Active</status></ApexClass>`)).toEqual([
        'ApexClass/apiVersion: <apiVersion> holds a value, not elements (found <major>)',
      ]);
    });
  });
});

describe('conversion gate (source-deploy-retrieve)', () => {
  it('converts the good project and finds every meta file', async () => {
    const report = await checkConversion(src('good-project'));
    expect(failedUnits(report)).toEqual([]);
    expect(report.units.at(-1)!.name).toMatch(/package\.xml \(\d+ components\)/);
  });

  it('rejects a class without its meta file, a meta file without its class, a bundle without js-meta.xml', async () => {
    const report = await checkConversion(src('conversion-bad'));
    expect(problemsOf(report, 'NoMeta.cls')).toEqual(['missing NoMeta.cls-meta.xml (the converter silently drops this class)']);
    expect(problemsOf(report, 'Orphan.cls-meta.xml')).toEqual(['Orphan.cls-meta.xml has no Orphan.cls beside it']);
    expect(problemsOf(report, 'lwc/noMeta')).toEqual(['LWC bundle noMeta has no noMeta.js-meta.xml']);
    expect(problemsOf(report, 'HasMeta.cls')).toEqual([]);
    expect(problemsOf(report, 'lwc/hasMeta')).toEqual([]);
  });
});
