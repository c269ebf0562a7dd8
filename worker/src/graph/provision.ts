// Idempotent provisioning of one mailbox: the contact folder "Salesforce Contacts", the To Do
// list "Salesforce Tasks", the mail folder "Salesforce Emails" and the master category
// "Salesforce" (or the configured names).
// Contract: provisionMailbox(...) finds each container by its display name and creates it
// only when missing; a create that races another worker (409 ErrorFolderExists, or a
// category that already exists) is answered by finding and reusing the existing one, so
// running it any number of times, even concurrently, leaves exactly one of each.
// The ids returned are immutable ids (the client sends Prefer: IdType="ImmutableId").
import type { GraphClient } from './client.ts';
import { ExchangeError } from './errors.ts';

export interface ProvisionNames {
  contactFolder: string;
  todoList: string;
  mailFolder: string;
  category: string;
  /** Category colour preset (preset0..preset24) used only when we create it. */
  categoryColor: string;
}

export const DEFAULT_NAMES: ProvisionNames = {
  contactFolder: 'Salesforce Contacts',
  todoList: 'Salesforce Tasks',
  mailFolder: 'Salesforce Emails',
  category: 'Salesforce',
  categoryColor: 'preset7',
};

export interface ProvisionedIds {
  contactFolderId: string;
  todoListId: string;
  mailFolderId: string;
  categoryId: string;
  categoryName: string;
  /** What this call created (the rest already existed). */
  created: Array<'contactFolder' | 'todoList' | 'mailFolder' | 'category'>;
}

type Part = ProvisionedIds['created'][number];

// To Do accepts two lists with the same name (no 409 to lean on), so concurrent calls for one
// mailbox through one client share a single run; across processes the mailbox lease ensures
// only one worker provisions a mailbox at a time.
const running = new WeakMap<GraphClient, Map<string, Promise<ProvisionedIds>>>();

export function provisionMailbox(client: GraphClient, mailbox: string, names: Partial<ProvisionNames> = {}): Promise<ProvisionedIds> {
  let perClient = running.get(client);
  if (!perClient) running.set(client, (perClient = new Map()));
  const key = `${mailbox.toLowerCase()}\n${JSON.stringify(names)}`;
  const current = perClient.get(key);
  if (current) return current.then((ids) => ({ ...ids, created: [] }));
  const run = provision(client, mailbox, names).finally(() => perClient.delete(key));
  perClient.set(key, run);
  return run;
}

async function provision(client: GraphClient, mailbox: string, names: Partial<ProvisionNames>): Promise<ProvisionedIds> {
  const n = { ...DEFAULT_NAMES, ...names };
  const user = `/users/${encodeURIComponent(mailbox)}`;
  const created: Part[] = [];
  const ensure = async (part: Part, find: () => Promise<string | undefined>, create: () => Promise<string>): Promise<string> => {
    const existing = await find();
    if (existing) return existing;
    try {
      const id = await create();
      created.push(part);
      return id;
    } catch (error) {
      // Someone (another worker, the user) created it between our look and our create.
      if (error instanceof ExchangeError && error.kind === 'conflict') {
        const again = await find();
        if (again) return again;
      }
      throw error;
    }
  };

  const contactFolderId = await ensure(
    'contactFolder',
    () => findByName(client, `${user}/contactFolders`, n.contactFolder),
    async () => idOf(await client.request('POST', `${user}/contactFolders`, { body: { displayName: n.contactFolder } })),
  );
  const todoListId = await ensure(
    'todoList',
    () => findByName(client, `${user}/todo/lists`, n.todoList),
    async () => idOf(await client.request('POST', `${user}/todo/lists`, { body: { displayName: n.todoList } })),
  );
  const mailFolderId = await ensure(
    'mailFolder',
    () => findByName(client, `${user}/mailFolders`, n.mailFolder),
    async () => idOf(await client.request('POST', `${user}/mailFolders`, { body: { displayName: n.mailFolder, isHidden: false } })),
  );
  const categoryId = await ensure(
    'category',
    () => findByName(client, `${user}/outlook/masterCategories`, n.category),
    async () => idOf(await client.request('POST', `${user}/outlook/masterCategories`, { body: { displayName: n.category, color: n.categoryColor } })),
  );
  return { contactFolderId, todoListId, mailFolderId, categoryId, categoryName: n.category, created };
}

// Lists the whole collection and compares names ourselves: $filter on displayName is not
// supported by every one of these collections (masterCategories, To Do lists), and Outlook
// compares folder names without regard to case.
async function findByName(client: GraphClient, path: string, name: string): Promise<string | undefined> {
  const wanted = name.toLowerCase();
  let url: string | undefined = path;
  for (let page = 0; url && page < 1000; page++) {
    const body: { value?: Array<{ id?: unknown; displayName?: unknown }>; '@odata.nextLink'?: string } = await client.get(url);
    const hit = (body?.value ?? []).find((c) => typeof c.displayName === 'string' && c.displayName.toLowerCase() === wanted);
    if (hit && typeof hit.id === 'string') return hit.id;
    url = body?.['@odata.nextLink'];
  }
  return undefined;
}

function idOf(body: unknown): string {
  const id = (body as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string' || id === '') throw new ExchangeError('permanent', 201, 'NoId', 'Graph created a container without returning its id');
  return id;
}
