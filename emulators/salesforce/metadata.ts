// Reads the package's objects from SFDX source (force-app/main/default/objects): custom objects
// (<Name>__c/<Name>__c.object-meta.xml) and custom fields (<Object>/fields/*.field-meta.xml),
// including fields on standard objects (Activity fields apply to both Task and Event).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addField, makeField, makeObject, type FieldDef, type FieldSpec, type ObjectDef } from './schema.ts';
import { systemFields } from './standard-objects.ts';

/** The text of the first <tag> element directly in `xml`, unescaped. */
function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1].trim());
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

const bool = (v: string | undefined): boolean => v === 'true';

export interface ParsedField {
  field: FieldDef;
  autoNumberFormat?: string;
}

export function parseFieldXml(xml: string, fallbackName: string): FieldDef {
  const name = tag(xml, 'fullName') ?? fallbackName;
  const type = tag(xml, 'type') ?? 'Text';
  const label = tag(xml, 'label') ?? name;
  const required = bool(tag(xml, 'required'));
  const length = Number(tag(xml, 'length') ?? '0');
  const precision = Number(tag(xml, 'precision') ?? '0');
  const scale = Number(tag(xml, 'scale') ?? '0');
  const formula = tag(xml, 'formula');
  const spec: FieldSpec = {
    name, label, type: 'string', required,
    externalId: bool(tag(xml, 'externalId')),
    unique: bool(tag(xml, 'unique')),
    caseSensitive: bool(tag(xml, 'caseSensitive')),
    custom: true,
    precision, scale,
  };
  const dflt = tag(xml, 'defaultValue');
  switch (type) {
    case 'Text': spec.type = 'string'; spec.length = length || 255; break;
    case 'TextArea': spec.type = 'textarea'; spec.length = 255; break;
    case 'LongTextArea': case 'Html': spec.type = 'textarea'; spec.length = length || 32768; break;
    case 'EncryptedText': spec.type = 'string'; spec.length = length || 175; break;
    case 'Email': spec.type = 'email'; spec.length = 80; break;
    case 'Phone': spec.type = 'phone'; spec.length = 40; break;
    case 'Url': spec.type = 'url'; spec.length = 255; break;
    case 'Checkbox': spec.type = 'boolean'; spec.defaultValue = dflt === 'true'; break;
    case 'Number': spec.type = 'double'; break;
    case 'Currency': spec.type = 'currency'; break;
    case 'Percent': spec.type = 'percent'; break;
    case 'Date': spec.type = 'date'; break;
    case 'DateTime': spec.type = 'datetime'; break;
    case 'Picklist': spec.type = 'picklist'; spec.length = 255; break;
    case 'MultiselectPicklist': spec.type = 'multipicklist'; spec.length = 4099; break;
    case 'Lookup': case 'MasterDetail': case 'Hierarchy':
      spec.type = 'reference';
      spec.referenceTo = [tag(xml, 'referenceTo') ?? 'User'];
      spec.relationshipName = name.replace(/__c$/, '__r');
      // Master-detail fields are always required.
      if (type === 'MasterDetail') spec.required = true;
      break;
    case 'AutoNumber': spec.type = 'string'; spec.length = 30; spec.readOnly = true; spec.nillable = false; break;
    default: spec.type = 'string'; spec.length = length || 255;
  }
  if (formula !== undefined) {
    spec.readOnly = true;
    spec.calculated = true;
  }
  if (spec.type === 'picklist' || spec.type === 'multipicklist') {
    const valueSet = tag(xml, 'valueSet') ?? '';
    spec.restrictedPicklist = bool(tag(valueSet, 'restricted'));
    const values: NonNullable<FieldDef['picklistValues']> = [];
    for (const m of valueSet.matchAll(/<value>([\s\S]*?)<\/value>/g)) {
      const body = m[1] ?? '';
      const value = tag(body, 'fullName');
      if (value === undefined) continue;
      const isDefault = bool(tag(body, 'default'));
      values.push({ value, label: tag(body, 'label') ?? value, active: true, defaultValue: isDefault });
      if (isDefault) spec.defaultValue = value;
    }
    spec.picklistValues = values;
  } else if (dflt !== undefined && spec.type !== 'boolean') {
    // Formula-style defaults: quoted strings and numbers are all the package uses.
    const quoted = /^"(.*)"$|^'(.*)'$/.exec(dflt);
    if (quoted) spec.defaultValue = quoted[1] ?? quoted[2];
    else if (/^-?\d+(\.\d+)?$/.test(dflt)) spec.defaultValue = Number(dflt);
  }
  return makeField(spec);
}

/** Stable key prefixes for custom objects: a0A, a0B, … in name order. */
function customPrefix(index: number): string {
  const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const n = index + 10;
  return `a${chars[Math.floor(n / 62) % 62]}${chars[n % 62]}`;
}

export interface MetadataResult {
  customObjects: ObjectDef[];
  /** Custom fields to add to standard objects (Activity already expanded to Task and Event). */
  standardFields: Array<{ object: string; field: FieldDef }>;
  autoNumbers: Map<string, string>;
}

export function readMetadata(dirs: string[]): MetadataResult {
  const result: MetadataResult = { customObjects: [], standardFields: [], autoNumbers: new Map() };
  const customNames: Array<{ name: string; dir: string }> = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const objDir = join(dir, entry.name);
      if (entry.name.endsWith('__c')) {
        customNames.push({ name: entry.name, dir: objDir });
        continue;
      }
      for (const field of readFields(objDir)) {
        const targets = entry.name === 'Activity' ? ['Task', 'Event'] : [entry.name];
        for (const object of targets) result.standardFields.push({ object, field });
      }
    }
  }
  customNames.sort((a, b) => a.name.localeCompare(b.name));
  customNames.forEach(({ name, dir }, i) => {
    const metaPath = join(dir, `${name}.object-meta.xml`);
    const xml = existsSync(metaPath) ? readFileSync(metaPath, 'utf8') : '';
    const label = tag(xml, 'label') ?? name.replace(/__c$/, '').replace(/_/g, ' ');
    const nameField = tag(xml, 'nameField') ?? '';
    const nameType = tag(nameField, 'type') ?? 'Text';
    const sharing = tag(xml, 'sharingModel');
    const fields = [
      ...systemFields({ owner: sharing !== 'ControlledByParent' }),
      makeField({
        name: 'Name', type: 'string', length: 80, label: tag(nameField, 'label') ?? `${label} Name`,
        readOnly: nameType === 'AutoNumber', nillable: nameType === 'AutoNumber' ? false : true,
        custom: false, idLookup: true,
      }),
    ];
    if (nameType === 'AutoNumber') result.autoNumbers.set(name, tag(nameField, 'displayFormat') ?? `${name}-{0000}`);
    const obj = makeObject(name, customPrefix(i), fields, {
      label, labelPlural: tag(xml, 'pluralLabel') ?? `${label}s`, custom: true, cdc: true,
    });
    for (const field of readFields(dir)) addField(obj, field);
    result.customObjects.push(obj);
  });
  return result;
}

function readFields(objDir: string): FieldDef[] {
  const fieldsDir = join(objDir, 'fields');
  if (!existsSync(fieldsDir)) return [];
  return readdirSync(fieldsDir)
    .filter((file) => file.endsWith('.field-meta.xml'))
    .sort()
    .map((file) => parseFieldXml(readFileSync(join(fieldsDir, file), 'utf8'), file.replace('.field-meta.xml', '')));
}
