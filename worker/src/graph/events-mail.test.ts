import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SALESFORCE_ID_PROPERTY, collectDelta, stampOf } from './delta.ts';
import { startFixture, type Fixture } from './emulator-fixture.ts';
import { provisionMailbox, type ProvisionedIds } from './provision.ts';
import { writeItems } from './writes.ts';

describe('events and filed mail (real client, Graph emulator)', () => {
  let f: Fixture;
  let ids: ProvisionedIds;
  beforeAll(async () => {
    f = await startFixture();
    ids = await provisionMailbox(f.client, f.mailbox);
  });
  afterAll(async () => {
    await f?.close();
  });

  it('an event create retried with the same Salesforce Id is deduplicated by transactionId', async () => {
    const op = {
      op: 'create' as const,
      resource: 'events' as const,
      salesforceId: '00U000000000001AAA',
      fields: {
        subject: 'Quarterly review',
        start: { dateTime: '2026-12-01T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2026-12-01T11:00:00', timeZone: 'UTC' },
      },
    };
    const [a] = await writeItems(f.client, f.mailbox, [op]);
    const [b] = await writeItems(f.client, f.mailbox, [op]);
    expect(a?.ok && b?.ok).toBe(true);
    if (!a?.ok || !b?.ok) return;
    expect(b.id).toBe(a.id);
    const window = { start: '2026-11-01T00:00:00Z', end: '2027-01-01T00:00:00Z' };
    const feed = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'events', window });
    const mine = feed.entries.filter((e) => e.type === 'upsert' && e.item.subject === 'Quarterly review');
    expect(mine).toHaveLength(1);
    // calendarView/delta carries no extended properties: the stamp is read per item.
    const expand = encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${SALESFORCE_ID_PROPERTY}')`);
    const event = await f.client.get<Record<string, unknown>>(`/users/${f.mailbox}/events/${a.id}?$expand=${expand}`);
    expect(stampOf(event)).toBe('00U000000000001AAA');
    expect(event.transactionId).toBeTruthy();
  });

  it('a message moved into Salesforce Emails shows up in that folder’s delta with a stable id', async () => {
    const start = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'messages', containerId: ids.mailFolderId });
    expect(start.entries).toEqual([]);
    const delivered = f.emu.admin.deliverMessage(f.mailbox, { subject: 'Signed order', from: { emailAddress: { address: 'buyer@example.com' } }, body: { contentType: 'text', content: 'Attached.' } });
    const moved = f.emu.admin.userMoveMessage(f.mailbox, delivered, ids.mailFolderId);
    const next = await collectDelta(f.client, { mailbox: f.mailbox, resource: 'messages', containerId: ids.mailFolderId }, { cursor: start.deltaLink });
    const hit = next.entries.find((e) => e.type === 'upsert' && e.item.subject === 'Signed order');
    expect(hit).toBeTruthy();
    // With Prefer: IdType="ImmutableId" the id survives the move.
    expect(hit?.id).toBe(moved);
    expect(hit?.type === 'upsert' && typeof hit.item.internetMessageId).toBe('string');
  });
});
