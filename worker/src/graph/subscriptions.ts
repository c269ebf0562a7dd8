// Graph change-notification subscriptions for a mailbox's synced containers.
// Contract: notifications are hints only (the delta cursors are the truth), so this file
// only keeps one live subscription per container: created with a fresh random clientState
// (returned in clear exactly once, for the caller to store hashed), renewed before expiry by
// PATCHing expirationDateTime, re-created after `subscriptionRemoved` or when a renewal finds
// it gone, reauthorized on `reauthorizationRequired`. `missed` (and any doubt) means: poll
// the delta feed. The runtime schedules that backstop poll; nothing here keeps timers.
import { randomBytes } from 'node:crypto';
import type { GraphClient } from './client.ts';
import { ExchangeError } from './errors.ts';

export type SubscribedKind = 'contacts' | 'tasks' | 'messages' | 'events';

export interface SubscriptionTarget {
  kind: SubscribedKind;
  /** Graph resource path, e.g. /users/{id}/contactFolders/{folderId}/contacts. */
  resource: string;
}

export interface Subscription {
  id: string;
  mailbox: string;
  kind: SubscribedKind;
  resource: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** A freshly created subscription: `clientState` is the secret to hash and store, never log. */
export interface CreatedSubscription extends Subscription {
  clientState: string;
}

// Graph's longest lifetimes: Outlook resources 10,080 minutes, To Do tasks 4,230 minutes.
const MAX_MINUTES: Record<SubscribedKind, number> = { contacts: 10080, messages: 10080, events: 10080, tasks: 4230 };
// Ask for a little less than the maximum: clocks differ and Graph rejects anything beyond.
const SAFETY_MS = 15 * 60_000;

export function maxLifetimeMs(kind: SubscribedKind): number {
  return MAX_MINUTES[kind] * 60_000 - SAFETY_MS;
}

/** The container resources to watch for one provisioned mailbox. */
export function subscriptionTargets(mailbox: string, ids: { contactFolderId?: string; todoListId?: string; mailFolderId?: string; calendar?: boolean }): SubscriptionTarget[] {
  const user = `/users/${mailbox}`;
  const out: SubscriptionTarget[] = [];
  if (ids.contactFolderId) out.push({ kind: 'contacts', resource: `${user}/contactFolders/${ids.contactFolderId}/contacts` });
  if (ids.todoListId) out.push({ kind: 'tasks', resource: `${user}/todo/lists/${ids.todoListId}/tasks` });
  if (ids.mailFolderId) out.push({ kind: 'messages', resource: `${user}/mailFolders/${ids.mailFolderId}/messages` });
  if (ids.calendar) out.push({ kind: 'events', resource: `${user}/events` });
  return out;
}

export interface SubscribeOptions {
  /** The worker's public base URL; notifications go to /graph/notifications under it. */
  publicUrl: string;
  lifetimeMs?: number;
  changeTypes?: readonly string[];
}

export function notificationUrls(publicUrl: string): { notificationUrl: string; lifecycleNotificationUrl: string } {
  const base = publicUrl.replace(/\/+$/, '');
  return { notificationUrl: `${base}/graph/notifications`, lifecycleNotificationUrl: `${base}/graph/lifecycle` };
}

export async function createSubscription(client: GraphClient, mailbox: string, target: SubscriptionTarget, options: SubscribeOptions): Promise<CreatedSubscription> {
  const clientState = randomBytes(32).toString('base64url');
  const lifetime = Math.min(options.lifetimeMs ?? maxLifetimeMs(target.kind), maxLifetimeMs(target.kind));
  const body = await client.request<{ id?: unknown; expirationDateTime?: unknown }>('POST', '/subscriptions', {
    body: {
      changeType: (options.changeTypes ?? ['created', 'updated', 'deleted']).join(','),
      resource: target.resource,
      ...notificationUrls(options.publicUrl),
      expirationDateTime: new Date(client.clock.now() + lifetime).toISOString(),
      clientState,
    },
  });
  if (typeof body?.id !== 'string') throw new ExchangeError('permanent', 201, 'NoId', 'Graph created a subscription without returning its id');
  return { id: body.id, mailbox, kind: target.kind, resource: target.resource, expiresAt: parseExpiry(body.expirationDateTime, client.clock.now() + lifetime), clientState };
}

/** Extends a subscription; a not-found ExchangeError means it is gone and must be re-created. */
export async function renewSubscription(client: GraphClient, subscription: Subscription, lifetimeMs?: number): Promise<Subscription> {
  const lifetime = Math.min(lifetimeMs ?? maxLifetimeMs(subscription.kind), maxLifetimeMs(subscription.kind));
  const wanted = client.clock.now() + lifetime;
  const body = await client.request<{ expirationDateTime?: unknown }>('PATCH', `/subscriptions/${encodeURIComponent(subscription.id)}`, {
    body: { expirationDateTime: new Date(wanted).toISOString() },
  });
  return { ...subscription, expiresAt: parseExpiry(body?.expirationDateTime, wanted) };
}

export async function reauthorizeSubscription(client: GraphClient, subscriptionId: string): Promise<void> {
  await client.request('POST', `/subscriptions/${encodeURIComponent(subscriptionId)}/reauthorize`, { body: {} });
}

/** Deletes a subscription; one already gone counts as deleted. */
export async function deleteSubscription(client: GraphClient, subscriptionId: string): Promise<void> {
  try {
    await client.request('DELETE', `/subscriptions/${encodeURIComponent(subscriptionId)}`);
  } catch (error) {
    if (!(error instanceof ExchangeError && error.kind === 'not-found')) throw error;
  }
}

/** Renew when less than a third of the lifetime (at most a day) is left. */
export function renewalDue(subscription: Subscription, now: number): boolean {
  const margin = Math.min(24 * 3600_000, maxLifetimeMs(subscription.kind) / 3);
  return subscription.expiresAt - now <= margin;
}

export interface MaintainResult {
  /** The live subscriptions after this pass, one per target. */
  live: Subscription[];
  /** New ones: store their hashed clientState (and drop the old rows for `replaced`). */
  created: CreatedSubscription[];
  renewed: Subscription[];
  /** Ids of known subscriptions that are gone or no longer wanted. */
  removed: string[];
}

/**
 * One maintenance pass for a mailbox: every target gets exactly one live subscription,
 * those near expiry are renewed, vanished ones re-created, unwanted ones deleted.
 */
export async function maintainSubscriptions(
  client: GraphClient,
  mailbox: string,
  targets: readonly SubscriptionTarget[],
  known: readonly Subscription[],
  options: SubscribeOptions,
): Promise<MaintainResult> {
  const now = client.clock.now();
  const result: MaintainResult = { live: [], created: [], renewed: [], removed: [] };
  const wanted = new Set(targets.map((t) => t.resource.toLowerCase()));
  for (const sub of known) {
    if (!wanted.has(sub.resource.toLowerCase())) {
      await deleteSubscription(client, sub.id);
      result.removed.push(sub.id);
    }
  }
  for (const target of targets) {
    const existing = known.find((s) => s.resource.toLowerCase() === target.resource.toLowerCase() && s.expiresAt > now);
    if (existing && !renewalDue(existing, now)) {
      result.live.push(existing);
      continue;
    }
    if (existing) {
      try {
        const renewed = await renewSubscription(client, existing, options.lifetimeMs);
        result.renewed.push(renewed);
        result.live.push(renewed);
        continue;
      } catch (error) {
        if (!(error instanceof ExchangeError && error.kind === 'not-found')) throw error;
        result.removed.push(existing.id);
      }
    } else {
      for (const stale of known.filter((s) => s.resource.toLowerCase() === target.resource.toLowerCase())) result.removed.push(stale.id);
    }
    const created = await createSubscription(client, mailbox, target, options);
    result.created.push(created);
    result.live.push(created);
  }
  return result;
}

export type LifecycleEvent = 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired';

export type LifecycleOutcome =
  | { action: 'recreated'; removed: string; subscription: CreatedSubscription; resync: true }
  | { action: 'reauthorized'; subscription: Subscription; resync: true }
  | { action: 'resync' };

/**
 * Answers one lifecycle notification for a known subscription. Every outcome asks for a
 * delta poll: while a subscription was gone or unauthorized, changes went unannounced.
 */
export async function handleLifecycle(client: GraphClient, event: LifecycleEvent, subscription: Subscription, options: SubscribeOptions): Promise<LifecycleOutcome> {
  switch (event) {
    case 'subscriptionRemoved': {
      await deleteSubscription(client, subscription.id);
      const created = await createSubscription(client, subscription.mailbox, { kind: subscription.kind, resource: subscription.resource }, options);
      return { action: 'recreated', removed: subscription.id, subscription: created, resync: true };
    }
    case 'reauthorizationRequired': {
      try {
        await reauthorizeSubscription(client, subscription.id);
        // Renewing also reauthorizes, and pushes the expiry out while we are here.
        const renewed = await renewSubscription(client, subscription, options.lifetimeMs);
        return { action: 'reauthorized', subscription: renewed, resync: true };
      } catch (error) {
        if (!(error instanceof ExchangeError && error.kind === 'not-found')) throw error;
        const created = await createSubscription(client, subscription.mailbox, { kind: subscription.kind, resource: subscription.resource }, options);
        return { action: 'recreated', removed: subscription.id, subscription: created, resync: true };
      }
    }
    case 'missed':
      return { action: 'resync' };
  }
}

/** What to store for a clientState: its SHA-256, hex. */
export { clientStateMatches, hashClientState } from '../client-state.ts';

function parseExpiry(value: unknown, fallback: number): number {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(t) ? fallback : t;
}
