// Describe results in the REST shapes jsforce and tools read: describeGlobal (/sobjects) and
// the per-object describe (/sobjects/T/describe) with field types, lengths and flags.
import type { FieldDef, ObjectDef, Schema } from './schema.ts';

const SOAP_TYPE: Record<string, string> = {
  id: 'tns:ID', reference: 'tns:ID', boolean: 'xsd:boolean', int: 'xsd:int', double: 'xsd:double',
  currency: 'xsd:double', percent: 'xsd:double', date: 'xsd:date', datetime: 'xsd:dateTime', base64: 'xsd:base64Binary',
};

function urls(v: string, obj: ObjectDef): Record<string, string> {
  const base = `/services/data/v${v}/sobjects/${obj.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

export function describeGlobal(schema: Schema, v: string): unknown {
  return {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: [...schema.objects.values()].map((o) => ({
      name: o.name, label: o.label, labelPlural: o.labelPlural, keyPrefix: o.keyPrefix, custom: o.custom,
      customSetting: false, createable: o.createable, updateable: o.updateable, deletable: o.deletable,
      queryable: o.queryable, retrieveable: true, searchable: !o.name.startsWith('Content'), undeletable: o.deletable,
      triggerable: true, layoutable: true, replicateable: true, mergeable: false, feedEnabled: false,
      activateable: false, deprecatedAndHidden: false, urls: urls(v, o),
    })),
  };
}

function describeField(f: FieldDef): unknown {
  const text = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'combobox', 'id', 'reference'].includes(f.type);
  return {
    name: f.name, label: f.label, type: f.type, length: text ? f.length : 0, byteLength: text ? f.length * 3 : 0,
    digits: f.type === 'int' ? f.precision || 9 : 0, precision: f.precision, scale: f.scale,
    nillable: f.nillable, createable: f.createable, updateable: f.updateable, defaultedOnCreate: f.defaultValue !== undefined,
    defaultValue: f.defaultValue === '$user' ? null : f.defaultValue ?? null, externalId: f.externalId, unique: f.unique,
    caseSensitive: f.caseSensitive, idLookup: f.idLookup, custom: f.custom, calculated: f.calculated,
    autoNumber: false, nameField: f.name === 'Name', htmlFormatted: false, filterable: f.type !== 'textarea' || f.length <= 255,
    sortable: f.type !== 'textarea' || f.length <= 255, groupable: f.type !== 'datetime', soapType: SOAP_TYPE[f.type] ?? 'xsd:string',
    picklistValues: (f.picklistValues ?? []).map((p) => ({ ...p, validFor: null })),
    restrictedPicklist: f.restrictedPicklist, referenceTo: f.referenceTo, relationshipName: f.relationshipName ?? null,
    polymorphicForeignKey: f.referenceTo.length > 1, cascadeDelete: false, restrictedDelete: false,
    dependentPicklist: false, controllerName: null, inlineHelpText: null, deprecatedAndHidden: false,
  };
}

export function describeObject(schema: Schema, obj: ObjectDef, v: string): unknown {
  const children: unknown[] = [];
  for (const other of schema.objects.values()) {
    for (const f of other.fields.values()) {
      if (f.type === 'reference' && f.referenceTo.includes(obj.name) && f.custom) {
        children.push({ childSObject: other.name, field: f.name, relationshipName: `${other.name.replace(/__c$/, '')}s__r`, cascadeDelete: false });
      }
    }
  }
  return {
    ...(describeGlobal({ ...schema, objects: new Map([[obj.name, obj]]) }, v) as { sobjects: unknown[] }).sobjects[0] as object,
    fields: [...obj.fields.values()].map(describeField),
    childRelationships: children,
    recordTypeInfos: [{ name: 'Master', recordTypeId: '012000000000000AAA', defaultRecordTypeMapping: true, master: true, available: true, active: true }],
    supportedScopes: [{ label: 'All', name: 'everything' }, { label: 'Mine', name: 'mine' }],
  };
}
