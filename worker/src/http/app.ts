// createApp(deps) → express.Application for the `web` role: the Worker API that Apex calls and
// the Graph webhooks. No listen() here. Every failure is JSON {"error":{"code","message"}};
// bad input of any shape is a 4xx, never a 500. The work itself is done by injected ports.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Secret } from '../secrets.ts';
import { bearerMatches } from './auth.ts';
import { ApiError, sendError, toApiError } from './errors.ts';
import { webhookRouter } from './webhooks.ts';

/** What the runtime implements behind the Worker API. `undefined` means no such mailbox (404). */
export interface MailboxPorts {
  status(id: string): Promise<Record<string, unknown> | undefined>;
  provision(id: string): Promise<Record<string, unknown> | undefined>;
  sync(id: string, options: { full: boolean }): Promise<Record<string, unknown> | undefined>;
  pause(id: string): Promise<Record<string, unknown> | undefined>;
  resume(id: string): Promise<Record<string, unknown> | undefined>;
  test(id: string): Promise<Record<string, unknown> | undefined>;
}

export interface AppDeps {
  apiToken: Secret | string;
  mailboxes: MailboxPorts;
  /** The store satisfies this. */
  subscriptions: { getSubscription(id: string): Promise<{ mailboxId: string; clientStateHash: string; resource?: string } | undefined> };
  /** The store satisfies this: a notification of our own write (same version as the link) hints nothing. */
  links?: { getLinkByExchangeId(mailboxId: string, kind: string, exchangeId: string): Promise<{ exVersion: string | null } | undefined> };
  /** Must only record the hint (e.g. scheduler.hint); Graph wants an answer within 3 s. */
  hint(mailboxId: string, source: string): Promise<void>;
  lifecycle?(event: { mailboxId: string; subscriptionId: string; event: string }): Promise<void>;
  health?(): Promise<Record<string, unknown>>;
  version?: string;
  log?: Logger;
  /** express/body-parser size string; default 64kb. */
  bodyLimit?: string;
}

// Salesforce ids: 15 case-sensitive or 18 characters.
const salesforceId = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/);
const emptyBody = z.object({}).strict();
const syncBody = z.object({ full: z.boolean().optional() }).strict();

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function createApp(deps: AppDeps): express.Application {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const token = typeof deps.apiToken === 'string' ? deps.apiToken : deps.apiToken.reveal();

  const parseJson = express.json({ limit: deps.bodyLimit ?? '64kb', strict: true, type: () => true });
  // 415 for a body that is not JSON; an empty body (Apex may send none) is fine.
  const jsonBody: express.RequestHandler = (req, res, next) => {
    if (!hasBody(req)) {
      req.body = undefined;
      next();
      return;
    }
    if (!req.is('application/json')) {
      next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON (Content-Type: application/json).'));
      return;
    }
    parseJson(req, res, next);
  };

  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Cache-Control', 'no-store');
    next();
  });

  app.use(webhookRouter(deps, jsonBody));

  const api = express.Router();
  api.use((req, _res, next) => {
    if (!bearerMatches(req.headers.authorization, token)) {
      next(new ApiError(401, 'UNAUTHORIZED', 'Send Authorization: Bearer <WORKER_API_TOKEN>.'));
      return;
    }
    next();
  });

  const mailboxId = (req: Request): string => {
    const parsed = salesforceId.safeParse(req.params.id);
    if (!parsed.success) throw new ApiError(400, 'BAD_REQUEST', 'The mailbox id must be a 15- or 18-character Salesforce id.');
    return parsed.data;
  };
  const body = <T>(schema: z.ZodType<T>, req: Request): T => {
    const parsed = schema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(', ') : 'body')).join(', ');
      throw new ApiError(400, 'BAD_REQUEST', `The request body is invalid (${fields}).`);
    }
    return parsed.data;
  };
  const found = (res: Response, status: number, result: Record<string, unknown> | undefined): void => {
    if (result === undefined) throw new ApiError(404, 'NOT_FOUND', 'No mailbox with this id is known to the worker.');
    res.status(status).json(result);
  };

  api.get('/health', async (_req, res) => {
    const details = (await deps.health?.()) ?? {};
    res.json({ status: 'ok', ...(deps.version ? { version: deps.version } : {}), ...details });
  });
  api.get('/mailboxes/:id/status', async (req, res) => found(res, 200, await deps.mailboxes.status(mailboxId(req))));
  api.post('/mailboxes/:id/provision', jsonBody, async (req, res) => {
    const id = mailboxId(req);
    body(emptyBody, req);
    found(res, 202, await deps.mailboxes.provision(id));
  });
  api.post('/mailboxes/:id/sync', jsonBody, async (req, res) => {
    const id = mailboxId(req);
    const { full } = body(syncBody, req);
    found(res, 202, await deps.mailboxes.sync(id, { full: full ?? false }));
  });
  for (const action of ['pause', 'resume', 'test'] as const) {
    api.post(`/mailboxes/:id/${action}`, jsonBody, async (req, res) => {
      const id = mailboxId(req);
      body(emptyBody, req);
      found(res, 200, await deps.mailboxes[action](id));
    });
  }

  // Known paths with the wrong method answer 405 with Allow, not 404.
  const allowed: [string, string][] = [
    ['/health', 'GET'],
    ['/mailboxes/:id/status', 'GET'],
    ...(['provision', 'sync', 'pause', 'resume', 'test'] as const).map((a): [string, string] => [`/mailboxes/:id/${a}`, 'POST']),
  ];
  for (const [path, method] of allowed) {
    api.all(path, (_req, res) => {
      res.set('Allow', method);
      sendError(res, 405, 'METHOD_NOT_ALLOWED', `Use ${method} for this path.`);
    });
  }
  app.use('/api/v1', api);
  for (const path of ['/graph/notifications', '/graph/lifecycle']) {
    app.all(path, (_req, res) => {
      res.set('Allow', 'POST');
      sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Use POST for this path.');
    });
  }

  app.use((_req, res) => sendError(res, 404, 'NOT_FOUND', 'No such endpoint.'));
  // Express recognises the error handler by its four parameters.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const api = toApiError(error);
    if (api.status >= 500) deps.log?.error({ err: error, method: req.method, path: req.path }, 'request failed');
    sendError(res, api.status, api.code, api.message);
  });
  return app;
}
