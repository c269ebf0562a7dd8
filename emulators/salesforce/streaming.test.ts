// CDC and PushTopic streaming through jsforce's faye client and its Replay extension: headers,
// our writes recognisable by changeOrigin, replay from a stored id, too-old replay ids,
// 403::Unknown client re-handshakes, gap events and delivery faults.
import type { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from './index.ts';
import { connect, startTestOrg, waitFor } from './test-org.ts';

interface CdcMessage {
  schema: string;
  payload: { ChangeEventHeader: Record<string, unknown> } & Record<string, unknown>;
  event: { replayId: number };
}

// jsforce's faye typings omit disconnect(), which the faye client has.
type Client = ReturnType<Connection['streaming']['createClient']> & { disconnect(): void };

let emu: SalesforceEmulator;
let conn: Connection;
let now = Date.parse('2026-03-02T09:00:00Z');
const clients: Client[] = [];
beforeAll(async () => {
  emu = await startTestOrg({ clock: () => now });
  conn = await connect(emu, { client: 'SmartCloudConnect' });
});
afterAll(async () => emu.close());
beforeEach(() => emu.admin.reset());
afterEach(() => {
  for (const c of clients.splice(0)) close(c);
});

function close(client: Client): void {
  try {
    client.disconnect();
  } catch {
    // Already disconnected.
  }
}

async function subscribe(channel: string, replayId: number, into: CdcMessage[], onError?: (e: unknown) => void): Promise<Client> {
  const client = conn.streaming.createClient([new StreamingExtension.Replay(channel, replayId)]) as Client;
  clients.push(client);
  const sub = client.subscribe(channel, (m: CdcMessage) => { into.push(m); });
  if (onError) {
    await new Promise<void>((resolve) => {
      sub.then(() => resolve(), (e: unknown) => { onError(e); resolve(); });
    });
  } else {
    await sub;
  }
  return client;
}

describe('Change Data Capture', () => {
  it('delivers create, update and delete with the real ChangeEventHeader', async () => {
    const got: CdcMessage[] = [];
    await subscribe('/data/ContactChangeEvent', -1, got);
    const { id } = await conn.sobject('Contact').create({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com', Title: 'Countess' });
    now += 1_000;
    await conn.sobject('Contact').update({ Id: id!, FirstName: 'Augusta', Title: null });
    now += 1_000;
    await conn.sobject('Contact').destroy(id!);
    await waitFor(() => got.length >= 3);
    const [create, update, del] = got.map((m) => m.payload);
    expect(create!.ChangeEventHeader).toMatchObject({
      entityName: 'Contact', recordIds: [id], changeType: 'CREATE', commitUser: emu.adminUserId,
      changeOrigin: 'com/salesforce/api/rest/60.0;client=SmartCloudConnect', sequenceNumber: 1, changedFields: [],
    });
    expect(create).toMatchObject({ Name: { FirstName: 'Ada', LastName: 'Lovelace', Salutation: null }, Email: 'ada@example.com', Title: 'Countess' });
    expect(typeof create!.ChangeEventHeader.transactionKey).toBe('string');
    expect(create!.ChangeEventHeader.commitTimestamp).toBe(Date.parse('2026-03-02T09:00:00Z'));
    expect(update!.ChangeEventHeader).toMatchObject({ changeType: 'UPDATE', changedFields: ['Name.FirstName', 'Title', 'LastModifiedDate'], nulledFields: ['Title'] });
    // Unchanged fields are null on UPDATE.
    expect(update).toMatchObject({ Email: null, Title: null, Name: { FirstName: 'Augusta', LastName: null } });
    expect(update!.LastModifiedDate).toBe('2026-03-02T09:00:01.000+0000');
    expect(del!.ChangeEventHeader).toMatchObject({ changeType: 'DELETE', recordIds: [id] });
    const replayIds = got.map((m) => m.event.replayId);
    expect(replayIds).toEqual([...replayIds].sort((a, b) => a - b));
  });

  it('tells our writes from a user edit by changeOrigin', async () => {
    const got: CdcMessage[] = [];
    await subscribe('/data/TaskChangeEvent', -1, got);
    await conn.sobject('Task').create({ Subject: 'From the worker' });
    emu.admin.insert('Task', { Subject: 'From the UI' }, { asUserId: emu.users[1]!.id });
    await waitFor(() => got.length >= 2);
    expect(got.map((m) => m.payload.ChangeEventHeader.changeOrigin)).toEqual(['com/salesforce/api/rest/60.0;client=SmartCloudConnect', '']);
    expect(got[1]!.payload.ChangeEventHeader.commitUser).toBe(emu.users[1]!.id);
  });

  it('a reconnect with the stored replay id receives exactly what was missed', async () => {
    const first: CdcMessage[] = [];
    const client = await subscribe('/data/ContactChangeEvent', -1, first);
    emu.admin.insert('Contact', { LastName: 'Seen' });
    await waitFor(() => first.length === 1);
    const stored = first[0]!.event.replayId;
    clients.splice(clients.indexOf(client), 1);
    close(client);
    emu.admin.insert('Contact', { LastName: 'Missed 1' });
    emu.admin.insert('Lead', { LastName: 'Other channel', Company: 'X' });
    emu.admin.insert('Contact', { LastName: 'Missed 2' });
    const second: CdcMessage[] = [];
    await subscribe('/data/ContactChangeEvent', stored, second);
    emu.admin.insert('Contact', { LastName: 'Live' });
    await waitFor(() => second.length >= 3);
    const names = second.map((m) => (m.payload.Name as { LastName: string }).LastName);
    expect(names).toEqual(['Missed 1', 'Missed 2', 'Live']);
    const all: CdcMessage[] = [];
    await subscribe('/data/ContactChangeEvent', -2, all);
    await waitFor(() => all.length >= 4);
    expect(all).toHaveLength(4);
  });

  it('a replay id older than the 72-hour retention gets the documented error', async () => {
    emu.admin.insert('Contact', { LastName: 'Old' });
    const old = emu.admin.lastReplayId();
    emu.admin.advanceClock(73 * 3_600_000);
    // Three idle days also end the session: log in again, as the connector would.
    conn = await connect(emu, { client: 'SmartCloudConnect' });
    emu.admin.insert('Contact', { LastName: 'New' });
    let error: unknown;
    await subscribe('/data/ContactChangeEvent', old - 1, [], (e) => { error = e; });
    expect(String((error as Error)?.message ?? error)).toMatch(/400::The replayId \{\d+\} you provided was invalid/);
    const ok: CdcMessage[] = [];
    await subscribe('/data/ContactChangeEvent', -2, ok);
    await waitFor(() => ok.length >= 1);
    expect(ok.map((m) => (m.payload.Name as { LastName: string }).LastName)).toEqual(['New']);
  });

  it('answers a forgotten client with 403::Unknown client; faye re-handshakes and resumes', async () => {
    const got: CdcMessage[] = [];
    await subscribe('/data/ContactChangeEvent', -1, got);
    emu.admin.resetCounters();
    expect(emu.admin.dropStreamingClients()).toBeGreaterThan(0);
    // The client learns on its next connect, handshakes again and resubscribes.
    await waitFor(() => (emu.admin.counters().byKind.streamingSubscribe ?? 0) >= 1, 10_000);
    emu.admin.insert('Contact', { LastName: 'After drop' });
    await waitFor(() => got.length >= 1, 10_000);
    expect((got[0]!.payload.Name as { LastName: string }).LastName).toBe('After drop');
    expect(emu.admin.counters().byKind.streamingHandshake).toBeGreaterThanOrEqual(1);
  });

  it('emits GAP and GAP_OVERFLOW events, and drops or duplicates deliveries on request', async () => {
    const got: CdcMessage[] = [];
    await subscribe('/data/ChangeEvents', -1, got);
    const id = emu.admin.insert('Contact', { LastName: 'Gappy' });
    emu.admin.emitGap({ sobject: 'Contact', changeType: 'GAP_UPDATE', recordIds: [id] });
    emu.admin.emitGap({ sobject: 'Event', changeType: 'GAP_OVERFLOW' });
    emu.admin.streamingFault({ drop: 1, duplicate: 1 });
    emu.admin.insert('Contact', { LastName: 'Dropped' });
    emu.admin.insert('Contact', { LastName: 'Twice' });
    await waitFor(() => got.length >= 5);
    const kinds = got.map((m) => `${m.payload.ChangeEventHeader.changeType}:${(m.payload.Name as { LastName?: string } | null)?.LastName ?? ''}`);
    expect(kinds).toEqual(['CREATE:Gappy', 'GAP_UPDATE:', 'GAP_OVERFLOW:', 'CREATE:Twice', 'CREATE:Twice']);
    expect(got[1]!.payload.ChangeEventHeader.recordIds).toEqual([id]);
    expect(got[2]!.payload.ChangeEventHeader).toMatchObject({ entityName: 'Event', recordIds: [] });
  });

  it('holds change events of one object and delivers them newest first (reverse); replay keeps the order', async () => {
    const got: CdcMessage[] = [];
    await subscribe('/data/ContactChangeEvent', -1, got);
    emu.admin.streamingFault({ reverse: 3, reverseObject: 'Contact' });
    const id = emu.admin.insert('Contact', { LastName: 'First' });
    emu.admin.insert('Account', { Name: 'Not held' });
    emu.admin.update('Contact', id, { LastName: 'Second' });
    emu.admin.delete('Contact', id);
    await waitFor(() => got.length >= 3);
    expect(got.map((m) => m.payload.ChangeEventHeader.changeType)).toEqual(['DELETE', 'UPDATE', 'CREATE']);
    const ids = got.map((m) => m.event.replayId);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    emu.admin.streamingFault({ reverse: 2 });
    emu.admin.insert('Contact', { LastName: 'Held alone' });
    expect(emu.admin.releaseHeldEvents()).toBe(1);
    await waitFor(() => got.length >= 4);
    const replayed: CdcMessage[] = [];
    await subscribe('/data/ContactChangeEvent', -2, replayed);
    await waitFor(() => replayed.length >= 4);
    expect(replayed.map((m) => m.payload.ChangeEventHeader.changeType)).toEqual(['CREATE', 'UPDATE', 'DELETE', 'CREATE']);
  });

  it('delays every live delivery by a fixed time when asked, keeping the order', async () => {
    const got: CdcMessage[] = [];
    const arrived: number[] = [];
    const client = conn.streaming.createClient([new StreamingExtension.Replay('/data/ContactChangeEvent', -1)]) as Client;
    clients.push(client);
    await client.subscribe('/data/ContactChangeEvent', (m: CdcMessage) => {
      got.push(m);
      arrived.push(performance.now());
    });
    emu.admin.streamingFault({ delayMs: 150 });
    const madeAt = performance.now();
    const id = emu.admin.insert('Contact', { LastName: 'Late' });
    emu.admin.update('Contact', id, { LastName: 'Later' });
    await waitFor(() => got.length >= 2);
    expect(got.map((m) => m.payload.ChangeEventHeader.changeType)).toEqual(['CREATE', 'UPDATE']);
    expect(arrived[0]! - madeAt).toBeGreaterThanOrEqual(149);
  });

  it('custom objects have their own channel', async () => {
    const got: CdcMessage[] = [];
    await subscribe('/data/Mailbox_Sync__ChangeEvent', -1, got);
    emu.admin.insert('Mailbox_Sync__c', { User__c: emu.adminUserId, Mailbox_Address__c: 'a@example.com' });
    await waitFor(() => got.length >= 1);
    expect(got[0]!.payload.ChangeEventHeader.entityName).toBe('Mailbox_Sync__c');
  });

  it('refuses an unknown channel', async () => {
    let error: unknown;
    await subscribe('/data/NopeChangeEvent', -1, [], (e) => { error = e; });
    expect(String((error as Error)?.message ?? error)).toMatch(/does not exist/);
  });
});

describe('PushTopic', () => {
  it('notifies matching records per NotifyFor* flags', async () => {
    emu.admin.insert('PushTopic', { Name: 'BigAccounts', Query: "SELECT Id, Name FROM Account WHERE Industry = 'Energy'", ApiVersion: 60, NotifyForFields: 'Referenced', NotifyForOperationDelete: false });
    const got: Array<{ event: { type: string; replayId: number }; sobject: Record<string, unknown> }> = [];
    const client = conn.streaming.createClient([new StreamingExtension.Replay('/topic/BigAccounts', -1)]) as Client;
    clients.push(client);
    await client.subscribe('/topic/BigAccounts', (m: (typeof got)[number]) => { got.push(m); });
    const id = emu.admin.insert('Account', { Name: 'Power Co', Industry: 'Energy' });
    emu.admin.insert('Account', { Name: 'Bank Co', Industry: 'Banking' });
    emu.admin.update('Account', id, { Phone: '123' });
    emu.admin.update('Account', id, { Name: 'Power Corp' });
    emu.admin.delete('Account', id);
    await waitFor(() => got.length >= 2);
    expect(got.map((m) => [m.event.type, m.sobject.Name])).toEqual([['created', 'Power Co'], ['updated', 'Power Corp']]);
    expect(got[0]!.sobject.Id).toBe(id);
    expect(typeof got[0]!.event.replayId).toBe('number');
  });
});
