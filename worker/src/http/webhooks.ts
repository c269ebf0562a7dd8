// Graph webhook receivers: POST /graph/notifications and POST /graph/lifecycle. A request with
// ?validationToken= is the subscription handshake: answered 200 text/plain with the decoded
// token. Otherwise the body is checked with zod, each notification's subscription is looked up
// and its clientState compared in constant time; good ones become hints (the work is queued,
// never done inline) and the answer is 202. Unknown subscriptions and bad clientStates are
// dropped and logged without their secrets.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
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
});
const notificationBody = z.object({ value: z.array(notification).min(1).max(1000) });

export type LifecycleEvent = 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired' | string;

export interface WebhookSummary {
  accepted: number;
  ignored: number;
}

function validationToken(req: Request): string | undefined | ApiError {
  const raw = req.query.validationToken;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length > 4096) return new ApiError(400, 'BAD_REQUEST', 'validationToken must be a single string.');
  return raw;
}

export function webhookRouter(deps: AppDeps, jsonParser: express.RequestHandler): Router {
  const router = express.Router();

  const handle = (lifecycle: boolean) => async (req: Request, res: Response) => {
    const token = validationToken(req);
    if (token instanceof ApiError) throw token;
    if (token !== undefined) {
      res.status(200).type('text/plain').send(token);
      return;
    }
    const parsed = notificationBody.safeParse(req.body);
    if (!parsed.success) throw new ApiError(400, 'BAD_REQUEST', 'Expected a Graph notification collection: {"value":[{"subscriptionId",…}]}.');
    const summary: WebhookSummary = { accepted: 0, ignored: 0 };
    const hinted = new Set<string>();
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
      if (!hinted.has(sub.mailboxId)) {
        hinted.add(sub.mailboxId);
        await deps.hint(sub.mailboxId, lifecycle ? 'graph-lifecycle' : 'graph');
      }
    }
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
