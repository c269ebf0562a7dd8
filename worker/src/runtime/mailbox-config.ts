// The store's copy of a mailbox's configuration. Salesforce (Mailbox_Sync__c) is where the
// admin edits; the store is the worker's own truth, refreshed from Salesforce at every run.
// `settings` holds the Mailbox_Sync__c values and, once provisioned, the container ids.
import type { KindSettings, MailboxSettings } from '../core/types.ts';
import { defaultSettings } from '../core/types.ts';
import type { ProvisionedIds } from '../graph/provision.ts';
import type { MailboxSync } from '../salesforce/status.ts';
import type { Mailbox, Plan } from '../store/types.ts';
import type { KindPlugin } from './kinds.ts';

export interface StoredSettings {
  config: MailboxSync;
  provisioned?: Omit<ProvisionedIds, 'created'>;
}

export function storedSettings(m: Mailbox): StoredSettings | undefined {
  const s = m.settings as Partial<StoredSettings>;
  return s.config ? (s as StoredSettings) : undefined;
}

export function planOf(config: MailboxSync): Plan {
  return config.plan === 'Professional' || config.plan === 'Real-time' ? config.plan : 'Basic';
}

/** The planner's settings for this mailbox: only the plugged-in kinds that Mailbox_Sync__c switches on. */
export function syncSettings(config: MailboxSync, kinds: readonly KindPlugin[]): MailboxSettings {
  const overrides: Partial<Record<KindPlugin['kind'], Partial<KindSettings>>> = { contact: { enabled: false }, event: { enabled: false }, task: { enabled: false }, email: { enabled: false } };
  for (const k of kinds) overrides[k.kind] = { enabled: k.enabled(config), direction: k.direction(config) };
  return defaultSettings(overrides);
}
