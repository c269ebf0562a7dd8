// The email kind in the crash-point matrix (./crash-points.ts). Email is one-way, Exchange →
// Salesforce (docs/email-logging.md): a message filed in Salesforce Emails becomes one completed
// Task with one ContentVersion per attachment, a TaskRelation per further contact, and the
// message is stamped last. What the user does, per scenario:
// - create: files a message from one contact to another with two attachments;
// - refile: moves a logged message out of the folder and back in;
// - copy: files a second copy of a logged message (same Internet message id);
// - move out / delete: takes a logged message out of the folder, or deletes it (the task stays).
// After recovery: exactly one Task for the message, exactly one file per attachment, one
// relation per further contact, every copy left in the folder stamped with the task and the
// category, and nothing lost when the message left the folder.
import { randomBytes } from 'node:crypto';
import type { LocalStack, StackMailbox } from '../../scripts/lib/stack.ts';
import { exchangeKey } from '../../worker/src/core/maps/email.ts';
import { containers, messageOf, restart, runOnce, sfQuery, stampOf, type Json } from './world.ts';

export const EMAIL_OPS = ['create', 'refile', 'copy', 'move out', 'delete'] as const;
export type EmailOp = (typeof EMAIL_OPS)[number];

interface Correspondents {
  from: { id: string; address: string };
  to: { id: string; address: string };
}

/** Per stack and mailbox (ids repeat across stacks: each emulator counts from 1). */
const known = new WeakMap<LocalStack, Map<string, Correspondents>>();

/** Two contacts the messages are from and to, synced once by a clean run before any crash. */
async function correspondents(stack: LocalStack, m: StackMailbox): Promise<Correspondents> {
  const mine = known.get(stack) ?? new Map<string, Correspondents>();
  known.set(stack, mine);
  const have = mine.get(m.mailboxSyncId);
  if (have) return have;
  const s = stack.salesforce.admin;
  const tag = randomBytes(4).toString('hex');
  const person = (last: string): { id: string; address: string } => {
    const address = `${last.toLowerCase()}.${tag}@contoso.example`;
    return { id: s.insert('Contact', { FirstName: 'Mail', LastName: `${last}${tag}`, Email: address, OwnerId: m.salesforceUserId }), address };
  };
  const made = { from: person('Sender'), to: person('Recipient') };
  const r = await runOnce(restart(stack), m);
  if (!r.ok) throw new Error(`setup run for the email contacts failed: ${messageOf(r.error)}`);
  mine.set(m.mailboxSyncId, made);
  return made;
}

const ATTACHMENTS = [
  { name: 'minutes.txt', contentType: 'text/plain', size: 2_000 },
  { name: 'scan.pdf', contentType: 'application/pdf', size: 48_000 },
] as const;

function fileMessage(stack: LocalStack, m: StackMailbox, folderId: string, who: Correspondents, subject: string, internetMessageId: string): string {
  const g = stack.graph.admin;
  const id = g.deliverMessage(m.address, {
    subject,
    internetMessageId,
    from: { emailAddress: { address: who.from.address } },
    toRecipients: [{ emailAddress: { address: who.to.address } }, { emailAddress: { address: m.address } }],
    body: { contentType: 'html', content: `<p>Minutes of ${subject}</p>` },
    attachments: ATTACHMENTS.map((a) => ({ name: a.name, contentType: a.contentType, bytes: randomBytes(a.size) })),
  });
  return g.userMoveMessage(m.address, id, folderId);
}

/** Files (and for the later ops logs) a message, makes the user's change; returns the check to run after recovery. */
export async function prepareEmail(stack: LocalStack, m: StackMailbox, op: EmailOp, name: string): Promise<() => string[]> {
  const who = await correspondents(stack, m);
  const { mailFolderId, categoryName } = await containers(stack, m);
  const g = stack.graph.admin;
  const internetMessageId = `<${name}.${randomBytes(6).toString('hex')}@contoso.example>`;
  const id = fileMessage(stack, m, mailFolderId, who, name, internetMessageId);
  const check = (): string[] => checkEmail(stack, m, { internetMessageId, subject: name, who, mailFolderId, categoryName });
  if (op === 'create') return check;
  const setup = await runOnce(restart(stack), m);
  if (!setup.ok) throw new Error(`setup run failed: ${messageOf(setup.error)}`);
  const logged = check();
  if (logged.length > 0) throw new Error(`setup did not log ${name}: ${logged.join('; ')}`);
  if (op === 'refile') g.userMoveMessage(m.address, g.userMoveMessage(m.address, id, 'inbox'), mailFolderId);
  else if (op === 'copy') fileMessage(stack, m, mailFolderId, who, name, internetMessageId);
  else if (op === 'move out') g.userMoveMessage(m.address, id, 'inbox');
  else g.userDeleteMessage(m.address, id);
  return check;
}

interface Filed {
  internetMessageId: string;
  subject: string;
  who: Correspondents;
  mailFolderId: string;
  categoryName: string;
}

function checkEmail(stack: LocalStack, m: StackMailbox, f: Filed): string[] {
  const out: string[] = [];
  const tasks = sfQuery(stack, `SELECT Id, Status, TaskSubtype, WhoId FROM Task WHERE SCC_Exchange_Key__c = '${exchangeKey(f.internetMessageId)}'`);
  if (tasks.length !== 1) return [`${tasks.length === 0 ? 'lost' : 'duplicated'}: ${tasks.length} Salesforce task(s) for the email ${f.subject}, expected 1`];
  const task = tasks[0]!;
  const taskId = String(task.Id);
  if (task.Status !== 'Completed' || task.TaskSubtype !== 'Email') out.push(`the task of ${f.subject} is ${String(task.Status)}/${String(task.TaskSubtype)}, expected Completed/Email`);
  if (task.WhoId !== f.who.from.id) out.push(`the task of ${f.subject} is related to ${String(task.WhoId)}, expected the sender ${f.who.from.id}`);
  const relations = sfQuery(stack, `SELECT Id FROM TaskRelation WHERE TaskId = '${taskId}' AND RelationId = '${f.who.to.id}'`);
  if (relations.length !== 1) out.push(`${relations.length} TaskRelation row(s) for the recipient on the task of ${f.subject}, expected 1`);
  const files = filesOn(stack, taskId);
  for (const a of ATTACHMENTS) {
    const n = files.filter((v) => v.PathOnClient === a.name).length;
    if (n !== 1) out.push(`${n === 0 ? 'lost' : 'duplicated'}: ${n} file(s) ${a.name} on the task of ${f.subject}, expected 1`);
  }
  if (files.length !== ATTACHMENTS.length) out.push(`${files.length} file(s) on the task of ${f.subject}, expected ${ATTACHMENTS.length}`);
  const copies = (stack.graph.admin.items(m.address, 'message') as Json[]).filter((x) => x.internetMessageId === f.internetMessageId && x.parentId === f.mailFolderId);
  for (const c of copies) {
    const categories = Array.isArray(c.categories) ? (c.categories as string[]) : [];
    if (stampOf(c) !== taskId || !categories.includes(f.categoryName)) out.push(`a filed copy of ${f.subject} is not stamped with its task (stamp ${String(stampOf(c))}, categories ${categories.join(',') || 'none'})`);
  }
  return out;
}

function filesOn(stack: LocalStack, taskId: string): Json[] {
  const docs = sfQuery(stack, `SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '${taskId}'`).map((r) => `'${String(r.ContentDocumentId)}'`);
  return docs.length === 0 ? [] : sfQuery(stack, `SELECT Id, PathOnClient FROM ContentVersion WHERE ContentDocumentId IN (${docs.join(', ')})`);
}
