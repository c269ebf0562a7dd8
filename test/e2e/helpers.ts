// Shared e2e helpers: polling with a deadline (never a fixed sleep), and peeks at emulator state.
import type { LocalStack, StackMailbox } from '../../scripts/lib/stack.ts';
import { storedSettings } from '../../worker/src/runtime/mailbox-config.ts';

/** Polls `probe` until it returns a value other than undefined/false, or fails at the deadline. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export type Json = Record<string, unknown>;

export function stampOf(item: Json): string | undefined {
  const props = (item.singleValueExtendedProperties ?? []) as Array<{ id: string; value: string }>;
  return props.find((p) => /Name SalesforceId$/i.test(p.id))?.value;
}

export async function containers(stack: LocalStack, m: StackMailbox): Promise<{ contactFolderId: string; todoListId: string }> {
  const row = await stack.store.getMailbox(m.mailboxSyncId);
  const p = row ? storedSettings(row)?.provisioned : undefined;
  if (!p) throw new Error('mailbox not provisioned');
  return p;
}

export function graphContacts(stack: LocalStack, m: StackMailbox): Json[] {
  return stack.graph.admin.items(m.address, 'contact') as Json[];
}

export function graphTasks(stack: LocalStack, m: StackMailbox): Json[] {
  return stack.graph.admin.items(m.address, 'todoTask') as Json[];
}

export function sfQuery(stack: LocalStack, soql: string): Json[] {
  return stack.salesforce.admin.query(soql) as Json[];
}
