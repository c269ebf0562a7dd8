// Event rows with their invitees: a SalesforceRecords wrapper for the event kind.
// Contract:
// - Reads of Event (pages, retrieve) come back with `__attendees` on each live row: the
//   EventRelation invitees' e-mail addresses (Contact, Lead or User) and their Status.
// - Writes of Event take `__attendees` off the row, write the row, then make sure each address
//   that matches a Contact, Lead or User (in that order) has an EventRelation with that Status.
//   Relations are only added or updated, never deleted: Outlook copies we write carry no
//   attendees, so an absent list is no reason to remove invitees.
// - An upsert that lands on an existing event (the same meeting from another mailbox) keeps
//   its owner and relates this mailbox's user to it instead, so it stays in both users' scope.
// - IsRecurrence is dropped from updates (Salesforce accepts it on create only).
// - lookAhead(keys): the owners of the events these upsert keys may land on, looked up now (a
//   feed page's new meetings at once: 100 keys a query, five queries a composite call); an
//   upsert of such a key takes that answer instead of asking per group of 200.
// - sharedEventIds(ownerId): events the user is invited to (EventRelation), for the side's scope.
// - recreateAsSeries: a single event that became a series in Outlook is made again as a series.
import type { SalesforceRecords, SfInput, SfRecord, WriteOutcome } from '../salesforce/records.ts';
import { EXCHANGE_KEY_FIELD, chunks, soqlString } from '../salesforce/records.ts';
import { SalesforceError } from '../salesforce/errors.ts';
import { ATTENDEES_FIELD, parseAttendees, type Attendee } from './events-map.ts';

const PEOPLE = ['Contact', 'Lead', 'User'] as const;

export interface EventRecords extends SalesforceRecords {
  sharedEventIds(ownerId: string): Promise<string[]>;
  /** Looks up now the owners of events with these Exchange keys, for the upserts to come. */
  lookAhead(keys: readonly string[]): void;
  /**
   * Salesforce takes IsRecurrence on create only: a single event that became a series is made
   * again as a series (`row` holds all its fields, the pattern included) with the old event's
   * owner, WhoId, WhatId and invitees (EventRelation), then the old event is deleted. An
   * Exchange key moves to the new series (cleared on the old event first: it is unique; the
   * create is an upsert on it, so a retry after a crash makes no second series). The new Id.
   */
  recreateAsSeries(oldId: string, row: SfInput): Promise<WriteOutcome>;
}

/** Exchange keys per owner lookup query (keys run to ~150 characters; the query is a GET). */
const KEYS_PER_LOOKUP = 100;

export function eventRecords(inner: SalesforceRecords): EventRecords {
  // Exchange key → the owner of the event carrying it (null: none), looked up ahead of its upsert
  const ahead = new Map<string, Promise<string | null>>();

  /** Owners by Exchange key, one query per 100 keys, all asked in this tick. */
  function lookUp(keys: readonly string[]): Map<string, Promise<string | null>> {
    const out = new Map<string, Promise<string | null>>();
    for (const part of chunks([...new Set(keys)], KEYS_PER_LOOKUP)) {
      const rows = all(`SELECT Id, OwnerId, ${EXCHANGE_KEY_FIELD} FROM Event WHERE ${EXCHANGE_KEY_FIELD} IN (${part.map(soqlString).join(', ')})`).then((found) => new Map(found.map((r) => [String(r[EXCHANGE_KEY_FIELD]), String(r.OwnerId)])));
      for (const key of part) out.set(key, rows.then((owners) => owners.get(key) ?? null));
    }
    return out;
  }

  async function all(soql: string): Promise<SfRecord[]> {
    const out: SfRecord[] = [];
    for await (const page of inner.pages(soql)) out.push(...page);
    return out;
  }

  /** Adds `__attendees` to live Event rows. */
  async function enrich(rows: SfRecord[]): Promise<SfRecord[]> {
    const live = rows.filter((r) => r.IsDeleted !== true);
    if (live.length === 0) return rows;
    // one query per 200 events, issued together: records.ts sends them as composite requests
    const relations = (
      await Promise.all(chunks(live.map((r) => r.Id)).map((part) => all(`SELECT Id, EventId, RelationId, Status FROM EventRelation WHERE EventId IN (${part.map(soqlString).join(', ')})`)))
    ).flat();
    const emails = await emailsOf([...new Set(relations.map((r) => String(r.RelationId)))]);
    for (const row of live) {
      const list = relations
        .filter((rel) => rel.EventId === row.Id && emails.has(String(rel.RelationId)))
        .map((rel) => ({ address: emails.get(String(rel.RelationId))!, status: typeof rel.Status === 'string' ? rel.Status : 'New' }))
        .sort((a, b) => (a.address < b.address ? -1 : 1));
      (row as Record<string, unknown>)[ATTENDEES_FIELD] = JSON.stringify(list);
    }
    return rows;
  }

  async function emailsOf(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const byPrefix: Record<string, (typeof PEOPLE)[number]> = { '003': 'Contact', '00Q': 'Lead', '005': 'User' };
    const soql = PEOPLE.flatMap((object) => chunks(ids.filter((id) => byPrefix[id.slice(0, 3)] === object)).map((part) => `SELECT Id, Email FROM ${object} WHERE Id IN (${part.map(soqlString).join(', ')})`));
    for (const rows of await Promise.all(soql.map(all))) {
      for (const r of rows) if (typeof r.Email === 'string' && r.Email) out.set(r.Id, r.Email.toLowerCase());
    }
    return out;
  }

  /** Email → the person record it names: Contact first, then Lead, then User. */
  async function peopleOf(addresses: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const object of PEOPLE) {
      const left = addresses.filter((a) => !out.has(a));
      for (const part of chunks(left, 100)) {
        if (part.length === 0) continue;
        const rows = await all(`SELECT Id, Email FROM ${object} WHERE Email IN (${part.map(soqlString).join(', ')}) ORDER BY Id`);
        for (const r of rows) {
          const email = typeof r.Email === 'string' ? r.Email.toLowerCase() : '';
          if (email && !out.has(email)) out.set(email, r.Id);
        }
      }
    }
    return out;
  }

  async function relate(eventId: string, attendees: Attendee[], extraUser?: string): Promise<void> {
    const people = await peopleOf([...new Set(attendees.map((a) => a.address.toLowerCase()))]);
    const [event] = await all(`SELECT Id, OwnerId FROM Event WHERE Id = ${soqlString(eventId)}`);
    const owner = event ? String(event.OwnerId) : '';
    const existing = new Map((await all(`SELECT Id, RelationId, Status FROM EventRelation WHERE EventId = ${soqlString(eventId)}`)).map((r) => [String(r.RelationId), r]));
    const creates: SfInput[] = [];
    const updates: (SfInput & { Id: string })[] = [];
    const wanted = new Map<string, string>();
    for (const a of attendees) {
      const id = people.get(a.address.toLowerCase());
      if (id) wanted.set(id, a.status);
    }
    if (extraUser && !wanted.has(extraUser)) wanted.set(extraUser, existing.get(extraUser)?.Status as string ?? 'New');
    for (const [relationId, status] of wanted) {
      // the owner is the event's organiser in Salesforce, not an invitee of it
      if (relationId === owner) continue;
      const rel = existing.get(relationId);
      if (!rel) creates.push({ EventId: eventId, RelationId: relationId, IsInvitee: true, Status: status });
      else if (rel.Status !== status && status !== 'New') updates.push({ Id: rel.Id, Status: status });
    }
    if (creates.length) await inner.create('EventRelation', creates);
    if (updates.length) await inner.update('EventRelation', updates);
  }

  function split(rows: readonly SfInput[]): { rows: SfInput[]; attendees: (Attendee[] | undefined)[] } {
    const attendees: (Attendee[] | undefined)[] = [];
    const clean = rows.map((r) => {
      const { [ATTENDEES_FIELD]: list, ...rest } = r;
      attendees.push(list === undefined ? undefined : parseAttendees(list));
      return rest;
    });
    return { rows: clean, attendees };
  }

  async function after(outcomes: WriteOutcome[], attendees: (Attendee[] | undefined)[], extraUsers: (string | undefined)[] = []): Promise<WriteOutcome[]> {
    for (const [i, o] of outcomes.entries()) {
      if (o.ok && (attendees[i] || extraUsers[i])) await relate(o.id, attendees[i] ?? [], extraUsers[i]);
    }
    return outcomes;
  }

  return {
    ...inner,
    async *pages(soql, opts) {
      const isEvent = /\bFROM\s+Event\b/i.test(soql);
      for await (const page of inner.pages(soql, opts)) yield isEvent ? await enrich(page) : page;
    },
    async retrieve(sobject, ids, fields, opts) {
      const rows = await inner.retrieve(sobject, ids, fields, opts);
      return sobject === 'Event' ? enrich(rows) : rows;
    },
    async create(sobject, rows) {
      if (sobject !== 'Event') return inner.create(sobject, rows);
      const { rows: clean, attendees } = split(rows);
      return after(await inner.create(sobject, clean), attendees);
    },
    async update(sobject, rows) {
      if (sobject !== 'Event') return inner.update(sobject, rows);
      const { rows: clean, attendees } = split(rows);
      const noSeriesFlag = clean.map(({ IsRecurrence: _flag, ...rest }) => rest as SfInput & { Id: string });
      return after(await inner.update(sobject, noSeriesFlag), attendees);
    },
    async upsert(sobject, rows, externalIdField) {
      if (sobject !== 'Event' || (externalIdField && externalIdField !== EXCHANGE_KEY_FIELD)) return inner.upsert(sobject, rows, externalIdField);
      const { rows: clean, attendees } = split(rows);
      const keys = clean.map((r) => r[EXCHANGE_KEY_FIELD]).filter((k): k is string => typeof k === 'string');
      // the answers looked up ahead (taken once); the other keys, or a failed lookup, asked now
      const taken = new Map<string, Promise<string | null>>();
      for (const key of keys) {
        const answer = ahead.get(key);
        if (answer) taken.set(key, answer);
        ahead.delete(key);
      }
      const settled = await Promise.all([...taken].map(async ([key, answer]) => [key, await answer.catch(() => undefined)] as const));
      const left = [...keys.filter((k) => !taken.has(k)), ...settled.filter(([, owner]) => owner === undefined).map(([key]) => key)];
      const asked = await Promise.all([...lookUp(left)].map(async ([key, answer]) => [key, await answer] as const));
      const owners = new Map<string, string>();
      for (const [key, owner] of [...settled, ...asked]) if (typeof owner === 'string') owners.set(key, owner);
      const extraUsers: (string | undefined)[] = [];
      const kept = clean.map((r) => {
        const owner = owners.get(String(r[EXCHANGE_KEY_FIELD]));
        if (owner === undefined) {
          extraUsers.push(undefined);
          return r;
        }
        // the same meeting, already in Salesforce: keep its owner, relate this user to it
        const { OwnerId: mine, IsRecurrence: _flag, ...rest } = r;
        extraUsers.push(typeof mine === 'string' && mine !== owner ? mine : undefined);
        return rest;
      });
      return after(await inner.upsert(sobject, kept, externalIdField), attendees, extraUsers);
    },
    async recreateAsSeries(oldId, row) {
      const [old] = await all(`SELECT Id, OwnerId, WhoId, WhatId, ${EXCHANGE_KEY_FIELD} FROM Event WHERE Id = ${soqlString(oldId)}`);
      if (!old) return { ok: false, id: oldId, error: new SalesforceError('not-found', 'ENTITY_IS_DELETED', `Event ${oldId} is gone`) };
      const relations = await all(`SELECT RelationId, Status, IsInvitee FROM EventRelation WHERE EventId = ${soqlString(oldId)}`);
      const { [ATTENDEES_FIELD]: list, ...fields } = row;
      const key = typeof fields[EXCHANGE_KEY_FIELD] === 'string' ? fields[EXCHANGE_KEY_FIELD] : typeof old[EXCHANGE_KEY_FIELD] === 'string' ? old[EXCHANGE_KEY_FIELD] : undefined;
      const carried: SfInput = { ...fields, OwnerId: String(old.OwnerId), IsRecurrence: true };
      for (const f of ['WhoId', 'WhatId'] as const) if (typeof old[f] === 'string') carried[f] = old[f] as string;
      let created: WriteOutcome | undefined;
      if (key) {
        if (old[EXCHANGE_KEY_FIELD] === key) {
          const [cleared] = await inner.update('Event', [{ Id: oldId, [EXCHANGE_KEY_FIELD]: null }]);
          if (cleared && !cleared.ok) return cleared;
        }
        // a series an earlier attempt made (a crash or a failed delete since): take it as it is
        // (an upsert would update it, and Salesforce refuses IsRecurrence on update)
        const [made] = await all(`SELECT Id FROM Event WHERE ${EXCHANGE_KEY_FIELD} = ${soqlString(key)} AND Id != ${soqlString(oldId)} AND IsRecurrence = true`);
        [created] = made ? [{ ok: true, id: made.Id, created: false }] : await inner.upsert('Event', [{ ...carried, [EXCHANGE_KEY_FIELD]: key }]);
      } else {
        [created] = await inner.create('Event', [carried]);
      }
      if (!created?.ok) return created ?? { ok: false, id: oldId, error: new SalesforceError('permanent', 'NO_OUTCOME', 'no outcome for the series create') };
      const owner = String(old.OwnerId);
      const copies = relations
        .filter((r) => String(r.RelationId) !== owner)
        .map((r) => ({ EventId: created!.id, RelationId: String(r.RelationId), IsInvitee: r.IsInvitee !== false, Status: typeof r.Status === 'string' ? r.Status : 'New' }));
      const existing = new Set((await all(`SELECT RelationId FROM EventRelation WHERE EventId = ${soqlString(created.id)}`)).map((r) => String(r.RelationId)));
      const missing = copies.filter((c) => !existing.has(c.RelationId));
      if (missing.length) await inner.create('EventRelation', missing);
      if (list !== undefined) await relate(created.id, parseAttendees(list));
      // the old event must go before the link moves (left behind it would be copied again):
      // a failed delete fails the write, and the next run upserts the same series and retries
      const [removed] = await inner.destroy([oldId]);
      if (removed && !removed.ok && removed.error.code !== 'ENTITY_IS_DELETED') return removed;
      return created;
    },
    lookAhead(keys) {
      const fresh = keys.filter((k) => !ahead.has(k));
      for (const [key, answer] of lookUp(fresh)) {
        // a failed lookup is asked again by its upsert
        answer.catch(() => undefined);
        ahead.set(key, answer);
      }
    },
    async sharedEventIds(ownerId) {
      const rows = await all(`SELECT EventId FROM EventRelation WHERE RelationId = ${soqlString(ownerId)}`);
      return [...new Set(rows.map((r) => String(r.EventId)))];
    },
  };
}
