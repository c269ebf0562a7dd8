// The store's copy of a mailbox's configuration. Salesforce (Mailbox_Sync__c) is where the
// admin edits; the store is the worker's own truth, refreshed from Salesforce at every run.
// `settings` holds the Mailbox_Sync__c values and, once provisioned, the container ids.
// An explicit resume from the Worker API is remembered as `resumed`: it wins over
// Enabled__c = false until Enabled__c changes in Salesforce (Apex must call the worker before
// its own DML, so the run a resume starts can still read the old Enabled__c).
import type { KindSettings, MailboxSettings, Side } from '../core/types.ts';
import { defaultSettings } from '../core/types.ts';
import type { ProvisionedIds } from '../graph/provision.ts';
import type { MailboxSync } from '../salesforce/status.ts';
import type { Mailbox, Plan } from '../store/types.ts';
import type { KindPlugin } from './kinds.ts';

export interface StoredSettings {
  /** Mailbox_Sync__c as last read, with `enabled` as the worker applies it (see effectiveConfig). */
  config: MailboxSync;
  provisioned?: Omit<ProvisionedIds, 'created'>;
  /** An API resume: Enabled__c as Salesforce held it at that moment, and when (worker clock, ms). */
  resumed?: ResumeOverride;
}

export interface ResumeOverride {
  enabledSeen: boolean;
  at: number;
}

/**
 * The configuration the worker applies: a resume override stands while Enabled__c still holds
 * the value it had at the resume; any change of Enabled__c since is the admin's later word and
 * ends the override. Returns the effective config and the override still standing.
 */
export function effectiveConfig(config: MailboxSync, resumed: ResumeOverride | undefined): { config: MailboxSync; resumed?: ResumeOverride } {
  if (!resumed || config.enabled !== resumed.enabledSeen) return { config };
  return { config: { ...config, enabled: true }, resumed };
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
  const winner = winnerOf(config);
  for (const k of kinds) overrides[k.kind] = { enabled: k.enabled(config), direction: k.direction(config), winner };
  return defaultSettings(overrides);
}

/** Conflict_Winner__c as the planner's side (Salesforce unless the admin chose Exchange). */
export function winnerOf(config: MailboxSync): Side {
  return config.conflictWinner === 'Exchange' ? 'exchange' : 'salesforce';
}
