// Graph subscriptions of one mailbox kept in the store: created after provisioning when the
// worker has a public URL, renewed by the maintenance tick, re-created on subscriptionRemoved.
// The clientState is stored hashed (the store hashes it); notifications only hint a run.
import type { GraphClient } from '../graph/client.ts';
import type { SubscribedKind, Subscription } from '../graph/subscriptions.ts';
import { handleLifecycle, maintainSubscriptions, subscriptionTargets } from '../graph/subscriptions.ts';
import type { Store } from '../store/types.ts';
import type { StoredSettings } from './mailbox-config.ts';

function kindOfResource(resource: string): SubscribedKind {
  if (/\/contacts$/i.test(resource)) return 'contacts';
  if (/\/tasks$/i.test(resource)) return 'tasks';
  if (/\/messages$/i.test(resource)) return 'messages';
  return 'events';
}

async function known(store: Store, mailboxId: string, address: string): Promise<Subscription[]> {
  return (await store.listSubscriptions(mailboxId)).map((s) => ({ id: s.id, mailbox: address, kind: kindOfResource(s.resource), resource: s.resource, expiresAt: s.expiresAt }));
}

/** One maintenance pass: every watched container has one live subscription in Graph and in the store. */
export async function maintainMailboxSubscriptions(
  store: Store,
  graph: GraphClient,
  mailboxId: string,
  address: string,
  settings: StoredSettings,
  publicUrl: string,
): Promise<{ created: number; renewed: number; removed: number }> {
  const p = settings.provisioned;
  if (!p) return { created: 0, renewed: 0, removed: 0 };
  const targets = subscriptionTargets(address, {
    ...(settings.config.syncContacts ? { contactFolderId: p.contactFolderId } : {}),
    ...(settings.config.syncTasks ? { todoListId: p.todoListId } : {}),
    ...(settings.config.syncEmails ? { mailFolderId: p.mailFolderId } : {}),
    ...(settings.config.syncEvents ? { calendar: true } : {}),
  });
  // Contacts given the category anywhere in the mailbox: watch all contacts too (hints only).
  if (settings.config.syncContacts) targets.push({ kind: 'contacts', resource: `/users/${address}/contacts` });
  const result = await maintainSubscriptions(graph, address, targets, await known(store, mailboxId, address), { publicUrl });
  for (const id of result.removed) await store.deleteSubscription(id);
  for (const c of result.created) await store.putSubscription({ id: c.id, mailboxId, resource: c.resource, expiresAt: c.expiresAt, clientState: c.clientState });
  // A renewal moves the expiry only: the clientState (kept hashed) is the one Graph still sends.
  for (const r of result.renewed) await store.updateSubscriptionExpiry(r.id, r.expiresAt);
  return { created: result.created.length, renewed: result.renewed.length, removed: result.removed.length };
}

/** A lifecycle notification for a known subscription: re-create or reauthorize as Graph asks. */
export async function onLifecycle(store: Store, graph: GraphClient, event: string, subscriptionId: string, address: string, publicUrl: string): Promise<void> {
  if (event !== 'missed' && event !== 'subscriptionRemoved' && event !== 'reauthorizationRequired') return;
  const row = await store.getSubscription(subscriptionId);
  if (!row) return;
  const sub: Subscription = { id: row.id, mailbox: address, kind: kindOfResource(row.resource), resource: row.resource, expiresAt: row.expiresAt };
  const outcome = await handleLifecycle(graph, event, sub, { publicUrl });
  if (outcome.action === 'reauthorized') await store.updateSubscriptionExpiry(outcome.subscription.id, outcome.subscription.expiresAt);
  if (outcome.action === 'recreated') {
    await store.deleteSubscription(outcome.removed);
    const c = outcome.subscription;
    await store.putSubscription({ id: c.id, mailboxId: row.mailboxId, resource: c.resource, expiresAt: c.expiresAt, clientState: c.clientState });
  }
}
