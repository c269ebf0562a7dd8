// The kinds the runtime syncs, as plug-ins: each one names its Salesforce object (and CDC
// entity), its field maps both ways and how Mailbox_Sync__c switches it on. The runner and
// the feeds iterate this list, so events and email plug in by adding an entry.
import type { RecordSide } from '../core/ports.ts';
import type { Direction, Fields, Kind } from '../core/types.ts';
import type { ExchangeItem } from '../graph/delta.ts';
import type { FeedEntity } from '../salesforce/feed.ts';
import type { SalesforceKindMap } from '../salesforce/side.ts';
import type { MailboxSync } from '../salesforce/status.ts';
import { contactSalesforceMap, contactToFields, contactToGraph } from './contact-map.ts';
import { EVENT_KIND, type KindSidesContext } from './events.ts';
import { taskSalesforceMap, taskToFields, taskToGraph } from './task-map.ts';

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
  sides?(ctx: KindSidesContext): Promise<{ salesforce: RecordSide; exchange: RecordSide }>;
}

export const CONTACT_KIND: KindPlugin = {
  kind: 'contact',
  entity: 'Contact',
  salesforce: contactSalesforceMap,
  exchange: { toFields: contactToFields, toGraph: contactToGraph },
  enabled: (c) => c.syncContacts,
  direction: (c) => c.contactsDirection,
};

export const TASK_KIND: KindPlugin = {
  kind: 'task',
  entity: 'Task',
  salesforce: taskSalesforceMap,
  exchange: { toFields: taskToFields, toGraph: taskToGraph },
  enabled: (c) => c.syncTasks,
  direction: (c) => c.tasksDirection,
};

/** What the runtime syncs; email adds its plug-in here. */
export const DEFAULT_KINDS: readonly KindPlugin[] = [CONTACT_KIND, TASK_KIND, EVENT_KIND];
export { EVENT_KIND };
