// The Metadata API schema, extracted from @salesforce/types' lib/metadata.d.ts (generated
// from the Metadata WSDL) with the TypeScript compiler API: object types with their fields,
// enums, and which types are deployable Metadata. Cached as JSON keyed by the package version.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { cacheDir, repoRoot } from './files.ts';
import { GateError } from './report.ts';

export type FieldType =
  | { kind: 'string' | 'number' | 'boolean' | 'any' }
  | { kind: 'ref'; name: string }
  | { kind: 'enum'; values: string[] };
export type Field = { type: FieldType; array: boolean; optional: boolean };
export type ObjectType = { bases: string[]; fields: Record<string, Field> };
export type Schema = {
  source: string;
  objects: Record<string, ObjectType>;
  enums: Record<string, string[]>;
  /** Types declared as a plain alias of a primitive, e.g. `type Fit = string`. */
  primitives: Record<string, 'string' | 'number' | 'boolean' | 'any'>;
};

function typesPackageDir(): string {
  const dir = path.join(repoRoot, 'node_modules', '@salesforce', 'types');
  if (!existsSync(path.join(dir, 'lib', 'metadata.d.ts'))) {
    throw new GateError(`@salesforce/types not installed (${dir}/lib/metadata.d.ts missing): run npm install`);
  }
  return dir;
}

function primitive(node: ts.TypeNode): 'string' | 'number' | 'boolean' | 'any' | undefined {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword: return 'string';
    case ts.SyntaxKind.NumberKeyword: return 'number';
    case ts.SyntaxKind.BooleanKeyword: return 'boolean';
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword: return 'any';
    default: return undefined;
  }
}

function literalUnion(node: ts.TypeNode): string[] | undefined {
  const members = ts.isUnionTypeNode(node) ? node.types : [node];
  const values: string[] = [];
  for (const m of members) {
    if (ts.isLiteralTypeNode(m) && ts.isStringLiteral(m.literal)) values.push(m.literal.text);
    else return undefined;
  }
  return values;
}

function fieldType(node: ts.TypeNode): { type: FieldType; array: boolean } {
  if (ts.isArrayTypeNode(node)) return { type: fieldType(node.elementType).type, array: true };
  if (ts.isParenthesizedTypeNode(node)) return fieldType(node.type);
  const p = primitive(node);
  if (p) return { type: { kind: p }, array: false };
  if (ts.isTypeReferenceNode(node)) return { type: { kind: 'ref', name: node.typeName.getText() }, array: false };
  const values = literalUnion(node);
  if (values) return { type: { kind: 'enum', values }, array: false };
  return { type: { kind: 'any' }, array: false };
}

function fieldsOf(literal: ts.TypeLiteralNode): Record<string, Field> {
  const fields: Record<string, Field> = {};
  for (const member of literal.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const name = member.name.getText();
    fields[name] = { ...fieldType(member.type), optional: member.questionToken !== undefined };
  }
  return fields;
}

export function extractSchema(declarationFile: string): Schema {
  const text = readFileSync(declarationFile, 'utf8');
  const file = ts.createSourceFile(declarationFile, text, ts.ScriptTarget.Latest, true);
  const schema: Schema = { source: declarationFile, objects: {}, enums: {}, primitives: {} };
  for (const statement of file.statements) {
    if (!ts.isTypeAliasDeclaration(statement)) continue;
    const name = statement.name.text;
    const node = statement.type;
    const values = literalUnion(node);
    const p = primitive(node);
    if (values) {
      schema.enums[name] = values;
    } else if (p) {
      schema.primitives[name] = p;
    } else if (ts.isTypeLiteralNode(node)) {
      schema.objects[name] = { bases: [], fields: fieldsOf(node) };
    } else if (ts.isIntersectionTypeNode(node)) {
      const object: ObjectType = { bases: [], fields: {} };
      for (const part of node.types) {
        if (ts.isTypeReferenceNode(part)) object.bases.push(part.typeName.getText());
        else if (ts.isTypeLiteralNode(part)) Object.assign(object.fields, fieldsOf(part));
      }
      schema.objects[name] = object;
    } else if (ts.isTypeReferenceNode(node)) {
      schema.objects[name] = { bases: [node.typeName.getText()], fields: {} };
    }
  }
  if (!schema.objects.Metadata || Object.keys(schema.objects).length < 500) {
    throw new GateError(`${declarationFile} does not look like the Metadata API declarations (no Metadata type)`);
  }
  return schema;
}

/** Loads the schema, extracting it once per @salesforce/types version into the gate cache. */
export function loadSchema(): Schema {
  const dir = typesPackageDir();
  const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const cached = path.join(cacheDir(), `metadata-schema-${version}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as Schema;
  const schema = extractSchema(path.join(dir, 'lib', 'metadata.d.ts'));
  mkdirSync(path.dirname(cached), { recursive: true });
  writeFileSync(cached, JSON.stringify(schema));
  return schema;
}

/** All fields of a type including those inherited through its bases. */
export function allFields(schema: Schema, typeName: string): Record<string, Field> | undefined {
  const object = schema.objects[typeName];
  if (!object) return undefined;
  const fields: Record<string, Field> = {};
  for (const base of object.bases) Object.assign(fields, allFields(schema, base) ?? {});
  return Object.assign(fields, object.fields);
}

/** True when the type derives from Metadata, i.e. it can be the root of a -meta.xml file. */
export function isMetadataType(schema: Schema, typeName: string): boolean {
  if (typeName === 'Metadata') return true;
  const object = schema.objects[typeName];
  return object !== undefined && object.bases.some((b) => isMetadataType(schema, b));
}
