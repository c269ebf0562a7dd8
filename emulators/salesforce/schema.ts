// The org's schema: object and field descriptions shared by validation, SOQL and describe.
// Standard objects are hand-described (standard-objects.ts); the package's custom objects and
// fields are read from force-app metadata (metadata.ts) so the emulator has the package's schema.
export type FieldType =
  | 'id' | 'string' | 'textarea' | 'email' | 'phone' | 'url' | 'picklist' | 'multipicklist'
  | 'combobox' | 'boolean' | 'int' | 'double' | 'currency' | 'percent' | 'date' | 'datetime'
  | 'reference' | 'base64';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  externalId: boolean;
  unique: boolean;
  caseSensitive: boolean;
  idLookup: boolean;
  custom: boolean;
  calculated: boolean;
  defaultValue?: unknown;
  picklistValues?: Array<{ value: string; label: string; active: boolean; defaultValue: boolean }>;
  restrictedPicklist: boolean;
  referenceTo: string[];
  relationshipName?: string;
  precision: number;
  scale: number;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  /** Change Data Capture enabled for the object. */
  cdc: boolean;
  fields: Map<string, FieldDef>;
  /** Lower-case field name → canonical name, since SOQL and REST names are case-insensitive. */
  fieldIndex: Map<string, string>;
  /** Lower-case relationship name → reference field name. */
  relationships: Map<string, string>;
  queryable: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
}

export interface FieldSpec extends Partial<Omit<FieldDef, 'name' | 'type'>> {
  name: string;
  type: FieldType;
  required?: boolean;
  readOnly?: boolean;
}

const DEFAULT_LENGTH: Partial<Record<FieldType, number>> = {
  id: 18, reference: 18, string: 255, textarea: 255, email: 80, phone: 40, url: 255,
  picklist: 255, multipicklist: 4099, combobox: 255,
};

export function makeField(spec: FieldSpec): FieldDef {
  const readOnly = spec.readOnly ?? false;
  const isBool = spec.type === 'boolean';
  const field: FieldDef = {
    name: spec.name,
    label: spec.label ?? spec.name.replace(/__c$/, '').replace(/_/g, ' ').replace(/Id$/, ' ID'),
    type: spec.type,
    length: spec.length ?? DEFAULT_LENGTH[spec.type] ?? 0,
    // Booleans are never nillable in Salesforce; they default to false.
    nillable: spec.nillable ?? (isBool ? false : !spec.required),
    createable: spec.createable ?? !readOnly,
    updateable: spec.updateable ?? !readOnly,
    externalId: spec.externalId ?? false,
    unique: spec.unique ?? false,
    caseSensitive: spec.caseSensitive ?? false,
    idLookup: spec.idLookup ?? (spec.type === 'id' || spec.externalId === true),
    custom: spec.custom ?? spec.name.endsWith('__c'),
    calculated: spec.calculated ?? false,
    defaultValue: spec.defaultValue ?? (isBool ? false : undefined),
    picklistValues: spec.picklistValues,
    restrictedPicklist: spec.restrictedPicklist ?? false,
    referenceTo: spec.referenceTo ?? [],
    relationshipName: spec.relationshipName,
    precision: spec.precision ?? 0,
    scale: spec.scale ?? 0,
  };
  if (field.type === 'reference' && !field.relationshipName) {
    field.relationshipName = field.name.endsWith('__c')
      ? field.name.replace(/__c$/, '__r')
      : field.name.replace(/Id$/, '');
  }
  return field;
}

export function picklist(values: string[], defaultValue?: string): FieldDef['picklistValues'] {
  return values.map((v) => ({ value: v, label: v, active: true, defaultValue: v === defaultValue }));
}

export function makeObject(
  name: string,
  keyPrefix: string,
  fields: FieldDef[],
  opts: Partial<Pick<ObjectDef, 'label' | 'labelPlural' | 'custom' | 'cdc' | 'createable' | 'updateable' | 'deletable'>> = {},
): ObjectDef {
  const obj: ObjectDef = {
    name,
    label: opts.label ?? name.replace(/__c$/, '').replace(/_/g, ' '),
    labelPlural: opts.labelPlural ?? `${opts.label ?? name.replace(/__c$/, '').replace(/_/g, ' ')}s`,
    keyPrefix,
    custom: opts.custom ?? name.endsWith('__c'),
    cdc: opts.cdc ?? false,
    fields: new Map(),
    fieldIndex: new Map(),
    relationships: new Map(),
    queryable: true,
    createable: opts.createable ?? true,
    updateable: opts.updateable ?? true,
    deletable: opts.deletable ?? true,
  };
  for (const f of fields) addField(obj, f);
  return obj;
}

export function addField(obj: ObjectDef, field: FieldDef): void {
  obj.fields.set(field.name, field);
  obj.fieldIndex.set(field.name.toLowerCase(), field.name);
  if (field.type === 'reference' && field.relationshipName) {
    obj.relationships.set(field.relationshipName.toLowerCase(), field.name);
  }
}

export interface Schema {
  objects: Map<string, ObjectDef>;
  /** Lower-case object name → canonical name. */
  index: Map<string, string>;
  byPrefix: Map<string, ObjectDef>;
}

export function makeSchema(objects: ObjectDef[]): Schema {
  const schema: Schema = { objects: new Map(), index: new Map(), byPrefix: new Map() };
  for (const o of objects) {
    schema.objects.set(o.name, o);
    schema.index.set(o.name.toLowerCase(), o.name);
    schema.byPrefix.set(o.keyPrefix, o);
  }
  return schema;
}

export function findObject(schema: Schema, name: string): ObjectDef | undefined {
  const canonical = schema.index.get(name.toLowerCase());
  return canonical ? schema.objects.get(canonical) : undefined;
}

export function findField(obj: ObjectDef, name: string): FieldDef | undefined {
  const canonical = obj.fieldIndex.get(name.toLowerCase());
  return canonical ? obj.fields.get(canonical) : undefined;
}

/** The CDC channel name of an object: ContactChangeEvent, Mailbox_Sync__ChangeEvent. */
export function changeEventName(objectName: string): string {
  return objectName.endsWith('__c') ? `${objectName.slice(0, -3)}__ChangeEvent` : `${objectName}ChangeEvent`;
}
