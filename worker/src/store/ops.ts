// The Store operations over one Kysely executor (the pool or an open transaction), identical SQL
// for SQLite and PostgreSQL. Rows are mapped to camelCase objects; bigint strings become numbers.
import { hashClientState } from '../client-state.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import { open as openSealed, seal } from './cipher.ts';
import type { Database } from './schema.ts';
import { PENDING_KEY } from './types.ts';
import type {
  Cursor,
  Hint,
  Issue,
  IssueInput,
  Link,
  LinkInput,
  Mailbox,
  MailboxInput,
  MailboxPatch,
  MailboxState,
  Plan,
  Run,
  Side,
  StoreOps,
  Subscription,
} from './types.ts';

/** Hint source recorded by Sync now: makes a mailbox runnable whatever its plan. */
export const SYNC_NOW_SOURCE = 'sync-now';

type Executor = Kysely<Database> | Transaction<Database>;

export interface OpsContext {
  clock: () => number;
  key: Buffer | undefined;
}

const num = (v: number | string | null | undefined): number => Number(v ?? 0);
const numOrNull = (v: number | string | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export { hashClientState };

function toMailbox(r: Database['mailboxes']): Mailbox {
  return {
    id: r.id,
    address: r.address,
    salesforceUserId: r.salesforce_user_id,
    settings: parseJson(r.settings, {}),
    state: r.state as MailboxState,
    plan: r.plan as Plan,
    nextRunAt: numOrNull(r.next_run_at),
    retryAt: numOrNull(r.retry_at),
    backoffAttempts: num(r.backoff_attempts),
    lastError: r.last_error,
    lastRunAt: numOrNull(r.last_run_at),
    lastSuccessAt: numOrNull(r.last_success_at),
    itemsSynced: num(r.items_synced),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

/** Ids a link lookup binds per statement. */
const LINK_IDS_PER_QUERY = 500;

function toLink(r: { id: number | string } & Omit<Database['links'], 'id'>): Link {
  return {
    id: Number(r.id),
    mailboxId: r.mailbox_id,
    kind: r.kind,
    salesforceId: r.salesforce_id,
    exchangeId: r.exchange_id,
    sfVersion: r.sf_version,
    exVersion: r.ex_version,
    sfHash: r.sf_hash,
    exHash: r.ex_hash,
    naturalKey: r.natural_key,
    base: parseJson(r.base, {}),
    updatedAt: num(r.updated_at),
  };
}

function toIssue(r: { id: number | string } & Omit<Database['issues'], 'id'>): Issue {
  return {
    id: Number(r.id),
    mailboxId: r.mailbox_id,
    kind: r.kind as Issue['kind'],
    objectType: r.object_type,
    salesforceId: r.salesforce_id,
    exchangeId: r.exchange_id,
    message: r.message,
    details: parseJson(r.details, {}),
    occurredAt: num(r.occurred_at),
    resolved: Number(r.resolved) === 1,
    resolvedAt: numOrNull(r.resolved_at),
    syncedToSalesforce: Number(r.synced_to_salesforce) === 1,
    salesforceRecordId: r.salesforce_record_id,
    issueKey: r.issue_key,
  };
}

function toHint(r: Database['hints']): Hint {
  return {
    mailboxId: r.mailbox_id,
    source: r.source,
    firstReceivedAt: num(r.first_received_at),
    receivedAt: num(r.received_at),
    count: num(r.count),
  };
}

function toSubscription(r: Database['subscriptions']): Subscription {
  return {
    id: r.id,
    mailboxId: r.mailbox_id,
    resource: r.resource,
    expiresAt: num(r.expires_at),
    clientStateHash: r.client_state_hash,
    createdAt: num(r.created_at),
  };
}

function mailboxColumns(patch: MailboxPatch): Partial<Database['mailboxes']> {
  const out: Partial<Database['mailboxes']> = {};
  if (patch.address !== undefined) out.address = patch.address;
  if (patch.salesforceUserId !== undefined) out.salesforce_user_id = patch.salesforceUserId;
  if (patch.settings !== undefined) out.settings = JSON.stringify(patch.settings);
  if (patch.state !== undefined) out.state = patch.state;
  if (patch.plan !== undefined) out.plan = patch.plan;
  if (patch.nextRunAt !== undefined) out.next_run_at = patch.nextRunAt;
  if (patch.retryAt !== undefined) out.retry_at = patch.retryAt;
  if (patch.backoffAttempts !== undefined) out.backoff_attempts = patch.backoffAttempts;
  if (patch.lastError !== undefined) out.last_error = patch.lastError;
  if (patch.lastRunAt !== undefined) out.last_run_at = patch.lastRunAt;
  if (patch.lastSuccessAt !== undefined) out.last_success_at = patch.lastSuccessAt;
  if (patch.itemsSynced !== undefined) out.items_synced = patch.itemsSynced;
  return out;
}

export function makeOps(db: Executor, ctx: OpsContext): StoreOps {
  const { clock } = ctx;
  const requireKey = (): Buffer => {
    if (!ctx.key) throw new Error('this store was opened without an encryption key; set ENCRYPTION_KEY');
    return ctx.key;
  };

  const ops: StoreOps = {
    async upsertMailbox(input: MailboxInput) {
      const now = clock();
      const row = {
        id: input.id,
        address: input.address,
        salesforce_user_id: input.salesforceUserId ?? null,
        settings: JSON.stringify(input.settings ?? {}),
        state: input.state ?? 'new',
        plan: input.plan ?? 'Basic',
        next_run_at: input.nextRunAt ?? null,
        retry_at: null,
        backoff_attempts: 0,
        last_error: null,
        last_run_at: null,
        last_success_at: null,
        items_synced: 0,
        created_at: now,
        updated_at: now,
      };
      // Re-provisioning refreshes configuration but keeps schedule, counters and errors.
      const update: Partial<Database['mailboxes']> = {
        address: row.address,
        settings: row.settings,
        updated_at: now,
        ...(input.salesforceUserId !== undefined ? { salesforce_user_id: row.salesforce_user_id } : {}),
        ...(input.state !== undefined ? { state: row.state } : {}),
        ...(input.plan !== undefined ? { plan: row.plan } : {}),
        ...(input.nextRunAt !== undefined ? { next_run_at: row.next_run_at } : {}),
      };
      await db.insertInto('mailboxes').values(row).onConflict((oc) => oc.column('id').doUpdateSet(update)).execute();
      const saved = await ops.getMailbox(input.id);
      if (!saved) throw new Error(`mailbox ${input.id} vanished after upsert`);
      return saved;
    },

    async getMailbox(id) {
      const r = await db.selectFrom('mailboxes').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toMailbox(r) : undefined;
    },

    async listMailboxes() {
      const rows = await db.selectFrom('mailboxes').selectAll().orderBy('id').execute();
      return rows.map(toMailbox);
    },

    async updateMailbox(id, patch) {
      await db
        .updateTable('mailboxes')
        .set({ ...mailboxColumns(patch), updated_at: clock() })
        .where('id', '=', id)
        .execute();
      return ops.getMailbox(id);
    },

    async deleteMailbox(id) {
      await db.deleteFrom('mailboxes').where('id', '=', id).execute();
    },

    async listRunnableMailboxes(now, limit = 100) {
      const rows = await db
        .selectFrom('mailboxes as m')
        .selectAll('m')
        .where('m.state', '=', 'active')
        .where((eb) => eb.or([eb('m.retry_at', 'is', null), eb('m.retry_at', '<=', now)]))
        .where((eb) =>
          eb.or([
            eb.and([eb('m.next_run_at', 'is not', null), eb('m.next_run_at', '<=', now)]),
            // Real-time mailboxes run on any hint; every plan runs on a Sync now request.
            eb.exists(
              eb
                .selectFrom('hints as h')
                .select('h.mailbox_id')
                .whereRef('h.mailbox_id', '=', 'm.id')
                .where((h) => h.or([h('h.source', '=', SYNC_NOW_SOURCE), h('m.plan', '=', 'Real-time')])),
            ),
          ]),
        )
        .orderBy('m.next_run_at')
        .orderBy('m.id')
        .limit(limit)
        .execute();
      return rows.map(toMailbox);
    },

    async putLink(input: LinkInput) {
      const now = clock();
      let existing: Link | undefined;
      if (input.salesforceId) existing = await ops.getLinkBySalesforceId(input.mailboxId, input.kind, input.salesforceId);
      if (!existing && input.exchangeId) existing = await ops.getLinkByExchangeId(input.mailboxId, input.kind, input.exchangeId);
      const fields: Partial<Omit<Database['links'], 'id'>> = {};
      if (input.salesforceId !== undefined) fields.salesforce_id = input.salesforceId;
      if (input.exchangeId !== undefined) fields.exchange_id = input.exchangeId;
      if (input.sfVersion !== undefined) fields.sf_version = input.sfVersion;
      if (input.exVersion !== undefined) fields.ex_version = input.exVersion;
      if (input.sfHash !== undefined) fields.sf_hash = input.sfHash;
      if (input.exHash !== undefined) fields.ex_hash = input.exHash;
      if (input.naturalKey !== undefined) fields.natural_key = input.naturalKey;
      if (input.base !== undefined) fields.base = JSON.stringify(input.base);
      if (existing) {
        await db
          .updateTable('links')
          .set({ ...fields, updated_at: now })
          .where('id', '=', existing.id)
          .execute();
        const r = await db.selectFrom('links').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow();
        return toLink(r);
      }
      const r = await db
        .insertInto('links')
        .values({
          mailbox_id: input.mailboxId,
          kind: input.kind,
          salesforce_id: input.salesforceId ?? null,
          exchange_id: input.exchangeId ?? null,
          sf_version: input.sfVersion ?? null,
          ex_version: input.exVersion ?? null,
          sf_hash: input.sfHash ?? null,
          ex_hash: input.exHash ?? null,
          natural_key: input.naturalKey ?? null,
          base: JSON.stringify(input.base ?? {}),
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toLink(r);
    },

    async getLinkBySalesforceId(mailboxId, kind, salesforceId) {
      const r = await db
        .selectFrom('links')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .where('kind', '=', kind)
        .where('salesforce_id', '=', salesforceId)
        .executeTakeFirst();
      return r ? toLink(r) : undefined;
    },

    async getLinkByExchangeId(mailboxId, kind, exchangeId) {
      const r = await db
        .selectFrom('links')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .where('kind', '=', kind)
        .where('exchange_id', '=', exchangeId)
        .executeTakeFirst();
      return r ? toLink(r) : undefined;
    },

    async findLinksByNaturalKey(mailboxId, kind, naturalKey) {
      const rows = await db
        .selectFrom('links')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .where('kind', '=', kind)
        .where('natural_key', '=', naturalKey)
        .orderBy('id')
        .execute();
      return rows.map(toLink);
    },

    async listLinks(mailboxId, kind) {
      let q = db.selectFrom('links').selectAll().where('mailbox_id', '=', mailboxId);
      if (kind !== undefined) q = q.where('kind', '=', kind);
      const rows = await q.orderBy('id').execute();
      return rows.map(toLink);
    },

    async listLinksByIds(mailboxId, kind, ids) {
      const out: Link[] = [];
      const seen = new Set<number>();
      const take = (rows: ({ id: number | string } & Omit<Database['links'], 'id'>)[]): void => {
        for (const r of rows) {
          const link = toLink(r);
          if (!seen.has(link.id)) out.push(link);
          seen.add(link.id);
        }
      };
      // IN lists in chunks: SQLite binds at most 32,766 parameters a statement, Postgres 65,535
      for (const [column, values] of [['salesforce_id', ids.salesforceIds], ['exchange_id', ids.exchangeIds]] as const) {
        const distinct = [...new Set(values)];
        for (let i = 0; i < distinct.length; i += LINK_IDS_PER_QUERY) {
          const part = distinct.slice(i, i + LINK_IDS_PER_QUERY);
          take(await db.selectFrom('links').selectAll().where('mailbox_id', '=', mailboxId).where('kind', '=', kind).where(column, 'in', part).execute());
        }
      }
      return out.sort((a, b) => a.id - b.id);
    },

    async listNotedLinks(mailboxId, kind) {
      // the note is a top-level key of the base JSON; a user value quoting it only adds a row the caller filters
      const rows = await db
        .selectFrom('links')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .where('kind', '=', kind)
        .where((eb) => eb.or([eb('base', 'like', `%"${PENDING_KEY}"%`), eb('salesforce_id', 'is', null), eb('exchange_id', 'is', null)]))
        .orderBy('id')
        .execute();
      return rows.map(toLink);
    },

    async countLinks(mailboxId, kind) {
      const r = await db
        .selectFrom('links')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('mailbox_id', '=', mailboxId)
        .where('kind', '=', kind)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },

    async deleteLink(id) {
      await db.deleteFrom('links').where('id', '=', id).execute();
    },

    async deleteLinkBySalesforceId(mailboxId, kind, salesforceId) {
      await db.deleteFrom('links').where('mailbox_id', '=', mailboxId).where('kind', '=', kind).where('salesforce_id', '=', salesforceId).execute();
    },

    async replaceLink(input) {
      if (!input.salesforceId && !input.exchangeId) {
        await ops.putLink(input);
        return;
      }
      // The sync writes two links an item (its write-ahead note, then the link): plain SQL
      // (Kysely's builder cost more than SQLite's work) and nothing read back. After the delete
      // no row holds either id, so the insert needs none of putLink's lookups.
      const either =
        input.salesforceId && input.exchangeId
          ? sql`(salesforce_id = ${input.salesforceId} or exchange_id = ${input.exchangeId})`
          : input.salesforceId
            ? sql`salesforce_id = ${input.salesforceId}`
            : sql`exchange_id = ${input.exchangeId}`;
      await sql`delete from links where mailbox_id = ${input.mailboxId} and kind = ${input.kind} and ${either}`.execute(db);
      await sql`insert into links (mailbox_id, kind, salesforce_id, exchange_id, sf_version, ex_version, sf_hash, ex_hash, natural_key, base, updated_at) values (${input.mailboxId}, ${input.kind}, ${input.salesforceId ?? null}, ${input.exchangeId ?? null}, ${input.sfVersion ?? null}, ${input.exVersion ?? null}, ${input.sfHash ?? null}, ${input.exHash ?? null}, ${input.naturalKey ?? null}, ${JSON.stringify(input.base ?? {})}, ${clock()})`.execute(db);
    },

    async getCursor(mailboxId, side, channel) {
      const r = await db
        .selectFrom('cursors')
        .select('value')
        .where('mailbox_id', '=', mailboxId)
        .where('side', '=', side)
        .where('channel', '=', channel)
        .executeTakeFirst();
      return r?.value;
    },

    async setCursor(mailboxId, side, channel, value) {
      const now = clock();
      await db
        .insertInto('cursors')
        .values({ mailbox_id: mailboxId, side, channel, value, updated_at: now })
        .onConflict((oc) => oc.columns(['mailbox_id', 'side', 'channel']).doUpdateSet({ value, updated_at: now }))
        .execute();
    },

    async deleteCursor(mailboxId, side, channel) {
      await db
        .deleteFrom('cursors')
        .where('mailbox_id', '=', mailboxId)
        .where('side', '=', side)
        .where('channel', '=', channel)
        .execute();
    },

    async listCursors(mailboxId) {
      const rows = await db.selectFrom('cursors').selectAll().where('mailbox_id', '=', mailboxId).orderBy('side').orderBy('channel').execute();
      return rows.map(
        (r): Cursor => ({ mailboxId: r.mailbox_id, side: r.side as Side, channel: r.channel, value: r.value, updatedAt: num(r.updated_at) }),
      );
    },

    async addHint(mailboxId, source) {
      const now = clock();
      await db
        .insertInto('hints')
        .values({ mailbox_id: mailboxId, source, first_received_at: now, received_at: now, count: 1 })
        .onConflict((oc) =>
          oc.columns(['mailbox_id', 'source']).doUpdateSet((eb) => ({
            received_at: eb.ref('excluded.received_at'),
            count: eb('hints.count', '+', 1),
          })),
        )
        .execute();
    },

    async listHints(mailboxId) {
      let q = db.selectFrom('hints').selectAll();
      if (mailboxId !== undefined) q = q.where('mailbox_id', '=', mailboxId);
      const rows = await q.orderBy('mailbox_id').orderBy('source').execute();
      return rows.map(toHint);
    },

    async takeHints(mailboxId, upTo) {
      const rows = await db
        .deleteFrom('hints')
        .where('mailbox_id', '=', mailboxId)
        .where('received_at', '<=', upTo)
        .returningAll()
        .execute();
      return rows.map(toHint).sort((a, b) => a.source.localeCompare(b.source));
    },

    async takeLease(mailboxId, owner, ttlMs) {
      const now = clock();
      // One statement: insert, or take over only if the holder's lease has expired (or is ours).
      // Both engines run INSERT … ON CONFLICT DO UPDATE … WHERE atomically per row.
      const r = await db
        .insertInto('leases')
        .values({ mailbox_id: mailboxId, owner, expires_at: now + ttlMs })
        .onConflict((oc) =>
          oc
            .column('mailbox_id')
            .doUpdateSet((eb) => ({ owner: eb.ref('excluded.owner'), expires_at: eb.ref('excluded.expires_at') }))
            .where((eb) => eb.or([eb('leases.expires_at', '<=', now), eb('leases.owner', '=', owner)])),
        )
        .returning('owner')
        .executeTakeFirst();
      return r?.owner === owner;
    },

    async renewLease(mailboxId, owner, ttlMs) {
      const now = clock();
      const r = await db
        .updateTable('leases')
        .set({ expires_at: now + ttlMs })
        .where('mailbox_id', '=', mailboxId)
        .where('owner', '=', owner)
        .returning('owner')
        .executeTakeFirst();
      return r !== undefined;
    },

    async releaseLease(mailboxId, owner) {
      await db.deleteFrom('leases').where('mailbox_id', '=', mailboxId).where('owner', '=', owner).execute();
    },

    async getLease(mailboxId) {
      const r = await db.selectFrom('leases').selectAll().where('mailbox_id', '=', mailboxId).executeTakeFirst();
      return r ? { mailboxId: r.mailbox_id, owner: r.owner, expiresAt: num(r.expires_at) } : undefined;
    },

    async openIssue(input: IssueInput) {
      const now = clock();
      const sfId = input.salesforceId ?? null;
      const exId = input.exchangeId ?? null;
      const details = JSON.stringify(input.details ?? {});
      let match = db.selectFrom('issues').selectAll().where('mailbox_id', '=', input.mailboxId).where('resolved', '=', 0);
      match =
        input.issueKey !== undefined
          ? match.where('issue_key', '=', input.issueKey)
          : match
              .where('kind', '=', input.kind)
              .where('object_type', '=', input.objectType)
              .where('salesforce_id', sfId === null ? 'is' : '=', sfId)
              .where('exchange_id', exId === null ? 'is' : '=', exId);
      const existing = await match.orderBy('id').executeTakeFirst();
      if (existing) {
        const changed = existing.message !== input.message || existing.details !== details;
        await db
          .updateTable('issues')
          .set({ message: input.message, details, occurred_at: now, ...(changed ? { synced_to_salesforce: 0 } : {}) })
          .where('id', '=', existing.id)
          .execute();
        const r = await db.selectFrom('issues').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow();
        return toIssue(r);
      }
      const r = await db
        .insertInto('issues')
        .values({
          mailbox_id: input.mailboxId,
          kind: input.kind,
          object_type: input.objectType,
          salesforce_id: sfId,
          exchange_id: exId,
          message: input.message,
          details,
          occurred_at: now,
          resolved: 0,
          resolved_at: null,
          synced_to_salesforce: 0,
          salesforce_record_id: null,
          issue_key: input.issueKey ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toIssue(r);
    },

    async resolveIssue(id) {
      // The resolution itself must reach Salesforce, hence synced_to_salesforce back to 0.
      await db
        .updateTable('issues')
        .set({ resolved: 1, resolved_at: clock(), synced_to_salesforce: 0 })
        .where('id', '=', id)
        .where('resolved', '=', 0)
        .execute();
    },

    async resolveIssuesFor(mailboxId, objectType, ids) {
      if (!ids.salesforceId && !ids.exchangeId) return 0;
      const r = await db
        .updateTable('issues')
        .set({ resolved: 1, resolved_at: clock(), synced_to_salesforce: 0 })
        .where('mailbox_id', '=', mailboxId)
        .where('object_type', '=', objectType)
        .where('resolved', '=', 0)
        .where((eb) => {
          const terms = [];
          if (ids.salesforceId) terms.push(eb('salesforce_id', '=', ids.salesforceId));
          if (ids.exchangeId) terms.push(eb('exchange_id', '=', ids.exchangeId));
          return eb.or(terms);
        })
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async listIssues(mailboxId, options = {}) {
      let q = db.selectFrom('issues').selectAll().where('mailbox_id', '=', mailboxId);
      if (options.open !== undefined) q = q.where('resolved', '=', options.open ? 0 : 1);
      const rows = await q.orderBy('id').execute();
      return rows.map(toIssue);
    },

    async countOpenIssues(mailboxId) {
      const r = await db
        .selectFrom('issues')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('mailbox_id', '=', mailboxId)
        .where('resolved', '=', 0)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async listIssuesToSync(limit = 200) {
      const rows = await db.selectFrom('issues').selectAll().where('synced_to_salesforce', '=', 0).orderBy('id').limit(limit).execute();
      return rows.map(toIssue);
    },

    async markIssueSynced(id, salesforceRecordId) {
      await db.updateTable('issues').set({ synced_to_salesforce: 1, salesforce_record_id: salesforceRecordId }).where('id', '=', id).execute();
    },

    async startRun(mailboxId, reason) {
      const r = await db
        .insertInto('runs')
        .values({ mailbox_id: mailboxId, reason, started_at: clock(), finished_at: null, counts: '{}', error: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(r.id);
    },

    async finishRun(id, result) {
      await db
        .updateTable('runs')
        .set({ finished_at: clock(), counts: JSON.stringify(result.counts ?? {}), error: result.error ?? null })
        .where('id', '=', id)
        .execute();
    },

    async listRuns(mailboxId, limit = 50) {
      const rows = await db
        .selectFrom('runs')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(
        (r): Run => ({
          id: Number(r.id),
          mailboxId: r.mailbox_id,
          reason: r.reason,
          startedAt: num(r.started_at),
          finishedAt: numOrNull(r.finished_at),
          counts: parseJson(r.counts, {}),
          error: r.error,
        }),
      );
    },

    async putSubscription(sub) {
      const now = clock();
      const row = {
        id: sub.id,
        mailbox_id: sub.mailboxId,
        resource: sub.resource,
        expires_at: sub.expiresAt,
        client_state_hash: hashClientState(sub.clientState),
        created_at: now,
      };
      await db
        .insertInto('subscriptions')
        .values(row)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            mailbox_id: row.mailbox_id,
            resource: row.resource,
            expires_at: row.expires_at,
            client_state_hash: row.client_state_hash,
          }),
        )
        .execute();
    },

    async updateSubscriptionExpiry(id, expiresAt) {
      const result = await db.updateTable('subscriptions').set({ expires_at: expiresAt }).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async getSubscription(id) {
      const r = await db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toSubscription(r) : undefined;
    },

    async listSubscriptions(mailboxId) {
      let q = db.selectFrom('subscriptions').selectAll();
      if (mailboxId !== undefined) q = q.where('mailbox_id', '=', mailboxId);
      const rows = await q.orderBy('id').execute();
      return rows.map(toSubscription);
    },

    async listSubscriptionsExpiringBefore(time) {
      const rows = await db.selectFrom('subscriptions').selectAll().where('expires_at', '<', time).orderBy('expires_at').execute();
      return rows.map(toSubscription);
    },

    async deleteSubscription(id) {
      await db.deleteFrom('subscriptions').where('id', '=', id).execute();
    },

    async putSecret(name, value) {
      const ciphertext = seal(requireKey(), name, value);
      const now = clock();
      await db
        .insertInto('secrets')
        .values({ name, ciphertext, updated_at: now })
        .onConflict((oc) => oc.column('name').doUpdateSet({ ciphertext, updated_at: now }))
        .execute();
    },

    async getSecret(name) {
      const key = requireKey();
      const r = await db.selectFrom('secrets').select('ciphertext').where('name', '=', name).executeTakeFirst();
      return r ? openSealed(key, name, r.ciphertext) : undefined;
    },

    async deleteSecret(name) {
      await db.deleteFrom('secrets').where('name', '=', name).execute();
    },
  };
  return ops;
}
