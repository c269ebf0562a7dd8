// Metadata XML gate: every *-meta.xml under a source tree must be well-formed XML whose root
// element is a Metadata API type (the one its file suffix names, when the registry knows it),
// in the metadata namespace, with only known child elements, valid enum values, booleans and
// numbers, and every required element present. One unit per file.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { RegistryAccess } from '@salesforce/source-deploy-retrieve';
import { listFiles } from './files.ts';
import { allFields, isMetadataType, loadSchema, type Field, type FieldType, type Schema } from './metadata-schema.ts';
import { unit, type GateReport } from './report.ts';

const NAMESPACE = 'http://soap.sforce.com/2006/04/metadata';

// Fields the WSDL declares as xsd:string (or anyType) that really hold free-form XML.
const FREE_FORM = new Set(['LightningComponentBundle.targetConfigs', 'CustomMetadataValue.value']);

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
});

function tagOf(node: XmlNode): string {
  return Object.keys(node).find((k) => k !== ':@') ?? '';
}

function childrenOf(node: XmlNode): XmlNode[] {
  const value = node[tagOf(node)];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

function textOf(children: XmlNode[]): string {
  return children.map((c) => (c['#text'] === undefined ? '' : String(c['#text']))).join('');
}

function elements(children: XmlNode[]): XmlNode[] {
  return children.filter((c) => {
    const t = tagOf(c);
    return t !== '#text' && t !== '#comment' && !t.startsWith('?');
  });
}

function closest(name: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length]!;
  };
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

type Resolved = { kind: 'string' | 'number' | 'boolean' | 'any' } | { kind: 'enum'; name: string; values: string[] } | { kind: 'object'; name: string };

function resolve(schema: Schema, type: FieldType): Resolved {
  if (type.kind === 'enum') return { kind: 'enum', name: 'enum', values: type.values };
  if (type.kind !== 'ref') return type;
  const enumValues = schema.enums[type.name];
  if (enumValues) return { kind: 'enum', name: type.name, values: enumValues };
  const primitive = schema.primitives[type.name];
  if (primitive) return { kind: primitive };
  if (schema.objects[type.name]) return { kind: 'object', name: type.name };
  return { kind: 'any' };
}

/** An xsi:type attribute names the concrete type of a polymorphic element. */
function fromXsiType(schema: Schema, attrs: Record<string, string> | undefined): Resolved | undefined {
  const xsiType = attrs && Object.entries(attrs).find(([k]) => k === 'xsi:type' || k.endsWith(':type'))?.[1];
  if (!xsiType) return undefined;
  const local = xsiType.split(':').pop() ?? xsiType;
  if (xsiType.startsWith('xsd:')) {
    if (local === 'boolean') return { kind: 'boolean' };
    if (['int', 'long', 'double', 'decimal', 'float', 'integer', 'short'].includes(local)) return { kind: 'number' };
    return { kind: 'string' };
  }
  if (schema.objects[local]) return { kind: 'object', name: local };
  return undefined;
}

function isNil(attrs: Record<string, string> | undefined): boolean {
  return attrs !== undefined && Object.entries(attrs).some(([k, v]) => k.endsWith(':nil') && v === 'true');
}

function checkValue(schema: Schema, node: XmlNode, declared: Resolved, where: string, owner: string, problems: string[]): void {
  const attrs = node[':@'];
  if (isNil(attrs)) return;
  const type = fromXsiType(schema, attrs) ?? declared;
  const children = childrenOf(node);
  const childElements = elements(children);
  const text = textOf(children).trim();
  const tag = tagOf(node);
  if (type.kind === 'object') {
    checkObject(schema, type.name, children, where, problems);
    return;
  }
  if (type.kind === 'any' || FREE_FORM.has(`${owner}.${tag}`)) return;
  if (childElements.length > 0) {
    problems.push(`${where}: <${tag}> holds a value, not elements (found <${tagOf(childElements[0]!)}>)`);
    return;
  }
  if (type.kind === 'boolean' && text !== 'true' && text !== 'false') {
    problems.push(`${where}: <${tag}> must be true or false, not "${text}"`);
  } else if (type.kind === 'number' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    problems.push(`${where}: <${tag}> must be a number, not "${text}"`);
  } else if (type.kind === 'enum' && !type.values.includes(text)) {
    const hint = closest(text, type.values);
    const allowed = type.values.length <= 12 ? type.values.join(', ') : `${type.values.slice(0, 12).join(', ')}, …`;
    problems.push(`${where}: <${tag}> "${text}" is not a valid ${type.name}${hint ? ` (did you mean "${hint}"?)` : ''}; allowed: ${allowed}`);
  }
}

function checkObject(schema: Schema, typeName: string, children: XmlNode[], where: string, problems: string[]): void {
  const fields = allFields(schema, typeName) ?? {};
  const stray = textOf(children).trim();
  if (stray) problems.push(`${where}: ${typeName} holds elements, not text ("${stray.slice(0, 40)}")`);
  const seen = new Map<string, number>();
  for (const child of elements(children)) {
    const tag = tagOf(child);
    const field: Field | undefined = fields[tag];
    const childWhere = `${where}/${tag}`;
    if (!field) {
      const hint = closest(tag, Object.keys(fields));
      problems.push(`${where}: unknown element <${tag}> in ${typeName}${hint ? ` (did you mean <${hint}>?)` : ''}`);
      continue;
    }
    const count = (seen.get(tag) ?? 0) + 1;
    seen.set(tag, count);
    if (count === 2 && !field.array) problems.push(`${where}: <${tag}> may appear only once in ${typeName}`);
    checkValue(schema, child, resolve(schema, field.type), childWhere, typeName, problems);
  }
  for (const [name, field] of Object.entries(fields)) {
    // Arrays are minOccurs=0 in the WSDL even where the declarations omit the '?'.
    if (!field.optional && !field.array && !seen.has(name)) problems.push(`${where}: missing required element <${name}> in ${typeName}`);
  }
}

let typesBySuffix: Map<string, Set<string>> | undefined;

/** The types a source file's suffix may stand for (Foo.cls-meta.xml → ApexClass); empty if unknown. */
export function expectedTypes(file: string): Set<string> {
  const base = path.basename(file);
  if (base.endsWith('.js-meta.xml') && path.basename(path.dirname(path.dirname(file))) === 'lwc') return new Set(['LightningComponentBundle']);
  const m = /\.([A-Za-z]+)-meta\.xml$/.exec(base);
  if (!m) return new Set();
  if (!typesBySuffix) {
    // Several types share a suffix (site: CustomSite and SiteDotCom), so keep them all.
    const index = new Map<string, Set<string>>();
    const add = (suffix: string | undefined, name: string): void => {
      if (!suffix) return;
      index.set(suffix, (index.get(suffix) ?? new Set()).add(name));
    };
    for (const type of Object.values(new RegistryAccess().getRegistry().types)) {
      add(type.suffix, type.name);
      for (const child of Object.values(type.children?.types ?? {})) add(child.suffix, child.name);
    }
    typesBySuffix = index;
  }
  return typesBySuffix.get(m[1]!) ?? new Set();
}

/** Problems of one metadata XML document; an empty list means it is valid. */
export function validateMetadataXml(schema: Schema, file: string, xml: string): string[] {
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) {
    return [`malformed XML at line ${wellFormed.err.line}, column ${wellFormed.err.col}: ${wellFormed.err.msg}`];
  }
  const document = parser.parse(xml) as XmlNode[];
  const roots = elements(document);
  if (roots.length !== 1) return [`expected one root element, found ${roots.length}`];
  const root = roots[0]!;
  const rootName = tagOf(root);
  if (!isMetadataType(schema, rootName)) {
    const hint = closest(rootName, Object.keys(schema.objects).filter((n) => isMetadataType(schema, n)));
    return [`root <${rootName}> is not a Metadata API type${hint ? ` (did you mean <${hint}>?)` : ''}`];
  }
  const problems: string[] = [];
  const expected = expectedTypes(file);
  if (expected.size > 0 && !expected.has(rootName)) {
    problems.push(`root <${rootName}> but a ${path.basename(file)} file holds <${[...expected].join('> or <')}>`);
  }
  const xmlns = root[':@']?.xmlns;
  if (xmlns !== NAMESPACE) problems.push(`root <${rootName}> must declare xmlns="${NAMESPACE}"${xmlns ? `, not "${xmlns}"` : ''}`);
  checkObject(schema, rootName, childrenOf(root), rootName, problems);
  return problems;
}

export function checkMetadata(root: string): GateReport {
  const files = listFiles(root, ['-meta.xml']);
  if (files.length === 0) return { units: [], notes: [`no -meta.xml files under ${root}`] };
  const schema = loadSchema();
  const units = files.map((file) => unit(path.relative(process.cwd(), file), validateMetadataXml(schema, file, readFileSync(file, 'utf8'))));
  return { units, notes: [] };
}
