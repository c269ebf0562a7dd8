// The Salesforce package UI in a real browser: the project's LWCs (setup wizard, status page)
// compiled with lwc 8.28.2 and lightning-base-components, styled by SLDS, served on 127.0.0.1
// and driven by playwright-core in Debian's chromium. Apex runs as the bridge (bridge.ts) over
// the local stack: the emulated org (jsforce), the worker API and the Graph emulator. An admin
// configures, provisions and activates a mailbox; then on the status page an Outlook contact
// given the Salesforce category shows up in the counts after Sync now; Pause and Resume work.
// Screenshots land in test/artifacts/. Without chromium the test fails, saying how to install it.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jsforce from 'jsforce';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../scripts/lib/stack.ts';
import { createApexBridge, type ApexBridge } from './bridge.ts';
import { cachedBuild, repoRoot } from './build.ts';
import { startUiServer, type UiServer } from './server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(repoRoot, 'test/artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// The status page polls every 5 s while a run is in progress; two polls plus a run fit in this.
const UI_WAIT_MS = 20_000;

/** Polls `probe` until it returns a truthy value or the deadline passes (then fails naming `what`). */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = UI_WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
}

type WorkerStatus = { state?: string; running?: boolean; lastSync?: string | null; counts?: Record<string, { toSalesforce?: number; toExchange?: number }> };

async function pickOption(page: Page, combobox: Locator, value: string): Promise<void> {
  await combobox.locator('lightning-base-combobox button').first().click();
  await combobox.locator(`lightning-base-combobox-item[data-value="${value}"]`).click();
  await expect.poll(() => combobox.evaluate((el) => (el as unknown as { value?: string }).value)).toBe(value);
}

async function toasts(page: Page): Promise<Array<{ title: string; message: string; variant: string }>> {
  return page.evaluate(() => (globalThis as unknown as { __toasts: Array<{ title: string; message: string; variant: string }> }).__toasts);
}

async function waitForToast(page: Page, title: string): Promise<void> {
  await waitFor(`the toast "${title}"`, async () => (await toasts(page)).some((t) => t.title === title));
}

describe('Salesforce package UI in chromium', () => {
  let stack: LocalStack;
  let conn: jsforce.Connection;
  let bridge: ApexBridge;
  let server: UiServer;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  const pageErrors: string[] = [];
  const user = { id: '', name: '', email: '' };

  beforeAll(async () => {
    // Without chromium each test fails with the fix (a failing beforeAll would only mark them skipped).
    if (!existsSync(CHROMIUM)) return;
    mkdirSync(ARTIFACTS, { recursive: true });
    const build = cachedBuild();
    // Nothing configured yet: the admin does it through the wizard.
    stack = await startLocalStack({ seed: 'small', provision: false });
    const sfUser = stack.salesforce.users[1]!;
    Object.assign(user, { id: sfUser.id, name: sfUser.name, email: sfUser.email });
    stack.graph.admin.addMailbox({ address: user.email, displayName: user.name });
    const sf = stack.salesforce;
    conn = new jsforce.Connection({ loginUrl: sf.loginUrl, version: '60.0', oauth2: { loginUrl: sf.loginUrl, clientId: sf.credentials.clientId, clientSecret: sf.credentials.clientSecret } });
    await conn.login(sf.credentials.username, sf.credentials.password);
    bridge = createApexBridge({ conn, worker: stack.worker });
    server = await startUiServer({ buildDir: (await build).dir, bridge });
    profileDir = mkdtempSync(path.join(tmpdir(), 'scc-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.setDefaultTimeout(UI_WAIT_MS);
  }, 420_000);

  /** The worker's status document, as SyncStatusController reads it. */
  async function workerStatus(id: string): Promise<WorkerStatus> {
    const res = await fetch(`${stack.worker.url}/api/v1/mailboxes/${id}/status`, { headers: { Authorization: `Bearer ${stack.worker.apiToken}` } });
    return (await res.json()) as WorkerStatus;
  }

  afterEach(async (ctx) => {
    // A failed step leaves a picture of the page and its markup for whoever reads the failure.
    if (ctx.task.result?.state === 'fail' && page) {
      const name = ctx.task.name.replace(/\W+/g, '-').slice(0, 60);
      await page.screenshot({ path: path.join(ARTIFACTS, `failed-${name}.png`), fullPage: true }).catch(() => undefined);
      writeFileSync(path.join(ARTIFACTS, `failed-${name}.html`), await page.content().catch(() => ''));
    }
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await stack?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('the setup wizard connects, configures, provisions and activates a mailbox', async () => {
    requireChromium();
    await page.goto(`${server.url}/?c=setup`);
    const wizard = page.locator('c-scc-setup-wizard');
    await expect.poll(() => wizard.locator('.slds-card').count()).toBe(1);

    // Step 1: the worker answers through the bridge with the bearer token.
    await wizard.getByRole('button', { name: 'Test connection' }).click();
    await wizard.locator('.connected').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'wizard-1-connect.png'), fullPage: true });
    await wizard.getByRole('button', { name: 'Next' }).click();

    // Step 2: the user; the mailbox address defaults to the user's email.
    await pickOption(page, wizard.locator('lightning-combobox.user'), user.id);
    await expect.poll(() => wizard.locator('lightning-input.address input').inputValue()).toBe(user.email);
    await page.screenshot({ path: path.join(ARTIFACTS, 'wizard-2-mailbox.png'), fullPage: true });
    await wizard.getByRole('button', { name: 'Next' }).click();

    // Step 3: contacts and tasks both ways, no events, all contacts, Real-time.
    const form = wizard.locator('c-scc-mailbox-form');
    await form.locator('lightning-input[data-field="syncEvents"] label').click();
    await expect.poll(() => form.locator('lightning-input[data-field="syncEvents"] input').isChecked()).toBe(false);
    await pickOption(page, form.locator('lightning-combobox[data-field="contactsDirection"]'), 'Both');
    await pickOption(page, form.locator('lightning-combobox[data-field="contactScope"]'), 'All Contacts');
    await pickOption(page, form.locator('lightning-combobox[data-field="plan"]'), 'Real-time');
    await page.screenshot({ path: path.join(ARTIFACTS, 'wizard-3-options.png'), fullPage: true });
    await wizard.getByRole('button', { name: 'Next' }).click();

    // Step 4: the sync software check ran (the emulated org has none).
    await waitFor('the sync software check', () => bridge.calls.includes('SetupController.checkSyncSoftware'));
    await wizard.locator('c-scc-sync-software-warning').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'wizard-4-check.png'), fullPage: true });
    await wizard.getByRole('button', { name: 'Next' }).click();

    // Step 5: save, test access, provision, activate.
    await wizard.getByRole('button', { name: 'Save' }).click();
    await waitForToast(page, 'Saved');
    const [saved] = (await conn.query<Record<string, unknown>>(`SELECT Id, OwnerId, User__c, Mailbox_Address__c, Status__c, Enabled__c, Sync_Contacts__c, Sync_Events__c, Sync_Tasks__c, Contact_Scope__c, Plan__c, Category_Name__c FROM Mailbox_Sync__c`)).records;
    expect(saved).toMatchObject({ User__c: user.id, OwnerId: user.id, Mailbox_Address__c: user.email, Status__c: 'New', Sync_Contacts__c: true, Sync_Events__c: false, Sync_Tasks__c: true, Contact_Scope__c: 'All Contacts', Plan__c: 'Real-time', Category_Name__c: 'Salesforce' });
    const id = String(saved!.Id);

    await wizard.getByRole('button', { name: 'Test mailbox access' }).click();
    await waitForToast(page, 'Mailbox reachable');
    await wizard.getByRole('button', { name: 'Provision mailbox' }).click();
    await waitForToast(page, 'Provisioning started');
    const names = (kind: 'contactFolder' | 'todoList' | 'mailFolder' | 'category') => stack.graph.admin.items(user.email, kind).map((i) => i.displayName);
    expect(names('contactFolder')).toContain('Salesforce Contacts');
    expect(names('todoList')).toContain('Salesforce Tasks');
    expect(names('mailFolder')).toContain('Salesforce Emails');
    expect(names('category')).toContain('Salesforce');

    await wizard.getByRole('button', { name: 'Activate' }).click();
    await waitForToast(page, 'Activated');
    await expect.poll(() => wizard.locator('.status').textContent()).toBe('Active');
    const active = await conn.sobject('Mailbox_Sync__c').retrieve(id);
    expect(active).toMatchObject({ Enabled__c: true, Status__c: 'Active' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'wizard-5-activated.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('the status page shows counts that move after Sync now, and pauses and resumes', async () => {
    requireChromium();
    await page.goto(`${server.url}/?c=status`);
    const detail = page.locator('c-scc-mailbox-detail');
    await detail.locator('.address').waitFor();
    expect(await detail.locator('.address').textContent()).toBe(user.email);
    // Known race (reported, seen in some runs): activate() calls the worker's resume before it
    // sets Enabled__c (Apex forbids a callout after DML); when the run that resume wakes reads
    // Enabled__c = false first, it pauses the mailbox again and nothing re-reads the record.
    // The admin then sees "Active (paused)" and resumes it here, as they would on this page.
    if (await detail.getByRole('button', { name: 'Resume' }).isEnabled()) {
      await detail.getByRole('button', { name: 'Resume' }).click();
      await waitForToast(page, 'Resumed');
    }
    const contactsIn = detail.locator('tr[data-kind="contact"] td.to-salesforce');
    const mailboxSyncId = (await conn.query<{ Id: string }>('SELECT Id FROM Mailbox_Sync__c')).records[0]!.Id;
    // The first run (woken by activation) must be over before the numbers are read.
    await waitFor('the first run to finish', async () => {
      const s = await workerStatus(mailboxSyncId);
      return s.running === false && s.lastSync && s.counts?.contact !== undefined;
    });
    await page.reload();
    await waitFor('the counts table', async () => (await contactsIn.count()) > 0);
    const before = Number(await contactsIn.textContent());
    await page.screenshot({ path: path.join(ARTIFACTS, 'status-1-counts.png'), fullPage: true });

    // An Outlook user gives a contact the Salesforce category.
    const exchangeId = stack.graph.admin.userCreateContact(user.email, null, { givenName: 'Ada', surname: 'Lovelace', emailAddresses: [{ address: 'ada@example.test', name: 'Ada Lovelace' }] });
    stack.graph.admin.userSetCategories(user.email, exchangeId, ['Salesforce']);
    await detail.getByRole('button', { name: 'Sync now' }).click();
    await waitForToast(page, 'Sync started');
    const created = await waitFor('the contact in Salesforce', async () => {
      const rows = (await conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE Email = 'ada@example.test'`)).records;
      return rows.length > 0 && rows;
    });
    expect(created).toHaveLength(1);
    await waitFor('the worker to count it', async () => {
      const s = await workerStatus(mailboxSyncId);
      return s.running === false && (s.counts?.contact?.toSalesforce ?? 0) > before;
    });
    // The page follows a run only while the worker reports it running (reported): when the run
    // started after the page's refresh, the new numbers show on the next load.
    if (Number(await contactsIn.textContent()) <= before) await page.reload();
    await waitFor('the contact count to move', async () => Number(await contactsIn.textContent()) > before);
    await page.screenshot({ path: path.join(ARTIFACTS, 'status-2-after-sync.png'), fullPage: true });

    await detail.getByRole('button', { name: 'Pause' }).click();
    await waitForToast(page, 'Paused');
    await waitFor('the paused state', async () => (await detail.locator('.state').textContent())?.includes('Paused'));
    expect(await detail.getByRole('button', { name: 'Resume' }).isEnabled()).toBe(true);
    expect(await detail.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'status-3-paused.png'), fullPage: true });

    await detail.getByRole('button', { name: 'Resume' }).click();
    await waitForToast(page, 'Resumed');
    await waitFor('the active state', async () => (await detail.locator('.state').textContent())?.startsWith('Active'));
    expect(await detail.getByRole('button', { name: 'Pause' }).isEnabled()).toBe(true);
    expect((await conn.sobject('Mailbox_Sync__c').retrieve(mailboxSyncId)).Status__c).toBe('Active');
    expect(pageErrors).toEqual([]);
  });
});
