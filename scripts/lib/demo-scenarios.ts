// The demo's live changes: what a user does in Salesforce or in Outlook once sync is running,
// each made through the emulators' "act as the user" admin writes, and the check that says it
// has arrived on the other side. The list is data: events and email plug in by adding entries
// (kind, where it starts, act()). act() returns the arrival check; the runner polls it with a
// deadline and measures the latency. Checks read the emulators' state directly (admin reads
// cost no API calls, so they do not disturb the counters the summary reports).
import { exchangeKey } from '../../worker/src/core/maps/email.ts';
import { wallTimeToInstant } from '../../worker/src/core/timezones.ts';
import { storedSettings } from '../../worker/src/runtime/mailbox-config.ts';
import type { DemoMailbox } from './demo-seed.ts';
import type { LocalStack } from './stack.ts';

export type DemoKind = 'contact' | 'task' | 'event' | 'email';
export type Origin = 'Salesforce' | 'Outlook' | 'both';

export interface ScenarioContext {
  stack: LocalStack;
  mailbox: DemoMailbox;
  /** Today in the emulators' clock, YYYY-MM-DD. */
  today: string;
  /** The next Salesforce record of this sobject owned by the mailbox user that no other scenario used. */
  take(sobject: 'Contact' | 'Task'): string;
  /** Waits until no run is in flight or queued for the mailbox (so two edits land "before the next run"). */
  quiet(): Promise<void>;
}

export interface LiveChange {
  kind: DemoKind;
  origin: Origin;
  label: string;
  /** Makes the change as the user would; returns the check that is true once it has arrived. */
  act(ctx: ScenarioContext): Promise<() => boolean>;
}

type Json = Record<string, unknown>;

/** The Outlook item stamped with this Salesforce Id (the SalesforceId extended property). */
export function exchangeItem(stack: LocalStack, address: string, kind: 'contact' | 'todoTask', salesforceId: string): Json | undefined {
  return stack.graph.admin.items(address, kind).find((item) => {
    const props = item.singleValueExtendedProperties as Array<{ value?: unknown }> | undefined;
    return props?.some((p) => p.value === salesforceId) ?? false;
  });
}

function mustExchangeItem(ctx: ScenarioContext, kind: 'contact' | 'todoTask', salesforceId: string): Json {
  const item = exchangeItem(ctx.stack, ctx.mailbox.address, kind, salesforceId);
  if (!item) throw new Error(`no Outlook ${kind} in ${ctx.mailbox.address} carries Salesforce Id ${salesforceId}; was the initial sync complete?`);
  return item;
}

const sfGet = (ctx: ScenarioContext, id: string): Json | undefined => ctx.stack.salesforce.admin.get(id);
const isGone = (ctx: ScenarioContext, id: string): boolean => sfGet(ctx, id)?.IsDeleted === true;
const asUser = (ctx: ScenarioContext) => ({ asUserId: ctx.mailbox.salesforceUserId });
const who = (ctx: ScenarioContext): string => ctx.mailbox.address.split('@')[0]!;

const BASE_CHANGES: readonly LiveChange[] = [
  {
    kind: 'contact',
    origin: 'Salesforce',
    label: 'new contact in Salesforce',
    async act(ctx) {
      const email = `new.lead.${who(ctx)}@customer.example`;
      const id = ctx.stack.salesforce.admin.insert('Contact', { FirstName: 'Evelyn', LastName: `Boyd-${who(ctx)}`, Email: email, OwnerId: ctx.mailbox.salesforceUserId }, asUser(ctx));
      return () => {
        const item = exchangeItem(ctx.stack, ctx.mailbox.address, 'contact', id);
        return item !== undefined && item.parentId === ctx.mailbox.contactFolderId;
      };
    },
  },
  {
    kind: 'contact',
    origin: 'Salesforce',
    label: 'contact phone edited in Salesforce',
    async act(ctx) {
      const id = ctx.take('Contact');
      mustExchangeItem(ctx, 'contact', id);
      const phone = '+1 555 0199';
      ctx.stack.salesforce.admin.update('Contact', id, { Phone: phone }, asUser(ctx));
      return () => {
        const phones = exchangeItem(ctx.stack, ctx.mailbox.address, 'contact', id)?.businessPhones;
        return Array.isArray(phones) && phones[0] === phone;
      };
    },
  },
  {
    kind: 'contact',
    origin: 'Salesforce',
    label: 'contact deleted in Salesforce',
    async act(ctx) {
      const id = ctx.take('Contact');
      mustExchangeItem(ctx, 'contact', id);
      ctx.stack.salesforce.admin.delete('Contact', id, asUser(ctx));
      return () => exchangeItem(ctx.stack, ctx.mailbox.address, 'contact', id) === undefined;
    },
  },
  {
    kind: 'task',
    origin: 'Salesforce',
    label: 'task completed in Salesforce',
    async act(ctx) {
      const id = ctx.take('Task');
      mustExchangeItem(ctx, 'todoTask', id);
      ctx.stack.salesforce.admin.update('Task', id, { Status: 'Completed' }, asUser(ctx));
      return () => exchangeItem(ctx.stack, ctx.mailbox.address, 'todoTask', id)?.status === 'completed';
    },
  },
  {
    kind: 'contact',
    origin: 'Outlook',
    label: 'contact job title edited in Outlook',
    async act(ctx) {
      const id = ctx.take('Contact');
      const item = mustExchangeItem(ctx, 'contact', id);
      const title = 'Director of Purchasing';
      ctx.stack.graph.admin.userUpdateContact(ctx.mailbox.address, String(item.id), { jobTitle: title });
      return () => sfGet(ctx, id)?.Title === title;
    },
  },
  {
    kind: 'task',
    origin: 'Outlook',
    label: 'To Do task added to the Salesforce Tasks list',
    async act(ctx) {
      const title = `Send samples to Lyon (${who(ctx)})`;
      ctx.stack.graph.admin.userCreateTask(ctx.mailbox.address, ctx.mailbox.todoListId, { title, importance: 'high', status: 'notStarted' });
      // Exchange-born records are upserted on SCC_Exchange_Key__c; find it by what the user typed.
      return () => ctx.stack.salesforce.admin.query(`SELECT Id FROM Task WHERE Subject = '${title}' AND Priority = 'High'`).length === 1;
    },
  },
  {
    kind: 'task',
    origin: 'Outlook',
    label: 'To Do task deleted in Outlook',
    async act(ctx) {
      const id = ctx.take('Task');
      const item = mustExchangeItem(ctx, 'todoTask', id);
      ctx.stack.graph.admin.userDeleteTask(ctx.mailbox.address, String(item.id));
      return () => isGone(ctx, id);
    },
  },
  {
    kind: 'contact',
    origin: 'both',
    label: 'conflict: same title edited in both before the next run',
    async act(ctx) {
      const id = ctx.take('Contact');
      const item = mustExchangeItem(ctx, 'contact', id);
      const conflictsBefore = conflictCount(ctx);
      await ctx.quiet();
      // Both edits in one synchronous step: no run can start between them.
      ctx.stack.salesforce.admin.update('Contact', id, { Title: 'Chief Revenue Officer' }, asUser(ctx));
      ctx.stack.graph.admin.userUpdateContact(ctx.mailbox.address, String(item.id), { jobTitle: 'Head of Sales' });
      // Salesforce wins by default; Outlook's value is kept as a Sync_Issue__c (Kind Conflict).
      return () =>
        exchangeItem(ctx.stack, ctx.mailbox.address, 'contact', id)?.jobTitle === 'Chief Revenue Officer' &&
        sfGet(ctx, id)?.Title === 'Chief Revenue Officer' &&
        conflictCount(ctx) > conflictsBefore;
    },
  },
];

/** The instant an Outlook event starts (its wall time read in its own zone). */
function outlookStart(item: Json | undefined): string | undefined {
  const start = item?.start as { dateTime?: unknown; timeZone?: unknown } | undefined;
  if (typeof start?.dateTime !== 'string' || typeof start.timeZone !== 'string') return undefined;
  return wallTimeToInstant(start.dateTime.slice(0, 19), start.timeZone);
}

function outlookEventOf(ctx: ScenarioContext, salesforceId: string): Json | undefined {
  return ctx.stack.graph.admin.items(ctx.mailbox.address, 'event').find((item) => {
    const props = item.singleValueExtendedProperties as Array<{ value?: unknown }> | undefined;
    return props?.some((p) => p.value === salesforceId) ?? false;
  });
}

const inDays = (ctx: ScenarioContext, days: number, hour: number): string => new Date(Date.parse(`${ctx.today}T00:00:00Z`) + days * 86_400_000 + hour * 3_600_000).toISOString();

/** Calendar scenarios: a Salesforce meeting out (at the right time), a categorised Outlook event in. */
export const EVENT_CHANGES: readonly LiveChange[] = [
  {
    kind: 'event',
    origin: 'Salesforce',
    label: 'meeting scheduled in Salesforce',
    async act(ctx) {
      const start = inDays(ctx, 4, 15);
      const id = ctx.stack.salesforce.admin.insert(
        'Event',
        { Subject: `Contract signing (${who(ctx)})`, StartDateTime: start, EndDateTime: inDays(ctx, 4, 16), ActivityDateTime: start, DurationInMinutes: 60, OwnerId: ctx.mailbox.salesforceUserId },
        asUser(ctx),
      );
      // arrived means: in the calendar, starting at the same instant
      return () => outlookStart(outlookEventOf(ctx, id)) === start;
    },
  },
  {
    kind: 'event',
    origin: 'Outlook',
    label: 'Outlook event given the Salesforce category',
    async act(ctx) {
      const subject = `Lunch with a prospect (${who(ctx)})`;
      const start = inDays(ctx, 5, 12);
      const id = ctx.stack.graph.admin.userCreateEvent(ctx.mailbox.address, null, {
        subject,
        start: { dateTime: start.slice(0, 19), timeZone: 'UTC' },
        end: { dateTime: inDays(ctx, 5, 13).slice(0, 19), timeZone: 'UTC' },
      });
      ctx.stack.graph.admin.userUpdateEvent(ctx.mailbox.address, id, { categories: ['Salesforce'] });
      return () => {
        const rows = ctx.stack.salesforce.admin.query(`SELECT Id, StartDateTime FROM Event WHERE Subject = '${subject}'`);
        return rows.length === 1 && new Date(String(rows[0]!.StartDateTime).replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString() === start;
      };
    },
  },
];

/** Email logging: a message with an attachment from a contact, filed into Salesforce Emails. */
export const EMAIL_CHANGES: readonly LiveChange[] = [
  {
    kind: 'email',
    origin: 'Outlook',
    label: 'email with an attachment filed into Salesforce Emails',
    async act(ctx) {
      const contactId = ctx.take('Contact');
      const sender = sfGet(ctx, contactId)?.Email;
      const row = await ctx.stack.store.getMailbox(ctx.mailbox.mailboxSyncId);
      const folderId = row ? storedSettings(row)?.provisioned?.mailFolderId : undefined;
      if (typeof sender !== 'string' || !folderId) throw new Error(`${ctx.mailbox.address}: no contact email or no Salesforce Emails folder; was the mailbox provisioned?`);
      const internetMessageId = `<order.${contactId}@customer.example>`;
      const id = ctx.stack.graph.admin.deliverMessage(ctx.mailbox.address, {
        internetMessageId,
        subject: `Signed order form (${who(ctx)})`,
        from: { emailAddress: { address: sender } },
        toRecipients: [{ emailAddress: { address: ctx.mailbox.address } }],
        body: { contentType: 'text', content: 'Hello, the signed order form is attached.' },
        hasAttachments: true,
        attachments: [{ name: 'order-form.pdf', bytes: Buffer.from('%PDF-1.4 signed order form'), contentType: 'application/pdf' }],
      });
      ctx.stack.graph.admin.userMoveMessage(ctx.mailbox.address, id, folderId);
      const key = exchangeKey(internetMessageId);
      // arrived means: a completed task on the contact, with the file on it
      return () => {
        const [task] = ctx.stack.salesforce.admin.query(`SELECT Id, Status, WhoId FROM Task WHERE SCC_Exchange_Key__c = '${key}'`);
        if (task?.Status !== 'Completed' || task.WhoId !== contactId) return false;
        return ctx.stack.salesforce.admin.query(`SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '${String(task.Id)}'`).length === 1;
      };
    },
  },
];

function conflictCount(ctx: ScenarioContext): number {
  return ctx.stack.salesforce.admin.query(`SELECT Id FROM Sync_Issue__c WHERE Kind__c = 'Conflict' AND Mailbox_Sync__c = '${ctx.mailbox.mailboxSyncId}'`).length;
}

/** Every live change the demo makes, in order. */
export const DEMO_CHANGES: readonly LiveChange[] = [...BASE_CHANGES, ...EVENT_CHANGES, ...EMAIL_CHANGES];
