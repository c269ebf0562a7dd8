// Builds Change Data Capture payloads and PushTopic notifications from committed org changes,
// in the shapes Salesforce delivers: ChangeEventHeader + fields (compound Name/Address nested,
// unchanged fields null on UPDATE) and PushTopic {event:{type,createdDate,replayId}, sobject}.
import type { Change, Rec } from './org.ts';
import type { FieldDef, ObjectDef } from './schema.ts';
import { formatDateTime, toApi } from './values.ts';

/** Compound fields as change events nest them: component → event sub-field name. */
const COMPOUNDS: Record<string, Array<{ name: string; parts: Record<string, string> }>> = {
  Contact: [
    { name: 'Name', parts: { Salutation: 'Salutation', FirstName: 'FirstName', LastName: 'LastName' } },
    { name: 'MailingAddress', parts: { MailingStreet: 'Street', MailingCity: 'City', MailingState: 'State', MailingPostalCode: 'PostalCode', MailingCountry: 'Country' } },
    { name: 'OtherAddress', parts: { OtherStreet: 'Street', OtherCity: 'City', OtherState: 'State', OtherPostalCode: 'PostalCode', OtherCountry: 'Country' } },
  ],
  Lead: [
    { name: 'Name', parts: { Salutation: 'Salutation', FirstName: 'FirstName', LastName: 'LastName' } },
    { name: 'Address', parts: { Street: 'Street', City: 'City', State: 'State', PostalCode: 'PostalCode', Country: 'Country' } },
  ],
  Account: [
    { name: 'BillingAddress', parts: { BillingStreet: 'Street', BillingCity: 'City', BillingState: 'State', BillingPostalCode: 'PostalCode', BillingCountry: 'Country' } },
  ],
  User: [{ name: 'Name', parts: { FirstName: 'FirstName', LastName: 'LastName' } }],
};

// Fields change events never carry: identity, recycle-bin flag, the modstamp and derived values.
const SKIPPED = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

interface Layout {
  plain: FieldDef[];
  compounds: Array<{ name: string; parts: Array<[FieldDef, string]> }>;
  /** Stored field name → name used in changedFields/nulledFields. */
  headerName: Map<string, string>;
}

const layouts = new WeakMap<ObjectDef, Layout>();

function layoutOf(obj: ObjectDef): Layout {
  let layout = layouts.get(obj);
  if (layout) return layout;
  const compounds = (COMPOUNDS[obj.name] ?? []).map((c) => ({
    name: c.name,
    parts: Object.entries(c.parts).flatMap(([field, sub]) => {
      const def = obj.fields.get(field);
      return def ? [[def, sub] as [FieldDef, string]] : [];
    }),
  }));
  const inCompound = new Set(compounds.flatMap((c) => c.parts.map(([f]) => f.name)));
  const headerName = new Map<string, string>();
  for (const c of compounds) for (const [f, sub] of c.parts) headerName.set(f.name, `${c.name}.${sub}`);
  const plain = [...obj.fields.values()].filter((f) => !SKIPPED.has(f.name) && !inCompound.has(f.name) && !f.calculated && f.type !== 'base64'
    && !(f.name === 'Name' && compounds.some((c) => c.name === 'Name')));
  for (const f of plain) headerName.set(f.name, f.name);
  layout = { plain, compounds, headerName };
  layouts.set(obj, layout);
  return layout;
}

function fieldsPayload(obj: ObjectDef, rec: Rec | undefined, only?: Set<string>): Rec {
  const layout = layoutOf(obj);
  const out: Rec = {};
  const pick = (f: FieldDef): unknown => (rec && (!only || only.has(f.name)) ? toApi(f, rec[f.name]) : null);
  for (const f of layout.plain) out[f.name] = pick(f);
  for (const c of layout.compounds) {
    const nested: Rec = {};
    let any = false;
    for (const [f, sub] of c.parts) {
      nested[sub] = pick(f);
      if (nested[sub] !== null) any = true;
    }
    out[c.name] = any ? nested : null;
  }
  return out;
}

let commitNumber = 10_650_212_982;

/** The next system change number; taken at commit so numbers follow commit order. */
export function nextCommitNumber(): number {
  return ++commitNumber;
}

/** The `payload` of a CDC event for one change. */
export function cdcPayload(change: Change, commit: number, changeType = change.changeType): Rec {
  const { object: obj, record } = change;
  const layout = layoutOf(obj);
  const header = {
    entityName: obj.name,
    recordIds: [change.id],
    changeType,
    changeOrigin: change.ctx.origin,
    transactionKey: change.transactionKey,
    sequenceNumber: change.sequenceNumber,
    commitTimestamp: change.commitTimestamp,
    commitNumber: commit,
    commitUser: change.ctx.userId,
    nulledFields: change.nulledFields.flatMap((f) => layout.headerName.get(f) ?? []),
    diffFields: [] as string[],
    changedFields: [] as string[],
  };
  let fields: Rec;
  switch (changeType) {
    case 'CREATE': case 'UNDELETE':
      fields = fieldsPayload(obj, record);
      break;
    case 'UPDATE': {
      const only = new Set([...change.changedFields, 'LastModifiedDate']);
      fields = fieldsPayload(obj, record, only);
      header.changedFields = [...change.changedFields.flatMap((f) => layout.headerName.get(f) ?? []), 'LastModifiedDate'];
      break;
    }
    default:
      fields = fieldsPayload(obj, undefined);
  }
  return { ChangeEventHeader: header, ...fields };
}

/** A gap event carries only the header: subscribers re-read the records (or the entity for overflow). */
export function gapPayload(obj: ObjectDef, changeType: string, recordIds: string[], userId: string, now: number): Rec {
  return {
    ChangeEventHeader: {
      entityName: obj.name, recordIds, changeType, changeOrigin: '', transactionKey: `gap-${now}-${commitNumber}`,
      sequenceNumber: 1, commitTimestamp: now, commitNumber: ++commitNumber, commitUser: userId,
      nulledFields: [], diffFields: [], changedFields: [],
    },
    ...fieldsPayload(obj, undefined),
  };
}

export function pushTopicData(type: string, sobject: Rec, createdMs: number): Rec {
  return { event: { type, createdDate: formatDateTime(createdMs) }, sobject };
}

const schemaIds = new WeakMap<ObjectDef, string>();

/** A stable per-object schema id like the real base64-ish schema hash. */
export function schemaId(obj: ObjectDef): string {
  const known = schemaIds.get(obj);
  if (known) return known;
  let h = 2166136261;
  for (const f of obj.fields.keys()) for (const ch of f) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  const id = Buffer.from(`${obj.name}:${h >>> 0}`).toString('base64url').slice(0, 22);
  schemaIds.set(obj, id);
  return id;
}
