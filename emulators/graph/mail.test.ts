// Mail scenarios with the real Graph client: well-known folders, child folders, moves with and
// without immutable ids, message delta across a move, inline and upload-session attachments,
// ranged $value downloads, and messages delivered by "the outside world".
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from './index.ts';
import { graphClient, type TestClient } from './test-client.ts';

const MB = 'bob@contoso.example';
let emu: GraphEmulator;
let tc: TestClient; // immutable ids
let rest: TestClient; // REST ids

beforeAll(async () => {
  emu = await startGraphEmulator();
  emu.admin.addMailbox({ address: MB, displayName: 'Bob' });
  tc = graphClient(emu);
  rest = graphClient(emu, { immutable: false });
});
afterAll(async () => {
  await tc.close();
  await rest.close();
  await emu.close();
});

async function filingFolder(): Promise<string> {
  try {
    return (await tc.client.api(`/users/${MB}/mailFolders`).post({ displayName: 'Salesforce Emails' })).id;
  } catch (e) {
    expect((e as { code: string }).code).toBe('ErrorFolderExists');
    return (await tc.client.api(`/users/${MB}/mailFolders`).filter(`displayName eq 'Salesforce Emails'`).get()).value[0].id;
  }
}

describe('mail folders', () => {
  it('resolves well-known names and refuses duplicate child folders', async () => {
    const inbox = await tc.client.api(`/users/${MB}/mailFolders/inbox`).get();
    expect(inbox.displayName).toBe('Inbox');
    const byId = await tc.client.api(`/users/${MB}/mailFolders/${inbox.id}`).get();
    expect(byId.id).toBe(inbox.id);
    for (const wk of ['sentitems', 'deleteditems', 'drafts', 'archive']) {
      expect((await tc.client.api(`/users/${MB}/mailFolders/${wk}`).get()).id).toBeTruthy();
    }
    await tc.client.api(`/users/${MB}/mailFolders/inbox/childFolders`).post({ displayName: 'Projects' });
    await expect(tc.client.api(`/users/${MB}/mailFolders/inbox/childFolders`).post({ displayName: 'Projects' }))
      .rejects.toMatchObject({ statusCode: 409, code: 'ErrorFolderExists' });
    expect(await filingFolder()).toBe(await filingFolder());
  });
});

describe('messages', () => {
  it('moves without ImmutableId to a new id, with ImmutableId keeping the id', async () => {
    const dest = await filingFolder();
    const m1 = emu.admin.deliverMessage(MB, { subject: 'one', from: { emailAddress: { address: 'x@fabrikam.example' } } });
    const restId = (await rest.client.api(`/users/${MB}/mailFolders/inbox/messages`).filter(`subject eq 'one'`).get()).value[0].id;
    expect(restId).not.toBe(m1); // REST and immutable ids differ, both resolve until a move
    expect((await rest.client.api(`/users/${MB}/messages/${m1}`).get()).id).toBe(restId);
    const moved = await rest.client.api(`/users/${MB}/messages/${restId}/move`).post({ destinationId: dest });
    expect(moved.id).not.toBe(restId);
    expect(moved.parentFolderId).toBeTruthy();
    await expect(rest.client.api(`/users/${MB}/messages/${restId}`).get()).rejects.toMatchObject({ statusCode: 404 });

    const m2 = emu.admin.deliverMessage(MB, { subject: 'two' });
    const moved2 = await tc.client.api(`/users/${MB}/messages/${m2}/move`).post({ destinationId: dest });
    expect(moved2.id).toBe(m2);
    expect((await tc.client.api(`/users/${MB}/messages/${m2}`).get()).subject).toBe('two');
  });

  it('shows a move in folder delta: removed from the source, present in the target', async () => {
    const dest = await filingFolder();
    const inboxDelta = async (link?: string) => {
      let res = await tc.client.api(link ?? `/users/${MB}/mailFolders/inbox/messages/delta`).get();
      const all = [...res.value];
      while (res['@odata.nextLink']) { res = await tc.client.api(res['@odata.nextLink']).get(); all.push(...res.value); }
      return { all, link: res['@odata.deltaLink'] as string };
    };
    const first = await inboxDelta();
    const destRound = await tc.client.api(`/users/${MB}/mailFolders/${dest}/messages/delta`).get();
    const id = emu.admin.deliverMessage(MB, { subject: 'to be filed', internetMessageId: '<abc@fabrikam.example>' });
    const mid = await inboxDelta(first.link);
    expect(mid.all.map((m) => m.subject)).toEqual(['to be filed']);
    emu.admin.userMoveMessage(MB, id, dest);
    const after = await inboxDelta(mid.link);
    expect(after.all).toEqual([{ '@odata.type': '#microsoft.graph.message', id, '@removed': { reason: 'deleted' } }]);
    const inDest = await tc.client.api(destRound['@odata.deltaLink']).get();
    expect(inDest.value.map((m: { internetMessageId: string }) => m.internetMessageId)).toContain('<abc@fabrikam.example>');
  });

  it('carries attachments delivered with a message and serves $value with ranges', async () => {
    const bytes = randomBytes(5000);
    const id = emu.admin.deliverMessage(MB, {
      subject: 'with file', attachments: [{ name: 'a.bin', contentType: 'application/octet-stream', bytes }],
    });
    const msg = await tc.client.api(`/users/${MB}/messages/${id}`).get();
    expect(msg.hasAttachments).toBe(true);
    const atts = await tc.client.api(`/users/${MB}/messages/${id}/attachments`).get();
    expect(atts.value[0]).toMatchObject({ '@odata.type': '#microsoft.graph.fileAttachment', name: 'a.bin', size: 5000 });
    expect(Buffer.from(atts.value[0].contentBytes, 'base64').equals(bytes)).toBe(true);
    const token = await tc.token();
    const res = await fetch(`${emu.baseUrl}/users/${MB}/messages/${id}/attachments/${atts.value[0].id}/$value`, {
      headers: { Authorization: `Bearer ${token}`, Range: 'bytes=100-199' }, dispatcher: tc.dispatcher,
    } as RequestInit);
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 100-199/5000');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  });

  it('takes a 10 MB attachment through an upload session in 4 MB chunks', async () => {
    const draft = await tc.client.api(`/users/${MB}/messages`).post({ subject: 'big', body: { contentType: 'html', content: '<p>x</p>' } });
    expect(draft.isDraft).toBe(true);
    const size = 10 * 1024 * 1024;
    const data = randomBytes(size);
    const session = await tc.client.api(`/users/${MB}/messages/${draft.id}/attachments/createUploadSession`)
      .post({ AttachmentItem: { attachmentType: 'file', name: 'big.bin', size } });
    expect(session.nextExpectedRanges).toEqual(['0-']);
    const chunk = 4 * 1024 * 1024;
    let last: Response | undefined;
    for (let start = 0; start < size; start += chunk) {
      const end = Math.min(start + chunk, size) - 1;
      // the upload URL authorizes itself: no bearer token is sent
      last = await fetch(session.uploadUrl, {
        method: 'PUT', body: data.subarray(start, end + 1),
        headers: { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Type': 'application/octet-stream' },
        dispatcher: tc.dispatcher,
      } as RequestInit);
      if (end < size - 1) {
        expect(last.status).toBe(200);
        expect(((await last.json()) as { nextExpectedRanges: string[] }).nextExpectedRanges).toEqual([`${end + 1}-`]);
      }
    }
    expect(last!.status).toBe(201);
    expect(last!.headers.get('location')).toContain('/attachments(');
    const atts = await tc.client.api(`/users/${MB}/messages/${draft.id}/attachments`).select('id,name,size').get();
    expect(atts.value[0]).toMatchObject({ name: 'big.bin', size });
    const stored = emu.admin.items(MB, 'message').find((m) => m.id === draft.id)!;
    expect(stored.attachments).toEqual([expect.objectContaining({ size })]);
  });

  it('moves a deleted message to Deleted Items, and permanentDelete removes it', async () => {
    const id = emu.admin.deliverMessage(MB, { subject: 'bye' });
    await tc.client.api(`/users/${MB}/messages/${id}`).delete();
    const trash = await tc.client.api(`/users/${MB}/mailFolders/deleteditems/messages`).filter(`subject eq 'bye'`).get();
    expect(trash.value.map((m: { id: string }) => m.id)).toEqual([id]);
    await tc.client.api(`/users/${MB}/messages/${id}/permanentDelete`).post({});
    await expect(tc.client.api(`/users/${MB}/messages/${id}`).get()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('refuses an inline attachment over 3 MB', async () => {
    const draft = await tc.client.api(`/users/${MB}/messages`).post({ subject: 'too big inline' });
    await expect(tc.client.api(`/users/${MB}/messages/${draft.id}/attachments`).post({
      '@odata.type': '#microsoft.graph.fileAttachment', name: 'x.bin', contentBytes: randomBytes(3 * 1024 * 1024 + 1).toString('base64'),
    })).rejects.toMatchObject({ statusCode: 413 });
  });
});

describe('upload budget', () => {
  it('answers 429 once a mailbox has uploaded its budget within 5 minutes', async () => {
    const small = await startGraphEmulator({ uploadBytesPer5Min: 1024 * 1024 });
    const c = graphClient(small);
    try {
      small.admin.addMailbox({ address: MB });
      const draft = await c.client.api(`/users/${MB}/messages`).post({ subject: 'budget' });
      const size = 2 * 1024 * 1024;
      const session = await c.client.api(`/users/${MB}/messages/${draft.id}/attachments/createUploadSession`)
        .post({ AttachmentItem: { attachmentType: 'file', name: 'b.bin', size } });
      const put = (start: number, len: number) => fetch(session.uploadUrl, {
        method: 'PUT', body: randomBytes(len), headers: { 'Content-Range': `bytes ${start}-${start + len - 1}/${size}` }, dispatcher: c.dispatcher,
      } as RequestInit);
      expect((await put(0, 1024 * 1024)).status).toBe(200);
      const over = await put(1024 * 1024, 1024 * 1024);
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await c.close();
      await small.close();
    }
  });
});
