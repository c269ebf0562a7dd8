// The kinds the runtime syncs, as plug-ins: each one names its Salesforce object (and CDC
// entity), its field maps both ways and how Mailbox_Sync__c switches it on. The runner and
// the feeds iterate this list, so events and email plug in by adding an entry.
import type { Direction, Fields, Kind } from '../core/types.ts';
import type { ExchangeItem } from '../graph/delta.ts';
import type { FeedEntity } from '../salesforce/feed.ts';
import type { SalesforceKindMap } from '../salesforce/side.ts';
import type { MailboxSync } from '../salesforce/status.ts';
import { EVENT_KIND } from './events.ts';
import { contactMaps, recordSides, taskMaps, type KindRunContext, type KindSides } from './record-sides.ts';

export interface KindPlugin {
  readonly kind: Kind;
  /** The CDC entity whose changes hint this kind (undefined: no Salesforce feed). */
  readonly entity?: FeedEntity;
  readonly salesforce: SalesforceKindMap;
  readonly exchange: {
    toFields(item: ExchangeItem): Fields;
    toGraph(fields: Fields, mode: 'create' | 'update'): Record<string, unknown>;
  };
  enabled(config: MailboxSync): boolean;
  direction(config: MailboxSync): Direction;
  /** Builds this kind's sides for one run instead of the default connector sides over the maps. */
  sides?(ctx: KindRunContext): Promise<KindSides>;
}

// Contacts and tasks run on their `sides` (describe limits, the user's zone, issues, stamps);
// these plain maps (no limits, UTC) serve callers that only need a map.
const plainContact = contactMaps({}, 'Salesforce');
const plainTask = taskMaps({}, 'Salesforce', 'UTC');

export const CONTACT_KIND: KindPlugin = {
  kind: 'contact',
  entity: 'Contact',
  salesforce: plainContact.salesforce,
  exchange: { toFields: plainContact.fromExchange, toGraph: (fields, mode) => (mode === 'create' ? plainContact.toExchange(fields, []) : plainContact.exchangePatch(fields, {}, [])) },
  enabled: (c) => c.syncContacts,
  direction: (c) => c.contactsDirection,
  sides: (ctx) => recordSides('contact', ctx),
};

export const TASK_KIND: KindPlugin = {
  kind: 'task',
  entity: 'Task',
  salesforce: plainTask.salesforce,
  exchange: { toFields: plainTask.fromExchange, toGraph: (fields, mode) => (mode === 'create' ? plainTask.toExchange(fields, []) : plainTask.exchangePatch(fields, {}, [])) },
  enabled: (c) => c.syncTasks,
  direction: (c) => c.tasksDirection,
  sides: (ctx) => recordSides('task', ctx),
};

/** What the runtime syncs; email adds its plug-in here. */
export const DEFAULT_KINDS: readonly KindPlugin[] = [CONTACT_KIND, TASK_KIND, EVENT_KIND];
export { EVENT_KIND };
