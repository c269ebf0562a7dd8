// Graph webhook receivers: POST /graph/notifications and POST /graph/lifecycle. A request with
// ?validationToken= is the subscription handshake: answered 200 text/plain with the decoded
// token. Otherwise the body is checked with zod, each notification's subscription is looked up
// and its clientState compared in constant time; good ones become hints (the work is queued,
// never done inline) naming the kind the subscription watches (an incremental run syncs only
// that kind), one per mailbox and kind, and the answer is 202. A notification whose item version
// is the one the mailbox's link already holds is our own write coming back: no hint (a wasted run
// otherwise). When the link is not committed yet the hint goes ahead; that run finds nothing.
// One change seen by two subscriptions (the folder's and the whole mailbox's) or sent twice
// carries the same item id and version: only the first hints. Unknown subscriptions and bad clientStates are
// dropped and logged without their secrets.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { graphHintSource, graphKindOf } from '../scheduler/hints.ts';
import { clientStateMatches } from './auth.ts';
import type { AppDeps } from './app.ts';
import { ApiError } from './errors.ts';

const notification = z.looseObject({
  subscriptionId: z.string().min(1).max(255),
  clientState: z.string().max(1024).optional(),
  changeType: z.string().max(64).optional(),
  resource: z.string().max(2048).optional(),
  lifecycleEvent: z.string().max(64).optional(),
  tenantId: z.string().max(128).optional(),
  resourceData: z.looseObject({ id: z.string().max(1024).optional(), '@odata.etag': z.string().max(1024).optional() }).optional(),
});
type Notification = z.infer<typeof notification>;
const notificationBody = z.object({ value: z.array(notification).min(1).max(1000) });

export type LifecycleEvent = 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired' | string;

export interface WebhookSummary {
  accepted: number;
  ignored: number;
  /** Accepted, but our own writes coming back: no hint. */
  echoes: number;
}

/** `W/"CQAAAB…"` and `CQAAAB…` name the same version. */
const bareVersion = (v: string): string => v.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');

async function isOwnEcho(deps: AppDeps, mailboxId: string, resource: string | undefined, n: Notification): Promise<boolean> {
  const id = n.resourceData?.id;
  const etag = n.resourceData?.['@odata.etag'];
  if (!deps.links || !resource || !id || !etag || n.changeType === 'deleted') return false;
  try {
    const link = await deps.links.getLinkByExchangeId(mailboxId, graphKindOf(resource), id);
    return !!link?.exVersion && bareVersion(link.exVersion) === bareVersion(etag);
  } catch (error) {
    // Only an optimisation: when in doubt, hint.
    deps.log?.warn({ mailboxId, err: error instanceof Error ? error.message : String(error) }, 'could not look up the notified item');
    return false;
  }
}

function validationToken(req: Request): string | undefined | ApiError {
  const raw = req.query.validationToken;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length > 4096) return new ApiError(400, 'BAD_REQUEST', 'validationToken must be a single string.');
  return raw;
}

/** The item versions this process has hinted lately, oldest first (bounded). */
function recentChanges(limit: number) {
  const seen = new Set<string>();
  const keyOf = (mailboxId: string, n: Notification): string | undefined => {
    const id = n.resourceData?.id;
    const etag = n.resourceData?.['@odata.etag'];
    return id && etag ? `${mailboxId}\u0000${id}\u0000${bareVersion(etag)}\u0000${n.changeType ?? ''}` : undefined;
  };
  return {
    hinted(mailboxId: string, n: Notification): boolean {
      const key = keyOf(mailboxId, n);
      return key !== undefined && seen.has(key);
    },
    /** Called once the hint is stored: a failed one must let Graph's retry through. */
    remember(mailboxId: string, n: Notification): void {
      const key = keyOf(mailboxId, n);
      if (key === undefined) return;
      seen.add(key);
      if (seen.size > limit) seen.delete(seen.values().next().value as string);
    },
  };
}

export function webhookRouter(deps: AppDeps, jsonParser: express.RequestHandler): Router {
  const router = express.Router();
  const recent = recentChanges(10_000);

  const handle = (lifecycle: boolean) => async (req: Request, res: Response) => {
    const token = validationToken(req);
    if (token instanceof ApiError) throw token;
    if (token !== undefined) {
      res.status(200).type('text/plain').send(token);
      return;
    }
    const parsed = notificationBody.safeParse(req.body);
    if (!parsed.success) throw new ApiError(400, 'BAD_REQUEST', 'Expected a Graph notification collection: {"value":[{"subscriptionId",…}]}.');
    const summary: WebhookSummary = { accepted: 0, ignored: 0, echoes: 0 };
    const hinted = new Set<string>();
    const changed: Array<[mailboxId: string, n: Notification]> = [];
    for (const n of parsed.data.value) {
      const sub = await deps.subscriptions.getSubscription(n.subscriptionId);
      if (!sub) {
        summary.ignored++;
        deps.log?.warn({ subscriptionId: n.subscriptionId }, 'notification for an unknown subscription ignored');
        continue;
      }
      if (!clientStateMatches(n.clientState, sub.clientStateHash)) {
        summary.ignored++;
        deps.log?.warn({ subscriptionId: n.subscriptionId, mailboxId: sub.mailboxId }, 'notification with a wrong clientState ignored');
        continue;
      }
      summary.accepted++;
      if (lifecycle || n.lifecycleEvent) {
        await deps.lifecycle?.({ mailboxId: sub.mailboxId, subscriptionId: n.subscriptionId, event: n.lifecycleEvent ?? 'unknown' });
      }
      const isLifecycle = lifecycle || n.lifecycleEvent !== undefined;
      if (!isLifecycle && (await isOwnEcho(deps, sub.mailboxId, sub.resource, n))) {
        summary.echoes++;
        continue;
      }
      if (!isLifecycle && recent.hinted(sub.mailboxId, n)) continue;
      if (!isLifecycle) changed.push([sub.mailboxId, n]);
      // A lifecycle event (missed, removed) may hide any change: it asks for a full run.
      const source = isLifecycle ? 'graph-lifecycle' : sub.resource ? graphHintSource(sub.resource) : 'graph';
      const key = `${sub.mailboxId}\u0000${source}`;
      if (!hinted.has(key)) {
        hinted.add(key);
        await deps.hint(sub.mailboxId, source);
      }
    }
    // Every hint of this delivery is stored: repeats of these changes need none.
    for (const [mailboxId, n] of changed) recent.remember(mailboxId, n);
    res.status(202).json(summary);
  };

  // The handshake arrives as text/plain with an empty body, so the token is answered before
  // any content-type or JSON checks.
  const bodyUnlessHandshake: express.RequestHandler = (req, res, next) => {
    if (req.query.validationToken !== undefined) {
      next();
      return;
    }
    jsonParser(req, res, next);
  };
  router.post('/graph/notifications', bodyUnlessHandshake, handle(false));
  router.post('/graph/lifecycle', bodyUnlessHandshake, handle(true));
  return router;
}
