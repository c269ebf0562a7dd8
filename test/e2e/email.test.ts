// End to end on the local stack (both emulators, real jsforce and Graph clients, SQLite
// store, live webhooks and scheduler): a message moved into "Salesforce Emails" becomes one
// completed Salesforce Task with its attachments as ContentVersions. Every wait is a
// deadline-bounded poll; faults come from the emulators' switches.
import { createHash, randomBytes } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { storedSettings } from '../../worker/src/runtime/mailbox-config.ts';
import { exchangeKey } from '../../worker/src/core/maps/email.ts';
import { sfQuery, stampOf, waitFor, type Json } from './helpers.ts';

let stack: LocalStack;
let m: StackMailbox;
let folderId: string;
let accountId: string;
let ann: string;
let bob: string;
let lea: string;
let dispatcher: Agent;
const user = () => `/users/${encodeURIComponent(m.address)}`;
const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  stack = await startLocalStack({
    seed: { salesforce: 'none', mailboxSync: { Sync_Emails__c: true, Sync_Contacts__c: false, Sync_Tasks__c: false } },
    runtime: { email: { maxAttachmentBytes: 11 * 1024 * 1024 } },
  });
  m = stack.mailboxes[0]!;
  dispatcher = new Agent({ connect: { ca: stack.graph.caCert } });
  const row = await waitFor('provisioned mailbox', async () => {
    const r = await stack.store.getMailbox(m.mailboxSyncId);
    return r && storedSettings(r)?.provisioned;
  });
  folderId = row.mailFolderId;
  accountId = stack.salesforce.admin.insert('Account', { Name: 'Contoso' });
  ann = stack.salesforce.admin.insert('Contact', { FirstName: 'Ann', LastName: 'Archer', Email: 'ann@contoso.example', AccountId: accountId, OwnerId: m.salesforceUserId });
  bob = stack.salesforce.admin.insert('Contact', { FirstName: 'Bob', LastName: 'Baker', Email: 'bob@contoso.example', AccountId: accountId, OwnerId: m.salesforceUserId });
  lea = stack.salesforce.admin.insert('Lead', { FirstName: 'Lea', LastName: 'Lind', Company: 'Fabrikam', Email: 'lea@fabrikam.example' });
}, 60_000);

afterAll(async () => {
  await dispatcher?.close();
  await stack?.close();
});

/** A message arriving in the inbox, then moved by the user into Salesforce Emails. */
function fileMessage(message: Json & { attachments?: Array<{ name: string; bytes: Buffer; contentType?: string; isInline?: boolean }> }): { id: string; internetMessageId: string } {
  const internetMessageId = `<${randomBytes(8).toString('hex')}@contoso.example>`;
  const id = stack.graph.admin.deliverMessage(m.address, { internetMessageId, ...message });
  return { id: stack.graph.admin.userMoveMessage(m.address, id, folderId), internetMessageId };
}

function tasksFor(internetMessageId: string): Json[] {
  return sfQuery(stack, `SELECT Id, Subject, Description, Status, TaskSubtype, ActivityDate, WhoId, WhatId, OwnerId FROM Task WHERE SCC_Exchange_Key__c = '${exchangeKey(internetMessageId)}'`);
}

function filesOn(taskId: string): Json[] {
  const docs = sfQuery(stack, `SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '${taskId}'`).map((r) => `'${String(r.ContentDocumentId)}'`);
  return docs.length === 0 ? [] : sfQuery(stack, `SELECT Id, Title, PathOnClient, ContentSize FROM ContentVersion WHERE ContentDocumentId IN (${docs.join(', ')})`);
}

async function versionBytes(id: string): Promise<Buffer> {
  const res = await fetch(`${stack.sf.instanceUrl}/services/data/v60.0/sobjects/ContentVersion/${id}/VersionData`, { headers: { Authorization: `Bearer ${stack.sf.accessToken()}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

function graphMessage(id: string): Json {
  return (stack.graph.admin.items(m.address, 'message') as Json[]).find((x) => x.id === id)!;
}

/** Sync now, then wait until a run that started after this call has finished. */
async function afterNextRun(): Promise<void> {
  const since = Date.now();
  await stack.runtime.ports.sync(m.mailboxSyncId, { full: false });
  await waitFor('a run after now', async () => (await stack.store.listRuns(m.mailboxSyncId, 5)).some((r) => r.startedAt >= since && r.finishedAt !== null), 30_000);
}

async function loggedTask(internetMessageId: string): Promise<Json> {
  return waitFor('the logged task', () => tasksFor(internetMessageId)[0], 30_000);
}

describe('email logging', () => {
  it('the Salesforce Emails folder is watched by a Graph subscription', () => {
    const resources = stack.graph.admin.subscriptions().map((x) => String(x.resource));
    expect(resources.some((r) => r.includes(`/mailFolders/${folderId}/messages`))).toBe(true);
  });

  it('a message with two attachments (one 10 MB through an upload session) becomes one completed task with both files, byte for byte', async () => {
    const small = randomBytes(200_000);
    const big = randomBytes(10 * 1024 * 1024);
    // The message is built through Graph as Outlook would: a draft, a small attachment, a 10 MB one by upload session.
    const draft = await stack.client.request<Json>('POST', `${user()}/messages`, {
      body: { subject: 'Quote for Q3', body: { contentType: 'html', content: '<p>Hello <b>Ann</b>,</p><p>the quote is attached.</p>' }, toRecipients: [{ emailAddress: { address: 'ann@contoso.example' } }] },
    });
    const draftId = String(draft.id);
    await stack.client.request('POST', `${user()}/messages/${draftId}/attachments`, {
      body: { '@odata.type': '#microsoft.graph.fileAttachment', name: 'terms.pdf', contentType: 'application/pdf', contentBytes: small.toString('base64') },
    });
    const session = await stack.client.request<{ uploadUrl: string }>('POST', `${user()}/messages/${draftId}/attachments/createUploadSession`, {
      body: { AttachmentItem: { attachmentType: 'file', name: 'drawings.zip', size: big.length, contentType: 'application/zip' } },
    });
    const step = 4 * 1024 * 1024 - (4 * 1024 * 1024) % 327_680;
    for (let at = 0; at < big.length; at += step) {
      const part = big.subarray(at, Math.min(big.length, at + step));
      const res = await fetch(session.uploadUrl, { method: 'PUT', body: part, headers: { 'Content-Range': `bytes ${at}-${at + part.length - 1}/${big.length}`, 'Content-Type': 'application/octet-stream' }, dispatcher });
      expect([200, 201]).toContain(res.status);
    }
    const message = await stack.client.request<Json>('GET', `${user()}/messages/${draftId}?$select=internetMessageId`);
    const internetMessageId = String(message.internetMessageId);
    await stack.client.request('POST', `${user()}/messages/${draftId}/move`, { body: { destinationId: folderId } });

    const task = await loggedTask(internetMessageId);
    const files = await waitFor('two files on the task', () => filesOn(String(task.Id)).length === 2 && filesOn(String(task.Id)), 30_000);
    expect(task).toMatchObject({ Subject: 'Email: Quote for Q3', Status: 'Completed', TaskSubtype: 'Email', WhoId: ann, WhatId: accountId, OwnerId: m.salesforceUserId });
    expect(String(task.Description)).toContain('To: ann@contoso.example');
    expect(String(task.Description)).toContain('Hello Ann');
    expect(String(task.Description)).not.toContain('<b>');
    const byName = new Map(files.map((f) => [String(f.PathOnClient), f]));
    expect(sha(await versionBytes(String(byName.get('terms.pdf')!.Id)))).toBe(sha(small));
    expect(sha(await versionBytes(String(byName.get('drawings.zip')!.Id)))).toBe(sha(big));

    // Marked in Outlook: the category and the Task Id.
    await waitFor('the message stamped', () => {
      const g = graphMessage(draftId);
      return stampOf(g) === task.Id && (g.categories as string[]).includes('Salesforce');
    });

    // Moving it out of the folder later does not delete the task.
    await stack.client.request('POST', `${user()}/messages/${draftId}/move`, { body: { destinationId: 'inbox' } });
    await afterNextRun();
    expect(tasksFor(internetMessageId)).toHaveLength(1);
    expect(sfQuery(stack, `SELECT Id FROM Task WHERE Id = '${String(task.Id)}'`)).toHaveLength(1);
  }, 90_000);

  it('duplicate notifications, a crash between the task insert and the upload, and a second move end with one task and two files', async () => {
    stack.graph.admin.duplicateNextNotifications(4);
    // The first file upload fails as if the worker died there: the task exists, no file yet.
    stack.salesforce.admin.fault({ method: 'POST', path: '/sobjects/ContentVersion', count: 1, status: 503 });
    const a = randomBytes(50_000);
    const b = randomBytes(3_000_000);
    const { id, internetMessageId } = fileMessage({
      subject: 'Signed contract',
      from: { emailAddress: { address: 'bob@contoso.example', name: 'Bob Baker' } },
      toRecipients: [{ emailAddress: { address: m.address } }],
      hasAttachments: true,
      attachments: [{ name: 'contract.pdf', bytes: a, contentType: 'application/pdf' }, { name: 'annex.docx', bytes: b }],
    });
    const task = await loggedTask(internetMessageId);
    // The failed run backs off; Sync now runs it again (what a restart would do).
    await waitFor('the run that hit the fault', async () => (await stack.store.listRuns(m.mailboxSyncId, 5)).some((r) => r.error !== null));
    expect(filesOn(String(task.Id))).toHaveLength(0);
    await stack.runtime.ports.sync(m.mailboxSyncId, { full: false });
    await waitFor('two files', () => filesOn(String(task.Id)).length === 2, 30_000);
    await waitFor('stamped', () => stampOf(graphMessage(id)) === task.Id);

    // Moved out and in again: still one task, two files.
    const out = stack.graph.admin.userMoveMessage(m.address, id, 'inbox');
    stack.graph.admin.userUpdateMessage(m.address, out, { categories: [] });
    stack.graph.admin.userMoveMessage(m.address, out, folderId);
    await waitFor('stamped again', () => {
      const g = graphMessage(out);
      return (g.categories as string[]).includes('Salesforce');
    }, 30_000);
    expect(tasksFor(internetMessageId)).toHaveLength(1);
    const files = filesOn(String(task.Id));
    expect(files.map((f) => f.PathOnClient).sort()).toEqual(['annex.docx', 'contract.pdf']);
    expect(sha(await versionBytes(String(files.find((f) => f.PathOnClient === 'annex.docx')!.Id)))).toBe(sha(b));
    expect(task.WhoId).toBe(bob);
  }, 90_000);

  it('a subject and body in Japanese with emoji survive intact', async () => {
    const subject = '見積書のご送付 🎉📎';
    const { internetMessageId } = fileMessage({
      subject,
      from: { emailAddress: { address: 'ann@contoso.example' } },
      toRecipients: [{ emailAddress: { address: m.address } }],
      body: { contentType: 'html', content: '<p>いつもお世話になっております。👍 よろしくお願いします 🙇‍♂️</p>' },
    });
    const task = await loggedTask(internetMessageId);
    expect(task.Subject).toBe(`Email: ${subject}`);
    expect(String(task.Description)).toContain('いつもお世話になっております。👍 よろしくお願いします 🙇‍♂️');
  }, 60_000);

  it('a 100 KB body is truncated to the field length with a visible note', async () => {
    const body = 'x'.repeat(50_000) + '😀'.repeat(25_000);
    const { internetMessageId } = fileMessage({
      subject: 'Long thread',
      from: { emailAddress: { address: 'ann@contoso.example' } },
      toRecipients: [{ emailAddress: { address: m.address } }],
      body: { contentType: 'text', content: body },
    });
    const task = await loggedTask(internetMessageId);
    const description = String(task.Description);
    expect(description.length).toBeLessThanOrEqual(32_000);
    expect(description.length).toBeGreaterThan(31_000);
    expect(description).toMatch(/\[Truncated by SmartCloud Connect: \d+ of \d+ characters omitted; the full email is in Outlook\.\]$/);
    expect(description.startsWith('From: ann@contoso.example')).toBe(true);
  }, 60_000);

  it('a sender matching nothing is still logged and yields a Skipped issue', async () => {
    const { internetMessageId } = fileMessage({
      subject: 'Cold inbound',
      from: { emailAddress: { address: 'stranger@nowhere.example' } },
      toRecipients: [{ emailAddress: { address: m.address } }],
    });
    const task = await loggedTask(internetMessageId);
    expect(task.WhoId ?? null).toBeNull();
    const issue = await waitFor('the Skipped issue in Salesforce', () =>
      sfQuery(stack, `SELECT Kind__c, Object_Type__c, Message__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}'`).find((i) => String(i.Message__c).includes('Cold inbound')),
    );
    expect(issue).toMatchObject({ Kind__c: 'Skipped', Object_Type__c: 'Email' });
    expect(String(issue.Message__c)).toMatch(/No contact or lead matched/);
  }, 60_000);

  it('a message from the mailbox owner to two contacts relates both (a lead in Cc is not mixed in); the owner never matches', async () => {
    const { internetMessageId } = fileMessage({
      subject: 'Kick-off',
      from: { emailAddress: { address: m.address } },
      toRecipients: [{ emailAddress: { address: 'Bob@Contoso.example' } }, { emailAddress: { address: 'ann@contoso.example' } }],
      ccRecipients: [{ emailAddress: { address: 'lea@fabrikam.example' } }],
    });
    const task = await loggedTask(internetMessageId);
    expect(task.WhoId).toBe(bob);
    expect(task.WhatId).toBe(accountId);
    expect(String(task.Description)).toContain(`From: ${m.address.toLowerCase()}`);
    const relations = await waitFor('task relations', () => {
      const rows = sfQuery(stack, `SELECT RelationId FROM TaskRelation WHERE TaskId = '${String(task.Id)}'`).map((r) => String(r.RelationId));
      return rows.includes(ann) && rows;
    });
    // Salesforce relates a task to one lead or to contacts, never both.
    expect(relations).not.toContain(lea);
  }, 60_000);

  it('a lead alone becomes the WhoId, with no account', async () => {
    const { internetMessageId } = fileMessage({ subject: 'Demo request', from: { emailAddress: { address: 'lea@fabrikam.example' } }, toRecipients: [{ emailAddress: { address: m.address } }] });
    const task = await loggedTask(internetMessageId);
    expect(task.WhoId).toBe(lea);
    expect(task.WhatId ?? null).toBeNull();
  }, 60_000);

  it('an attachment over the size limit is skipped with an issue naming it; inline images are skipped by default', async () => {
    const ok = randomBytes(1000);
    const { internetMessageId } = fileMessage({
      subject: 'Huge scan',
      from: { emailAddress: { address: 'ann@contoso.example' } },
      toRecipients: [{ emailAddress: { address: m.address } }],
      hasAttachments: true,
      attachments: [
        { name: 'scan.tiff', bytes: Buffer.alloc(12 * 1024 * 1024, 7) },
        { name: 'logo.png', bytes: randomBytes(500), contentType: 'image/png', isInline: true },
        { name: 'notes.txt', bytes: ok, contentType: 'text/plain' },
      ],
    });
    const task = await loggedTask(internetMessageId);
    const issue = await waitFor('the issue naming the file', () =>
      sfQuery(stack, `SELECT Kind__c, Message__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}'`).find((i) => String(i.Message__c).includes('scan.tiff')),
    );
    expect(issue.Kind__c).toBe('Skipped');
    const files = await waitFor('the small file', () => filesOn(String(task.Id)).length > 0 && filesOn(String(task.Id)));
    expect(files.map((f) => f.PathOnClient)).toEqual(['notes.txt']);
  }, 60_000);

  it('with Email Without Match = Skip, an unmatched email is not logged and the issue says why', async () => {
    stack.salesforce.admin.update('Mailbox_Sync__c', m.mailboxSyncId, { Email_No_Match__c: 'Skip' });
    // A run reads the setting when it starts: let one start after the change first.
    await afterNextRun();
    try {
      const { internetMessageId } = fileMessage({ subject: 'Newsletter', from: { emailAddress: { address: 'news@list.example' } }, toRecipients: [{ emailAddress: { address: m.address } }] });
      const issue = await waitFor('the Skipped issue', () =>
        sfQuery(stack, `SELECT Kind__c, Message__c FROM Sync_Issue__c WHERE Mailbox_Sync__c = '${m.mailboxSyncId}'`).find((i) => String(i.Message__c).includes('Newsletter')),
      );
      expect(issue.Kind__c).toBe('Skipped');
      expect(String(issue.Message__c)).toMatch(/not logged: no contact or lead matched/);
      expect(tasksFor(internetMessageId)).toHaveLength(0);
    } finally {
      stack.salesforce.admin.update('Mailbox_Sync__c', m.mailboxSyncId, { Email_No_Match__c: 'Log Anyway' });
    }
  }, 60_000);

  it('an attachment read that fails (Graph 500 on $value) is retried by the next run: the file saved whole, once', async () => {
    stack.graph.admin.fault({ match: { method: 'GET', pathIncludes: '$value' }, count: 1, status: 500, code: 'InternalServerError' });
    const bytes = randomBytes(9 * 1024 * 1024);
    const { internetMessageId } = fileMessage({
      subject: 'Survey data',
      from: { emailAddress: { address: 'ann@contoso.example' } },
      toRecipients: [{ emailAddress: { address: m.address } }],
      hasAttachments: true,
      attachments: [{ name: 'survey.csv', bytes, contentType: 'text/csv' }],
    });
    const task = await loggedTask(internetMessageId);
    await waitFor('the failed run', async () => (await stack.store.listRuns(m.mailboxSyncId, 5)).some((r) => r.error !== null && r.error.includes('500')) || filesOn(String(task.Id)).length > 0);
    await stack.runtime.ports.sync(m.mailboxSyncId, { full: false });
    const files = await waitFor('the file', () => filesOn(String(task.Id)).length > 0 && filesOn(String(task.Id)), 30_000);
    await afterNextRun();
    expect(filesOn(String(task.Id))).toHaveLength(1);
    expect(sha(await versionBytes(String(files[0]!.Id)))).toBe(sha(bytes));
    expect(tasksFor(internetMessageId)).toHaveLength(1);
  }, 60_000);

  it('a file is known by SCC_Attachment_Key__c even after a user edits its description; an older file with only the description marker still counts', async () => {
    const bytes = randomBytes(30_000);
    const { id, internetMessageId } = fileMessage({
      subject: 'Floor plan',
      from: { emailAddress: { address: 'ann@contoso.example' } },
      toRecipients: [{ emailAddress: { address: m.address } }],
      hasAttachments: true,
      attachments: [{ name: 'plan.pdf', bytes, contentType: 'application/pdf' }],
    });
    const task = await loggedTask(internetMessageId);
    const [file] = await waitFor('the file', () => filesOn(String(task.Id)).length === 1 && filesOn(String(task.Id)), 30_000);
    const [saved] = sfQuery(stack, `SELECT Description, SCC_Attachment_Key__c FROM ContentVersion WHERE Id = '${String(file!.Id)}'`);
    expect(String(saved!.SCC_Attachment_Key__c)).toMatch(/^att:/);
    expect(String(saved!.Description)).toContain(`[scc:${String(saved!.SCC_Attachment_Key__c)}]`);

    // The user files the same email again (out of the folder, category removed, back in).
    let current = id;
    const refile = async (): Promise<void> => {
      const out = stack.graph.admin.userMoveMessage(m.address, current, 'inbox');
      stack.graph.admin.userUpdateMessage(m.address, out, { categories: [] });
      current = stack.graph.admin.userMoveMessage(m.address, out, folderId);
      await waitFor('stamped again', () => (graphMessage(current).categories as string[]).includes('Salesforce'), 30_000);
    };
    // A file saved before the key field existed: only the Description marker identifies it.
    stack.salesforce.admin.update('ContentVersion', String(file!.Id), { SCC_Attachment_Key__c: null });
    await refile();
    expect(filesOn(String(task.Id))).toHaveLength(1);

    // The key field identifies it although the user rewrote the description.
    stack.salesforce.admin.update('ContentVersion', String(file!.Id), { SCC_Attachment_Key__c: saved!.SCC_Attachment_Key__c, Description: 'Signed floor plan, final' });
    await refile();
    expect(filesOn(String(task.Id))).toHaveLength(1);
    expect(tasksFor(internetMessageId)).toHaveLength(1);
  }, 60_000);
});
