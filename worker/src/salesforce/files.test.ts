// ContentVersion inserts on the Salesforce emulator: a multipart request streamed from chunks
// stores the exact bytes and links the file to the record; filesOn lists it; an expired
// session is refreshed and the source re-opened; a source failing mid-stream is reported as
// its own error and stores nothing; the attachment key round-trips through its own field.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { connectSalesforce, type SalesforceConnection } from './connection.ts';
import { attachmentKeySupported, filesOn, insertContentVersion } from './files.ts';
import { createRecords, type SalesforceRecords } from './records.ts';

let emu: SalesforceEmulator;
let sf: SalesforceConnection;
let records: SalesforceRecords;
let taskId: string;

beforeAll(async () => {
  emu = await startSalesforceEmulator({ port: 0 });
  sf = await connectSalesforce({ loginUrl: emu.loginUrl, auth: { kind: 'password', ...emu.credentials } });
  records = createRecords(sf);
  taskId = emu.admin.insert('Task', { Subject: 'Email: files', Status: 'Completed', OwnerId: emu.users[0]!.id });
}, 30_000);

afterAll(async () => {
  await sf?.close();
  await emu?.close();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function bytesOf(id: string): Promise<Buffer> {
  const res = await fetch(`${sf.instanceUrl}/services/data/v60.0/sobjects/ContentVersion/${id}/VersionData`, { headers: { Authorization: `Bearer ${sf.accessToken()}` } });
  return Buffer.from(await res.arrayBuffer());
}

describe('insertContentVersion', () => {
  it('streams chunks into one ContentVersion linked to the record, byte for byte', async () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 17);
    const id = await insertContentVersion(sf, { title: 'plans', pathOnClient: 'plans.bin', firstPublishLocationId: taskId, description: 'saved [scc:k1]', open: () => chunked(bytes, 1024 * 1024) });
    expect(sha(await bytesOf(id))).toBe(sha(bytes));
    const files = await filesOn(records, taskId);
    expect(files).toEqual([expect.objectContaining({ id, title: 'plans', pathOnClient: 'plans.bin', size: bytes.length, description: 'saved [scc:k1]' })]);
  });

  it('an expired session is refreshed and the source opened again', async () => {
    emu.admin.expireSessions();
    let opened = 0;
    const bytes = Buffer.from('hello, 世界 👋');
    const id = await insertContentVersion(sf, {
      title: 'hello',
      pathOnClient: 'hello.txt',
      firstPublishLocationId: taskId,
      open: () => {
        opened++;
        return chunked(bytes, 4);
      },
    });
    expect(opened).toBe(2);
    expect((await bytesOf(id)).toString('utf8')).toBe('hello, 世界 👋');
  });

  it('a source failing mid-stream surfaces its own error and stores nothing', async () => {
    const before = (await filesOn(records, taskId)).length;
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(1000, 1);
      throw new Error('Graph went away');
    }
    await expect(insertContentVersion(sf, { title: 'cut', pathOnClient: 'cut.bin', firstPublishLocationId: taskId, open: broken })).rejects.toThrow('Graph went away');
    expect(await filesOn(records, taskId)).toHaveLength(before);
  });

  it('stores the attachment key in SCC_Attachment_Key__c (from force-app) and filesOn reads it back', async () => {
    expect(await attachmentKeySupported(records)).toBe(true);
    const id = await insertContentVersion(sf, { title: 'keyed', pathOnClient: 'keyed.txt', firstPublishLocationId: taskId, attachmentKey: 'att:abc123', open: () => chunked(Buffer.from('k'), 1) });
    const files = await filesOn(records, taskId);
    expect(files.find((f) => f.id === id)).toMatchObject({ attachmentKey: 'att:abc123', description: '' });
    expect(files.filter((f) => f.id !== id).every((f) => f.attachmentKey === '')).toBe(true);
  });

  it('a refused insert is a permanent error of the project vocabulary', async () => {
    await expect(insertContentVersion(sf, { title: '', pathOnClient: 'x.bin', firstPublishLocationId: taskId, open: () => chunked(Buffer.from('x'), 1) })).rejects.toMatchObject({ name: 'SalesforceError', kind: 'permanent' });
  });
});
