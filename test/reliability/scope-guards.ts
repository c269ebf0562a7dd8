// Family "scope guards": one side suddenly looks empty or out of reach — the Salesforce
// Contacts folder deleted or renamed by the user, every item removed from it at once, a 403
// on the folder, the user deactivated in Salesforce, every contact leaving the mailbox's
// scope at once. Nothing may be mass-deleted on the other side, and each situation must be
// explained in an issue: an open issue in the store and its Sync_Issue__c record.
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { tally, type FamilyOptions, type FamilyResult } from './scorecard.ts';
import { containers, duplicates, messageOf, restart, runOnce, sfQuery, type Json } from './world.ts';

const PER_MAILBOX = 10;

interface Counts {
  sf: number;
  ex: number;
}

function counts(stack: LocalStack, m: StackMailbox): Counts {
  return {
    sf: sfQuery(stack, `SELECT Id FROM Contact WHERE OwnerId = '${m.salesforceUserId}'`).length,
    ex: (stack.graph.admin.items(m.address, 'contact') as Json[]).filter((c) => c.surname && String(c.surname).startsWith('Guarded')).length,
  };
}

/**
 * Each situation is explained in an issue: an open issue in the store since the act, and its
 * Sync_Issue__c record in Salesforce (what the admin sees). The mailbox's status is reported
 * beside it (Needs Attention/Error with Last_Error__c is welcome, never a substitute).
 */
async function explanation(stack: LocalStack, m: StackMailbox, since: number): Promise<string[]> {
  const issues = (await stack.store.listIssues(m.mailboxSyncId, { open: true })).filter((i) => i.occurredAt >= since);
  if (issues.length === 0) {
    const status = sfQuery(stack, `SELECT Status__c, Last_Error__c FROM Mailbox_Sync__c WHERE Id = '${m.mailboxSyncId}'`)[0];
    return [`no open issue explains it (status ${String(status?.Status__c)}, Last_Error__c ${JSON.stringify(status?.Last_Error__c ?? null)})`];
  }
  const records = sfQuery(stack, `SELECT Id, Message__c, Resolved__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}' AND Resolved__c = false`);
  const shown = issues.filter((i) => records.some((r) => r.Message__c === i.message));
  return shown.length > 0 ? [] : [`open issue(s) ${issues.map((i) => JSON.stringify(i.message)).join(', ')} have no open Sync_Issue__c record in Salesforce`];
}

export async function scopeGuards(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('scope guards', options);
  const cases: Array<{ name: string; act: (stack: LocalStack, m: StackMailbox) => Promise<void>; guard: 'salesforce' | 'exchange' }> = [
    {
      name: 'the Salesforce Contacts folder deleted by the user',
      guard: 'salesforce',
      act: async (stack, m) => {
        const { contactFolderId } = await containers(stack, m);
        await stack.client.request('DELETE', `/users/${encodeURIComponent(m.address)}/contactFolders/${contactFolderId}`);
      },
    },
    {
      name: 'the Salesforce Contacts folder renamed by the user',
      guard: 'salesforce',
      act: async (stack, m) => {
        const { contactFolderId } = await containers(stack, m);
        await stack.client.request('PATCH', `/users/${encodeURIComponent(m.address)}/contactFolders/${contactFolderId}`, { body: { displayName: 'Renamed by the user' } });
      },
    },
    {
      name: 'every contact removed from the folder at once (empty listing)',
      guard: 'salesforce',
      act: async (stack, m) => {
        for (const c of stack.graph.admin.items(m.address, 'contact') as Json[]) stack.graph.admin.userDeleteContact(m.address, String(c.id));
      },
    },
    {
      name: 'a 403 on the mailbox',
      guard: 'salesforce',
      act: async (stack, m) => {
        // every read of the mailbox is refused (an application access policy now excludes it)
        stack.graph.admin.fault({ match: { mailbox: m.address, method: 'GET' }, count: 200, status: 403, code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' });
      },
    },
    {
      name: 'the user deactivated in Salesforce',
      guard: 'exchange',
      act: async (stack, m) => {
        stack.salesforce.admin.update('User', m.salesforceUserId, { IsActive: false });
      },
    },
    {
      name: 'every contact leaving the mailbox scope at once (owner changed)',
      guard: 'exchange',
      act: async (stack, m) => {
        const other = stack.salesforce.users[0]!.id;
        for (const r of sfQuery(stack, `SELECT Id FROM Contact WHERE OwnerId = '${m.salesforceUserId}'`)) stack.salesforce.admin.update('Contact', String(r.Id), { OwnerId: other });
      },
    },
  ];
  const stack = await startLocalStack({ seed: { mailboxes: cases.length }, start: false });
  try {
    for (const [n, c] of cases.entries()) {
      const m = stack.mailboxes[n]!;
      await t.case(c.name, async () => {
        for (let i = 0; i < PER_MAILBOX; i++) stack.salesforce.admin.insert('Contact', { LastName: `Guarded${n}x${i}`, Email: `guarded${n}x${i}@example.test`, OwnerId: m.salesforceUserId });
        const rt = restart(stack);
        const setup = await runOnce(rt, m);
        if (!setup.ok) throw new Error(`setup run failed: ${messageOf(setup.error)}`);
        const before = counts(stack, m);
        if (before.ex !== PER_MAILBOX) throw new Error(`setup: ${before.ex} contacts in Outlook, expected ${PER_MAILBOX}`);
        const since = Date.now();
        await c.act(stack, m);
        for (let i = 0; i < 2; i++) await runOnce(rt, m);
        await rt.stop();
        const after = counts(stack, m);
        const out: string[] = [];
        if (c.guard === 'salesforce') {
          const sfNow = sfQuery(stack, `SELECT Id FROM Contact WHERE LastName LIKE 'Guarded${n}x%'`).length;
          if (sfNow < PER_MAILBOX) out.push(`${PER_MAILBOX - sfNow} Salesforce contact(s) deleted`);
        } else if (after.ex < before.ex / 2) out.push(`${before.ex - after.ex} of ${before.ex} Outlook contacts deleted`);
        out.push(...(await explanation(stack, m, since - 1_000)));
        return [...out, ...duplicates(stack, m)];
      });
    }
  } finally {
    await stack.close();
  }
  return t.result();
}
