// To Do scenarios with the real Graph client: lists, tasks with every synced field, tasks delta
// with updates and @removed, list delta.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from './index.ts';
import { graphClient, type TestClient } from './test-client.ts';

const MB = 'carol@contoso.example';
let emu: GraphEmulator;
let tc: TestClient;

beforeAll(async () => {
  emu = await startGraphEmulator();
  emu.admin.addMailbox({ address: MB });
  tc = graphClient(emu);
});
afterAll(async () => {
  await tc.close();
  await emu.close();
});

async function drain(url: string) {
  let res = await tc.client.api(url).get();
  const all = [...res.value];
  while (res['@odata.nextLink']) { res = await tc.client.api(res['@odata.nextLink']).get(); all.push(...res.value); }
  return { all, link: res['@odata.deltaLink'] as string };
}

describe('To Do', () => {
  it('has the default lists and creates one', async () => {
    const lists = await tc.client.api(`/users/${MB}/todo/lists`).get();
    expect(lists.value.map((l: { wellknownListName: string }) => l.wellknownListName).sort()).toEqual(['defaultList', 'flaggedEmails']);
    const l = await tc.client.api(`/users/${MB}/todo/lists`).post({ displayName: 'Salesforce Tasks' });
    expect(l).toMatchObject({ displayName: 'Salesforce Tasks', wellknownListName: 'none', isOwner: true });
    expect(l['@odata.etag']).toMatch(/^W\/"/);
  });

  it('round-trips tasks delta with every synced field, updates and @removed', async () => {
    const l = await tc.client.api(`/users/${MB}/todo/lists`).post({ displayName: 'Delta list' });
    const base = `/users/${MB}/todo/lists/${l.id}/tasks`;
    const t1 = await tc.client.api(base).post({
      title: 'Call Ann', body: { content: 'about renewal', contentType: 'text' }, importance: 'high',
      dueDateTime: { dateTime: '2026-03-05T00:00:00.0000000', timeZone: 'UTC' },
      reminderDateTime: { dateTime: '2026-03-04T09:00:00.0000000', timeZone: 'UTC' }, isReminderOn: true,
      categories: ['Salesforce'],
    });
    expect(t1).toMatchObject({ title: 'Call Ann', status: 'notStarted', importance: 'high', isReminderOn: true, categories: ['Salesforce'] });
    expect(t1.changeKey).toBeUndefined();
    const t2 = emu.admin.userCreateTask(MB, l.id, { title: 'Send deck' });
    const first = await drain(`${base}/delta`);
    expect(first.all.map((t) => t.title).sort()).toEqual(['Call Ann', 'Send deck']);

    const done = await tc.client.api(`${base}/${t1.id}`).patch({ status: 'completed' });
    expect(done.completedDateTime).toMatchObject({ timeZone: 'UTC' });
    emu.admin.userDeleteTask(MB, t2);
    const second = await drain(first.link);
    expect(second.all).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: t1.id, status: 'completed' }),
      { '@odata.type': '#microsoft.graph.todoTask', id: t2, '@removed': { reason: 'deleted' } },
    ]));
    expect(second.all).toHaveLength(2);
    await expect(tc.client.api(`${base}/${t1.id}`).patch({ status: 'bogus' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('lists delta sees a new list and a deleted one', async () => {
    const first = await drain(`/users/${MB}/todo/lists/delta`);
    const l = await tc.client.api(`/users/${MB}/todo/lists`).post({ displayName: 'Temp' });
    await tc.client.api(`/users/${MB}/todo/lists/${l.id}`).delete();
    emu.admin.duplicateNextDeltaPages(1);
    const second = await drain(first.link);
    expect(second.all).toHaveLength(2); // replayed: the consumer must be idempotent
    expect(second.all[1]).toEqual(second.all[0]);
    expect([second.all[0]]).toEqual([{ '@odata.type': '#microsoft.graph.todoTaskList', id: l.id, '@removed': { reason: 'deleted' } }]);
  });
});
