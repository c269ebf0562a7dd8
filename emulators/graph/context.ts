// The request/response shapes every handler works with, whether the request came over HTTPS or
// as a $batch sub-request, and the shared emulator core the handlers reach.
import type { Params } from './router.ts';
import type { View } from './render.ts';
import type { Mailbox, Tenant } from './state.ts';

export interface Req {
  method: string;
  path: string; // after /v1.0, without the query string
  query: URLSearchParams;
  headers: Record<string, string>; // lower-case names
  body: unknown; // parsed JSON when the content type is JSON
  raw: Buffer;
}

export interface Res {
  status: number;
  headers?: Record<string, string>;
  body?: unknown; // JSON-serialised unless Buffer or string
}

export interface Counters {
  endpoints: Record<string, number>;
  mailboxes: Record<string, number>;
  kinds: Record<string, number>;
  sentInvitations: number;
  sentInvitationsByMailbox: Record<string, number>;
  notificationsDelivered: number;
  notificationAttempts: number;
  throttled: number;
}

export interface Core {
  tenant: Tenant;
  now(): number;
  url: string; // https://localhost:PORT
  baseUrl: string; // url + '/v1.0'
  tenantId: string;
  counters: Counters;
  pages: Map<string, unknown>; // server-side paging state for skip/delta tokens
  faultState: { duplicateDeltaPages: number };
  countInvitations(mb: Mailbox, n: number): void;
}

export interface Ctx {
  core: Core;
  req: Req;
  params: Params;
  mb: Mailbox;
  view: View;
}

export type Handler = (ctx: Ctx) => Res | Promise<Res>;

export function preferences(headers: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  const raw = headers['prefer'];
  if (!raw) return out;
  for (const part of raw.split(',')) {
    const m = /^\s*([A-Za-z.\-]+)\s*(?:=\s*"?([^"]*)"?)?\s*$/.exec(part);
    if (m) out.set(m[1]!.toLowerCase(), m[2] ?? '');
  }
  return out;
}
