// Scope guards explained (issue 10): situations where the sync deliberately does less than
// usual each get one idempotent issue, resolved when the situation ends.
// Contract:
// - checkUser(...) reads the mailbox's Salesforce user; inactive or gone → opens the issue
//   `user-inactive:<mailbox>` (Error) and returns its message (the run must not sync);
//   active → resolves that issue and returns undefined. A failed read throws (the run fails
//   and retries like any other Salesforce failure: nothing is synced on a guess).
// - checkRenames(...) compares the provisioned contact folder's and To Do list's display
//   names with the names we provisioned; a rename opens `renamed:<mailbox>:<part>` (Skipped,
//   informational: sync carries on by id), a rename back resolves it. A container that is
//   gone (404) opens `missing:<mailbox>:<part>` (Error; the run then fails on it), resolved
//   once it reads again. Other read failures are left to the sync itself.
// - noteRunFailure(...) explains a run stopped by something a person must fix (refused
//   access, a missing object, a rejected request) in one issue `run-failed:<mailbox>`,
//   refreshed with the latest reason; waiting out throttling or an outage opens none.
//   noteRunSuccess(...) resolves it.
// - noteScopeLeft(...) explains items that left the sync scope in a run (owner changed, scope
//   narrowed, moved out of the folder): the planner only unlinks them and deletes nothing, so
//   without this they would stop syncing silently. One Skipped issue `scope-left:<mailbox>:<kind>`,
//   refreshed with the latest run's count.
import type { GraphClient } from '../graph/client.ts';
import { ExchangeError } from '../graph/errors.ts';
import { DEFAULT_NAMES, type ProvisionedIds } from '../graph/provision.ts';
import type { RunUser } from './user-zone.ts';
import type { Store } from '../store/types.ts';
import type { Failure } from './errors.ts';

async function resolveKey(store: Store, mailboxId: string, issueKey: string): Promise<void> {
  for (const issue of await store.listIssues(mailboxId, { open: true })) {
    if (issue.issueKey === issueKey) await store.resolveIssue(issue.id);
  }
}

export async function checkUser(store: Store, readUser: RunUser, mailboxId: string, userId: string): Promise<string | undefined> {
  const issueKey = `user-inactive:${mailboxId}`;
  // Without a user the owner scope is unknown; other checks (validation) report that case.
  if (!/^[a-zA-Z0-9]{15,18}$/.test(userId)) return undefined;
  const user = await readUser();
  if (user && user.IsActive !== false) {
    await resolveKey(store, mailboxId, issueKey);
    return undefined;
  }
  const who = user && typeof user.Username === 'string' ? `${user.Username} (${userId})` : userId;
  const message = user
    ? `The Salesforce user ${who} is inactive, so syncing this mailbox is paused; nothing was deleted. Reactivate the user (or assign the mailbox to an active user) and syncing resumes.`
    : `The Salesforce user ${who} no longer exists, so syncing this mailbox is paused; nothing was deleted. Assign the mailbox to an active user and syncing resumes.`;
  await store.openIssue({ mailboxId, kind: 'Error', objectType: 'Contact', salesforceId: null, exchangeId: null, message, issueKey });
  return message;
}

export interface RenameChecks {
  contacts: boolean;
  tasks: boolean;
}

export async function checkRenames(
  store: Store,
  graph: GraphClient,
  mailboxId: string,
  address: string,
  provisioned: Omit<ProvisionedIds, 'created'>,
  enabled: RenameChecks,
): Promise<void> {
  const user = `/users/${encodeURIComponent(address)}`;
  const parts = [
    { part: 'contactFolder', on: enabled.contacts, path: `${user}/contactFolders/${encodeURIComponent(provisioned.contactFolderId)}`, name: DEFAULT_NAMES.contactFolder, what: 'Outlook folder', objectType: 'Contact' },
    { part: 'todoList', on: enabled.tasks, path: `${user}/todo/lists/${encodeURIComponent(provisioned.todoListId)}`, name: DEFAULT_NAMES.todoList, what: 'To Do list', objectType: 'Task' },
  ];
  for (const p of parts) {
    if (!p.on) continue;
    let displayName: unknown;
    const missingKey = `missing:${mailboxId}:${p.part}`;
    try {
      displayName = ((await graph.get(p.path)) as { displayName?: unknown } | undefined)?.displayName;
    } catch (error) {
      if (error instanceof ExchangeError && error.kind === 'not-found') {
        await store.openIssue({
          mailboxId,
          kind: 'Error',
          objectType: p.objectType,
          salesforceId: null,
          exchangeId: null,
          message: `The ${p.what} '${p.name}' was deleted or can no longer be found, so this mailbox does not sync; nothing is deleted in Salesforce because of it. Provision the mailbox again to recreate it.`,
          issueKey: missingKey,
        });
      }
      continue;
    }
    await resolveKey(store, mailboxId, missingKey);
    if (typeof displayName !== 'string') continue;
    const issueKey = `renamed:${mailboxId}:${p.part}`;
    // Outlook compares folder names without regard to case (as provisioning does).
    if (displayName.toLowerCase() === p.name.toLowerCase()) {
      await resolveKey(store, mailboxId, issueKey);
      continue;
    }
    await store.openIssue({
      mailboxId,
      kind: 'Skipped',
      objectType: p.objectType,
      salesforceId: null,
      exchangeId: null,
      message: `The ${p.what} '${p.name}' was renamed to '${displayName}'; SmartCloud Connect keeps syncing it.`,
      issueKey,
    });
  }
}

const runIssueKey = (mailboxId: string): string => `run-failed:${mailboxId}`;

export async function noteRunFailure(store: Store, mailboxId: string, failure: Failure): Promise<void> {
  if (!failure.status || failure.kind === 'temporary' || failure.kind === 'rate-limited') return;
  await store.openIssue({
    mailboxId,
    kind: 'Error',
    objectType: 'Contact',
    salesforceId: null,
    exchangeId: null,
    message: `Syncing this mailbox stopped: ${failure.message}. The worker tries again on every run.`,
    issueKey: runIssueKey(mailboxId),
  });
}

export async function noteRunSuccess(store: Store, mailboxId: string): Promise<void> {
  await resolveKey(store, mailboxId, runIssueKey(mailboxId));
}

export async function noteScopeLeft(store: Store, mailboxId: string, kind: string, objectType: string, count: number): Promise<void> {
  await store.openIssue({
    mailboxId,
    kind: 'Skipped',
    objectType,
    salesforceId: null,
    exchangeId: null,
    message: `${count} ${kind}${count === 1 ? '' : 's'} left this mailbox's sync scope (in Salesforce: owner changed or the scope narrowed; in Outlook: moved out of the synced folder or list). Both copies are kept and no longer synced; nothing was deleted.`,
    issueKey: `scope-left:${mailboxId}:${kind}`,
  });
}
