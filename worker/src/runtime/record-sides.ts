// Contacts and tasks on the core's field maps (core/maps/contact.ts, task.ts): the kind
// plug-in sides for one run. Contract:
// - Describe limits (Contact, Task) and the user's time zone are loaded once a run and handed
//   to the pure maps; creates map every field, updates only what the patch names.
// - What a map reports (a value cut to its Salesforce limit, an address not sent, a status
//   To Do lacks) becomes a Skipped issue on the item, in words a user understands.
// - Stamps: after the run, every linked Exchange item seen without the SalesforceId stamp
//   (an Outlook-born item just created in Salesforce, a natural-key match) is patched with
//   the stamp alone, guarded by the version its link holds; the link then records the
//   item's new version, so the next run sees no change. A refused stamp waits for the next run.
//   A linked record seen with a stamp naming another partner (the survivor of an
//   edit-beats-delete, linked to the copy made again) is re-stamped the same way: the Exchange
//   item with the new Salesforce Id, the Salesforce record with the new Exchange key (only a key
//   of this mailbox: another mailbox's key is that mailbox's business). Left stale, a restore of
//   the deleted record would be created under the survivor's stamp and take the survivor over.
import type { FieldLimits, MapIssue } from '../core/limits.ts';
import * as contact from '../core/maps/contact.ts';
import * as task from '../core/maps/task.ts';
import type { RecordSide, WriteResult } from '../core/ports.ts';
import { groupCommit } from '../core/sync.ts';
import type { Change, FieldValue, Fields, Kind, Link, SideRecord } from '../core/types.ts';
import { SALESFORCE_ID_PROPERTY, type ExchangeItem } from '../graph/delta.ts';
import { createExchangeSide } from '../graph/exchange-side.ts';
import type { SalesforceRecords, SfInput, SfRecord } from '../salesforce/records.ts';
import { EXCHANGE_KEY_FIELD, soqlString } from '../salesforce/records.ts';
import { createSalesforceSide, type SalesforceKindMap } from '../salesforce/side.ts';
import { runUser, userZone } from './user-zone.ts';
import { linkStoreOf } from '../store/link-store.ts';
import type { Store } from '../store/types.ts';
import type { KindSidesContext } from './events.ts';

/** What a kind's `sides` hook gets from the runtime. */
export interface KindRunContext extends KindSidesContext {
  mailboxId: string;
  store: Store;
  /** Add the category backstop read to the feed read (default true; false on incremental runs hinted from a container). */
  backstop?: boolean;
}

/** A kind's sides for one run; afterRun runs once the run's sync succeeded. */
export interface KindSides {
  salesforce: RecordSide;
  exchange: RecordSide;
  afterRun?(): Promise<void>;
}

type RecordKind = 'contact' | 'task';

/** Ids per link lookup when stamping after a run. */
const STAMP_LOOKUP_CHUNK = 1_000;
/** Exchange stamps in flight after a run (ten $batches of 20). */
const STAMPS_IN_FLIGHT = 200;

/** Maps of one kind with this run's limits, zone and category bound in. */
interface BoundMaps {
  salesforce: SalesforceKindMap;
  fromExchange(item: ExchangeItem): Fields;
  toExchange(fields: Fields, issues: MapIssue[]): Record<string, unknown>;
  exchangePatch(patch: Fields, current: Fields, issues: MapIssue[]): Record<string, unknown>;
  salesforcePatch(patch: Fields, issues: MapIssue[]): SfInput;
}

const words = (others: readonly SideRecord[], name: string): string[] => [
  ...new Set(others.map((o) => o.fields[name]).filter((v): v is string => typeof v === 'string' && v !== '')),
];
/** `Field IN (…)` conditions of at most 100 values each. */
function inClauses(field: string, values: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < values.length; i += 100) out.push(`${field} IN (${values.slice(i, i + 100).map(soqlString).join(', ')})`);
  return out;
}

export function contactMaps(limits: FieldLimits, category: string): BoundMaps {
  const salesforcePatch = (patch: Fields, issues: MapIssue[]): SfInput => contact.salesforcePatch(patch, limits, issues);
  return {
    salesforce: {
      sobject: 'Contact',
      fields: [...contact.SALESFORCE_FIELDS, 'Account.Name'],
      toFields: (r: SfRecord) => contact.fromSalesforce(r as contact.SalesforceContact),
      toRecord: (fields) => salesforcePatch(fields, []),
      naturalKeyWhere: (others) => [...inClauses('Email', words(others, 'email')), ...inClauses('LastName', words(others, 'lastName'))],
    },
    fromExchange: (item) => contact.fromExchange(item as contact.GraphContact),
    toExchange: (fields, issues) => ({ ...contact.toExchange(fields, category, issues) }),
    exchangePatch: (patch, current, issues) => ({ ...contact.exchangePatch(patch, current, issues) }),
    salesforcePatch,
  };
}

export function taskMaps(limits: FieldLimits, category: string, zone: string): BoundMaps {
  const salesforcePatch = (patch: Fields, issues: MapIssue[]): SfInput => ({ ...task.salesforcePatch(patch, limits, issues) }) as SfInput;
  return {
    salesforce: {
      sobject: 'Task',
      fields: task.SALESFORCE_FIELDS,
      toFields: (r: SfRecord) => task.fromSalesforce(r as task.SalesforceTask),
      toRecord: (fields) => salesforcePatch(fields, []),
      naturalKeyWhere: (others) => inClauses('Subject', words(others, 'subject')),
    },
    fromExchange: (item) => task.fromExchange(item as task.GraphTodoTask, zone),
    toExchange: (fields, issues) => ({ ...task.toExchange(fields, zone, category, issues) }),
    exchangePatch: (patch, _current, issues) => ({ ...task.exchangePatch(patch, zone, issues) }),
    salesforcePatch,
  };
}

/** Text lengths from describe: the limits the maps cut to (picklists and dates have none). */
export async function describeLimits(records: SalesforceRecords, sobject: string): Promise<FieldLimits> {
  const out: Record<string, number> = {};
  for (const [name, f] of await records.fieldLimits(sobject)) {
    if (f.length > 0 && ['string', 'textarea', 'phone', 'email', 'url'].includes(f.type)) out[name] = f.length;
  }
  return out;
}

// A Graph body worked out by the wrapper (it knows the item and the run's issues) rides to the
// connector's map under this name; no field map produces a name starting with '@'.
const GRAPH_BODY = '@graphBody';
// A new Exchange key for a Salesforce record's stamp rides to the connector's map under this name.
const SALESFORCE_STAMP = '@exchangeKey';

const OBJECT: Record<RecordKind, string> = { contact: 'Contact', task: 'Task' };

/** A map report in a user's words. */
export function issueMessage(kind: RecordKind, issue: MapIssue, target: 'Salesforce' | 'Outlook'): string {
  const what = `${OBJECT[kind]} ${issue.field}`;
  if (issue.code === 'truncated') return `${what} was longer than ${target} allows and was shortened (${issue.message}).`;
  if (issue.code === 'invalid-email') return `${what} is not a valid email address, so it was not written to ${target}.`;
  return `${what}: ${issue.message}.`;
}

export async function recordSides(kind: RecordKind, ctx: KindRunContext): Promise<KindSides> {
  const { config, provisioned, records, store, mailboxId } = ctx;
  const category = provisioned.categoryName;
  const maps =
    kind === 'contact'
      ? contactMaps(await describeLimits(records, 'Contact'), category)
      : taskMaps(await describeLimits(records, 'Task'), category, await userZone(ctx.user ?? runUser(records, config.userId)));

  async function report(issues: readonly MapIssue[], target: 'Salesforce' | 'Outlook', ids: { salesforceId?: string | undefined; exchangeId?: string | undefined }): Promise<void> {
    for (const issue of issues) {
      await store.openIssue({
        mailboxId,
        kind: 'Skipped',
        objectType: OBJECT[kind],
        salesforceId: ids.salesforceId ?? null,
        exchangeId: ids.exchangeId ?? null,
        message: issueMessage(kind, issue, target),
        issueKey: `map:${mailboxId}:${kind}:${ids.salesforceId ?? ''}:${ids.exchangeId ?? ''}:${issue.field}:${issue.code}`,
      });
    }
  }

  const sfMap: SalesforceKindMap = {
    ...maps.salesforce,
    toRecord: (fields) => {
      const stamp = fields[SALESFORCE_STAMP];
      return typeof stamp === 'string' ? { [EXCHANGE_KEY_FIELD]: stamp } : maps.salesforce.toRecord(fields);
    },
  };
  const sfInner = createSalesforceSide({ records, maps: { [kind]: sfMap }, ownerId: config.userId, contactScope: config.contactScope, now: ctx.now, mailbox: mailboxId });
  const exchangeKeyPrefix = `${kind}:${mailboxId}:`;
  // What this run saw of each Salesforce record stamped with an Exchange key of this mailbox (the
  // only ones the after-run pass may re-stamp): id → version and stamp. Others are not kept, so an
  // initial sync of 100,000 unstamped records holds none.
  const sfSeen = new Map<string, { version: string; stamp: string | undefined }>();
  const noteSalesforce = (record: SideRecord): void => {
    if (record.stamp?.startsWith(exchangeKeyPrefix)) sfSeen.set(record.id, { version: record.version, stamp: record.stamp });
    else sfSeen.delete(record.id);
  };
  const salesforce: RecordSide = {
    ...sfInner,
    async changesSince(k, cursor) {
      const page = await sfInner.changesSince(k, cursor);
      for (const c of page.changes) if (c.type === 'upsert') noteSalesforce(c.record);
      return page;
    },
    async get(k, id) {
      const current = await sfInner.get(k, id);
      if (typeof current === 'object' && !('deleted' in current)) noteSalesforce(current);
      return current;
    },
    async create(k, key, fields) {
      const issues: MapIssue[] = [];
      maps.salesforcePatch(fields, issues);
      const result = await sfInner.create(k, key, fields);
      const exchangeId = key.startsWith(exchangeKeyPrefix) ? key.slice(exchangeKeyPrefix.length) : undefined;
      if (result.ok) await report(issues, 'Salesforce', { salesforceId: result.record.id, exchangeId });
      return result;
    },
    async update(k, id, expectedVersion, patch) {
      const issues: MapIssue[] = [];
      maps.salesforcePatch(patch, issues);
      const result = await sfInner.update(k, id, expectedVersion, patch);
      if (result.ok) await report(issues, 'Salesforce', { salesforceId: id });
      return result;
    },
  };

  // Exchange items whose fields the map could not read (a malformed due date, …): id → why.
  // Such an item is left out of the run and reported on its own, so the rest of the mailbox
  // syncs; delta hands it back when it changes, and it is read again then.
  const unreadable = new Map<string, string>();
  const readFields = (item: ExchangeItem): Fields => {
    try {
      const fields = maps.fromExchange(item);
      unreadable.delete(item.id);
      return fields;
    } catch (error) {
      const name = [item.title, item.displayName, item.subject].find((v): v is string => typeof v === 'string' && v !== '');
      const why = error instanceof Error ? error.message : String(error);
      unreadable.set(item.id, name === undefined ? why : `"${name.slice(0, 80)}": ${why}`);
      return {};
    }
  };
  async function reportUnreadable(changes: readonly Change[]): Promise<Change[]> {
    const kept: Change[] = [];
    for (const c of changes) {
      const why = c.type === 'upsert' ? unreadable.get(c.record.id) : undefined;
      if (why === undefined) {
        kept.push(c);
        continue;
      }
      const id = c.type === 'upsert' ? c.record.id : '';
      await store.openIssue({
        mailboxId,
        kind: 'Skipped',
        objectType: OBJECT[kind],
        salesforceId: c.type === 'upsert' ? (c.record.stamp ?? null) : null,
        exchangeId: id,
        message: `Outlook ${kind} ${why.startsWith('"') ? why.replace(': ', ' was not synced: its ') : `was not synced: its ${why}`}. Correct it in Outlook and it syncs on the next run.`,
        issueKey: `read:${mailboxId}:${kind}:${id}`,
      });
    }
    return kept;
  }

  const graphSide = createExchangeSide({
    client: ctx.graph,
    mailbox: config.mailboxAddress,
    containers: provisioned,
    // creates a crashed run noted but never linked may have reached Graph: they keep the stamp lookup
    notedCreates: async (k) => {
      // the noted links alone: every link of a 100,000-contact mailbox would be held for this
      const links = await linkStoreOf(store).transaction((tx) => (tx.notedLinks ? tx.notedLinks(mailboxId, k) : tx.links(mailboxId, k)));
      return new Set(links.flatMap((l) => (l.pending?.create?.side === 'exchange' ? [l.pending.create.key] : [])));
    },
    map: {
      toFields: (_k, item) => readFields(item),
      toGraph: (_k, fields, mode) => {
        const body = fields[GRAPH_BODY];
        if (body && typeof body === 'object' && !Array.isArray(body)) return body;
        return mode === 'create' ? maps.toExchange(fields, []) : maps.exchangePatch(fields, {}, []);
      },
    },
  });

  // What this run saw of each Exchange item: its version and stamp (the after-run stamp pass), and,
  // for the items of the last feed page read, the fields a patch is laid over. Fields are not kept
  // past their page: a run over 100,000 items holds one page of them (an update of an item of an
  // earlier page reads it again).
  const seen = new Map<string, { version: string; stamp: string | undefined }>();
  const seenFields = new Map<string, SideRecord>();
  const note = (record: SideRecord): void => {
    seen.set(record.id, { version: record.version, stamp: record.stamp });
    seenFields.set(record.id, record);
  };
  const noteChanges = (changes: readonly Change[]): void => {
    seenFields.clear();
    for (const c of changes) if (c.type === 'upsert') note(c.record);
  };
  const asBody = (body: Record<string, unknown>): Fields => ({ [GRAPH_BODY]: body as FieldValue });

  const exchange: RecordSide = {
    ...graphSide,
    async changesSince(k, cursor) {
      const page = await graphSide.changesSince(k, cursor);
      // Items given the category outside our containers send no notification from the container's
      // subscription and the side reads them only on a first read: add that backstop read to the
      // run unless the runtime says the run's hints came from the container only.
      // (once a run: with the last page of a read cut into several)
      const read = cursor === null || page.listing === 'forbidden' || ctx.backstop === false || page.more === true ? page.changes : [...page.changes, ...(await graphSide.backstop(k))];
      const changes = await reportUnreadable(read);
      noteChanges(changes);
      return { ...page, changes };
    },
    async get(k, id) {
      const current = await graphSide.get(k, id);
      const why = unreadable.get(id);
      // an item the map cannot read must not be taken for one whose fields were all cleared
      if (why !== undefined) throw new Error(`Outlook ${kind} ${id} could not be read: its ${why}`);
      if (typeof current === 'object' && !('deleted' in current)) note(current);
      return current;
    },
    async candidates(k, others, keep) {
      const all = await graphSide.candidates(k, others, keep);
      return all.filter((r) => !unreadable.has(r.id));
    },
    async create(k, key, fields): Promise<WriteResult> {
      const issues: MapIssue[] = [];
      const result = await graphSide.create(k, key, asBody(maps.toExchange(fields, issues)));
      if (result.ok) await report(issues, 'Outlook', { salesforceId: key, exchangeId: result.record.id });
      return result;
    },
    async update(k, id, expectedVersion, patch): Promise<WriteResult> {
      let current = seenFields.get(id);
      // Only a contact's address line or name change needs the item's other values; read
      // them when this run has not seen the item at the expected version.
      const needsCurrent = kind === 'contact' && Object.keys(patch).some((n) => n.startsWith('mailing') || n === 'firstName' || n === 'lastName');
      if (needsCurrent && (!current || current.version !== expectedVersion)) {
        const now = await graphSide.get(k, id);
        current = typeof now === 'object' && !('deleted' in now) ? now : undefined;
      }
      const issues: MapIssue[] = [];
      const result = await graphSide.update(k, id, expectedVersion, asBody(maps.exchangePatch(patch, current?.fields ?? {}, issues)));
      if (result.ok) {
        // Graph echoes no extended property on a patch: a field patch left the stamp as it was
        const stamp = result.record.stamp ?? seen.get(id)?.stamp;
        note(stamp === undefined ? result.record : { ...result.record, stamp });
        await report(issues, 'Outlook', { exchangeId: id });
      }
      return result;
    },
  };

  /** Salesforce ids match on their case-sensitive 15-character form (a stamp may hold either form). */
  const sameSalesforceId = (a: string, b: string): boolean => a.slice(0, 15) === b.slice(0, 15);
  /** Linked Exchange items seen at their link's version without the link's Salesforce Id as stamp. */
  const exchangeStampDue = (l: Link): boolean => {
    const item = seen.get(l.exchange.id);
    return item !== undefined && item.version === l.exchange.version && (item.stamp === undefined || !sameSalesforceId(item.stamp, l.salesforce.id));
  };
  /** Linked Salesforce records seen at their link's version stamped with another Exchange key of this mailbox. */
  const salesforceStampDue = (l: Link): boolean => {
    const record = sfSeen.get(l.salesforce.id);
    const stamp = record?.stamp;
    return record?.version === l.salesforce.version && stamp !== undefined && stamp.startsWith(exchangeKeyPrefix) && stamp !== exchangeKeyPrefix + l.exchange.id;
  };

  async function stampLinked(): Promise<void> {
    const linkStore = linkStoreOf(store);
    // only links of what this run saw can be due: they are looked up by those ids, a chunk at a
    // time, so a run never holds every link of the mailbox (100,000 contacts: 100,000 links)
    await stampExchange(linkStore, await dueLinks(linkStore, { exchange: [...seen.keys()] }, exchangeStampDue));
    // after the Exchange stamps: a link both touch is read again so its new Exchange version stays
    const keyed = [...sfSeen].flatMap(([id, r]) => (r.stamp?.startsWith(exchangeKeyPrefix) ? [id] : []));
    await stampSalesforce(linkStore, await dueLinks(linkStore, { salesforce: keyed }, salesforceStampDue));
  }

  /** The settled links holding one of these ids that `due` accepts (looked up in chunks). */
  async function dueLinks(linkStore: ReturnType<typeof linkStoreOf>, ids: { salesforce?: readonly string[]; exchange?: readonly string[] }, due: (l: Link) => boolean): Promise<Link[]> {
    const out: Link[] = [];
    const salesforceIds = ids.salesforce ?? [];
    const exchangeIds = ids.exchange ?? [];
    for (let i = 0; i < Math.max(salesforceIds.length, exchangeIds.length); i += STAMP_LOOKUP_CHUNK) {
      const part = { salesforce: salesforceIds.slice(i, i + STAMP_LOOKUP_CHUNK), exchange: exchangeIds.slice(i, i + STAMP_LOOKUP_CHUNK) };
      const links = await linkStore.transaction(async (tx) =>
        tx.linksOf ? tx.linksOf(mailboxId, kind as Kind, part) : (await tx.links(mailboxId, kind as Kind)).filter((l) => part.salesforce.includes(l.salesforce.id) || part.exchange.includes(l.exchange.id)),
      );
      for (const l of links) if (l.pending === undefined && due(l)) out.push(l);
    }
    return out;
  }

  async function stampExchange(linkStore: ReturnType<typeof linkStoreOf>, due: readonly Link[]): Promise<void> {
    // Up to 200 stamps in flight: the side sends them as $batches of 20 (four side by side under
    // a backlog), and the links of the stamps one $batch answered are committed together.
    const commitTogether = groupCommit(linkStore);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < due.length) {
        const link = due[next++]!;
        const body = { singleValueExtendedProperties: [{ id: SALESFORCE_ID_PROPERTY, value: link.salesforce.id }] };
        let result: WriteResult;
        try {
          result = await graphSide.update(kind, link.exchange.id, link.exchange.version, asBody(body));
        } catch (error) {
          ctx.log?.('could not stamp an Exchange item', { exchangeId: link.exchange.id, err: error instanceof Error ? error.message : String(error) });
          continue;
        }
        // edited or gone since: the next run sees the item and stamps it then
        if (!result.ok) continue;
        seen.set(link.exchange.id, { version: result.record.version, stamp: link.salesforce.id });
        await commitTogether((tx) => tx.putLink({ ...link, exchange: { ...link.exchange, version: result.record.version } }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAMPS_IN_FLIGHT, due.length) }, lane));
  }

  async function stampSalesforce(linkStore: ReturnType<typeof linkStoreOf>, due: readonly Link[]): Promise<void> {
    // the side sends the updates issued together as collection calls
    const results = await Promise.all(
      due.map(async (link) => {
        try {
          return await sfInner.update(kind, link.salesforce.id, link.salesforce.version, { [SALESFORCE_STAMP]: exchangeKeyPrefix + link.exchange.id });
        } catch (error) {
          ctx.log?.('could not stamp a Salesforce record', { salesforceId: link.salesforce.id, err: error instanceof Error ? error.message : String(error) });
          return undefined;
        }
      }),
    );
    const stamped: Link[] = [];
    for (const [n, result] of results.entries()) {
      // edited or gone since: the next run sees the record and stamps it then
      if (!result?.ok) continue;
      const link = due[n]!;
      sfSeen.set(link.salesforce.id, { version: result.record.version, stamp: exchangeKeyPrefix + link.exchange.id });
      stamped.push({ ...link, salesforce: { ...link.salesforce, version: result.record.version } });
    }
    // their links in one transaction
    if (stamped.length > 0) {
      await linkStore.transaction(async (tx) => {
        for (const link of stamped) await tx.putLink(link);
      });
    }
  }

  return { salesforce, exchange, afterRun: stampLinked };
}
