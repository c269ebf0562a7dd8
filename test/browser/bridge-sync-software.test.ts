// The bridge's SetupController.checkSyncSoftware against the Salesforce emulator, which models
// OauthToken: a user's "Salesforce for Outlook" grant is reported with the advice to turn it off.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { connect, startTestOrg } from '../../emulators/salesforce/test-org.ts';
import { createApexBridge } from './bridge.ts';

let emu: SalesforceEmulator;
beforeAll(async () => {
  emu = await startTestOrg({ clock: () => Date.parse('2026-03-02T09:00:00Z') });
});
afterAll(async () => emu.close());
beforeEach(() => emu.admin.reset());

// checkSyncSoftware never calls the worker.
const worker = { url: 'http://127.0.0.1:9', apiToken: 'unused' };

it('reports a seeded Salesforce for Outlook token for its user, with the advice', async () => {
  const sam = emu.users[1]!;
  emu.admin.insert('OauthToken', { AppName: 'Salesforce for Outlook', UserId: sam.id, LastUsedDate: '2026-03-01T08:30:00Z', UseCount: 12 });
  // A second grant of the same app to the same user is one finding; an unrelated app is none.
  emu.admin.insert('OauthToken', { AppName: 'Salesforce for Outlook', UserId: sam.id });
  emu.admin.insert('OauthToken', { AppName: 'Workbench', UserId: emu.users[2]!.id });
  const bridge = createApexBridge({ conn: await connect(emu), worker });
  const answer = await bridge.call('SetupController', 'checkSyncSoftware', {});
  expect(answer.status).toBe(200);
  const findings = answer.body as Array<Record<string, string>>;
  expect(findings).toHaveLength(1);
  expect(findings[0]).toMatchObject({ product: 'Salesforce for Outlook', userId: sam.id, userName: sam.name });
  expect(findings[0]!.detail).toMatch(/^Connected app "Salesforce for Outlook", last used /);
  expect(findings[0]!.advice).toMatch(/Outlook Configurations/);
});

it('an org without such tokens has no findings', async () => {
  const bridge = createApexBridge({ conn: await connect(emu), worker });
  expect((await bridge.call('SetupController', 'checkSyncSoftware', {})).body).toEqual([]);
});
