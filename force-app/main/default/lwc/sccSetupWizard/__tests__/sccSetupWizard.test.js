import { createElement } from 'lwc';
import { registerSa11yMatcher } from '@sa11y/jest';
import SccSetupWizard from 'c/sccSetupWizard';
import testConnection from '@salesforce/apex/SetupController.testConnection';
import getUsers from '@salesforce/apex/SetupController.getUsers';
import getMailboxes from '@salesforce/apex/SetupController.getMailboxes';
import saveMailbox from '@salesforce/apex/SetupController.saveMailbox';
import testMailbox from '@salesforce/apex/SetupController.testMailbox';
import provision from '@salesforce/apex/SetupController.provision';
import activate from '@salesforce/apex/SetupController.activate';
import checkSyncSoftware from '@salesforce/apex/SetupController.checkSyncSoftware';

const USERS = require('./data/users.json');
const MAILBOXES = require('./data/mailboxes.json');
const SAVED = require('./data/savedMailbox.json');
const FINDINGS = require('./data/findings.json');

jest.mock('@salesforce/apex/SetupController.testConnection', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SetupController.getUsers', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SetupController.getMailboxes', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SetupController.saveMailbox', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SetupController.testMailbox', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SetupController.provision', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SetupController.activate', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SetupController.checkSyncSoftware', () => ({ default: jest.fn() }), { virtual: true });

const APEX_ERROR = { body: { message: 'The worker rejected the token. (HTTP 401)' }, ok: false, status: 500, statusText: 'Server Error' };

registerSa11yMatcher();

// Apex calls resolve on the microtask queue; let them and the re-render settle.
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('c-scc-setup-wizard', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    beforeEach(() => {
        getUsers.mockResolvedValue(USERS);
        getMailboxes.mockResolvedValue(MAILBOXES);
        testConnection.mockResolvedValue({ status: 'ok', version: '0.1.0' });
        checkSyncSoftware.mockResolvedValue([]);
    });

    async function mount() {
        const element = createElement('c-scc-setup-wizard', { is: SccSetupWizard });
        document.body.appendChild(element);
        await flushPromises();
        return element;
    }

    const $ = (element, selector) => element.shadowRoot.querySelector(selector);

    async function click(element, selector) {
        $(element, selector).click();
        await flushPromises();
    }

    async function chooseUser(element, userId) {
        $(element, 'lightning-combobox.user').dispatchEvent(new CustomEvent('change', { detail: { value: userId } }));
        await flushPromises();
    }

    async function connectAndGoTo(element, steps) {
        await click(element, 'lightning-button.test-connection');
        await click(element, 'lightning-button.next');
        if (steps > 1) {
            await chooseUser(element, USERS[0].id);
        }
        for (let i = 1; i < steps; i++) {
            await click(element, 'lightning-button.next');
        }
    }

    it('starts at the connection step with Next blocked until the worker answers', async () => {
        const element = await mount();
        expect($(element, 'lightning-progress-indicator').currentStep).toBe('connect');
        expect($(element, 'lightning-button.next').disabled).toBe(true);
        expect($(element, 'lightning-button.back').disabled).toBe(true);
        await expect(element).toBeAccessible();

        await click(element, 'lightning-button.test-connection');

        expect(testConnection).toHaveBeenCalledTimes(1);
        expect($(element, '.connected').textContent).toContain('version 0.1.0');
        expect($(element, 'lightning-button.next').disabled).toBe(false);
    });

    it('shows why the connection failed and keeps Next blocked', async () => {
        testConnection.mockRejectedValue(APEX_ERROR);
        const element = await mount();
        await click(element, 'lightning-button.test-connection');

        const panel = $(element, 'c-scc-error-panel');
        expect(panel.errors).toEqual(APEX_ERROR);
        expect(panel.friendlyMessage).toContain('named credential');
        expect($(element, 'lightning-button.next').disabled).toBe(true);
    });

    it('defaults the mailbox to the user email and validates it', async () => {
        const element = await mount();
        await connectAndGoTo(element, 1);
        expect($(element, 'lightning-button.next').disabled).toBe(true);

        await chooseUser(element, USERS[0].id);
        expect($(element, 'lightning-input.address').value).toBe('ada@example.com');
        expect($(element, '.editing')).toBeNull();
        expect($(element, 'lightning-button.next').disabled).toBe(false);
        await expect(element).toBeAccessible();

        $(element, 'lightning-input.address').dispatchEvent(new CustomEvent('change', { detail: { value: 'not an address' } }));
        await flushPromises();
        expect($(element, '.address-error')).not.toBeNull();
        expect($(element, 'lightning-button.next').disabled).toBe(true);
    });

    it('loads an existing configuration for editing', async () => {
        const element = await mount();
        await connectAndGoTo(element, 1);
        await chooseUser(element, USERS[1].id);

        expect($(element, 'lightning-input.address').value).toBe('grace@contoso.onmicrosoft.com');
        expect($(element, '.editing')).not.toBeNull();
        const options = $(element, 'lightning-combobox.user').options;
        expect(options.find((o) => o.value === USERS[1].id).label).toBe('Grace Hopper (configured)');

        await click(element, 'lightning-button.next');
        const form = $(element, 'c-scc-mailbox-form');
        expect(form.value).toMatchObject({ id: 'a01000000000002AAA', plan: 'Real-time', categoryName: 'CRM', syncTasks: false });
    });

    it('says so when there are no users, and shows a load error', async () => {
        getUsers.mockResolvedValue([]);
        let element = await mount();
        await connectAndGoTo(element, 1);
        expect($(element, '.no-users')).not.toBeNull();
        document.body.removeChild(element);

        getUsers.mockRejectedValue(APEX_ERROR);
        element = await mount();
        await connectAndGoTo(element, 1);
        expect($(element, 'c-scc-error-panel').friendlyMessage).toBe('Users could not be loaded.');
    });

    it('keeps option changes from the form', async () => {
        const element = await mount();
        await connectAndGoTo(element, 2);
        const form = $(element, 'c-scc-mailbox-form');
        form.dispatchEvent(new CustomEvent('configchange', { detail: { value: { ...form.value, plan: 'Basic', syncEmails: true } } }));
        await flushPromises();
        expect($(element, 'c-scc-mailbox-form').value).toMatchObject({ plan: 'Basic', syncEmails: true, userId: USERS[0].id });
    });

    it('checks for other sync software once, on entering the step, and on demand', async () => {
        checkSyncSoftware.mockResolvedValue(FINDINGS);
        const element = await mount();
        await connectAndGoTo(element, 3);

        const warning = $(element, 'c-scc-sync-software-warning');
        expect(warning.findings).toEqual(FINDINGS);
        expect(warning.focusUserId).toBe(USERS[0].id);
        expect(checkSyncSoftware).toHaveBeenCalledTimes(1);

        await click(element, 'lightning-button.recheck');
        expect(checkSyncSoftware).toHaveBeenCalledTimes(2);
    });

    it('shows a failed sync-software check', async () => {
        checkSyncSoftware.mockRejectedValue(APEX_ERROR);
        const element = await mount();
        await connectAndGoTo(element, 3);
        expect($(element, 'c-scc-error-panel').friendlyMessage).toContain('Manage Users');
        expect($(element, 'c-scc-sync-software-warning')).toBeNull();
    });

    it('saves, provisions and activates, with a toast for each', async () => {
        saveMailbox.mockResolvedValue(SAVED);
        testMailbox.mockResolvedValue({ ok: true });
        provision.mockResolvedValue({ status: 'provisioning' });
        activate.mockResolvedValue({ ...SAVED, Enabled__c: true, Status__c: 'Active' });
        const element = await mount();
        const toasts = [];
        element.addEventListener('lightning__showtoast', (event) => toasts.push(event.detail));
        await connectAndGoTo(element, 4);

        expect($(element, 'lightning-button.provision').disabled).toBe(true);
        expect($(element, 'lightning-button.test-mailbox').disabled).toBe(true);
        await click(element, 'lightning-button.save');
        const sent = JSON.parse(saveMailbox.mock.calls[0][0].json);
        expect(sent).toMatchObject({ userId: USERS[0].id, mailboxAddress: 'ada@example.com', plan: 'Professional', categoryName: 'Salesforce' });
        expect($(element, '.status').textContent).toBe('New');

        await click(element, 'lightning-button.test-mailbox');
        expect(testMailbox).toHaveBeenCalledWith({ mailboxSyncId: SAVED.Id });

        await click(element, 'lightning-button.provision');
        expect(provision).toHaveBeenCalledWith({ mailboxSyncId: SAVED.Id });

        await click(element, 'lightning-button.activate');
        expect(activate).toHaveBeenCalledWith({ mailboxSyncId: SAVED.Id });
        expect($(element, '.status').textContent).toBe('Active');
        expect($(element, 'lightning-button.activate').disabled).toBe(true);

        expect(toasts.map((t) => t.title)).toEqual(['Saved', 'Mailbox reachable', 'Provisioning started', 'Activated']);
        expect(toasts.every((t) => t.variant === 'success')).toBe(true);
        await expect(element).toBeAccessible();
    });

    it('shows a failed provision and lets the admin retry', async () => {
        saveMailbox.mockResolvedValue(SAVED);
        provision.mockRejectedValueOnce(APEX_ERROR).mockResolvedValueOnce({ status: 'provisioning' });
        const element = await mount();
        await connectAndGoTo(element, 4);
        await click(element, 'lightning-button.save');

        await click(element, 'lightning-button.provision');
        expect($(element, 'c-scc-error-panel').errors).toEqual(APEX_ERROR);
        expect($(element, 'lightning-button.provision').disabled).toBe(false);

        await click(element, 'lightning-button.provision');
        expect($(element, 'c-scc-error-panel')).toBeNull();
        expect(provision).toHaveBeenCalledTimes(2);
    });

    it('starts over for another user after activating one', async () => {
        saveMailbox.mockResolvedValue(SAVED);
        const element = await mount();
        await connectAndGoTo(element, 4);
        await click(element, 'lightning-button.save');
        await click(element, 'lightning-button.another');

        expect($(element, 'lightning-progress-indicator').currentStep).toBe('mailbox');
        expect($(element, 'lightning-combobox.user').value).toBeUndefined();
        expect($(element, 'lightning-combobox.user').options[0].label).toBe('Ada Lovelace (configured)');
        expect($(element, 'lightning-button.next').disabled).toBe(true);
    });

    it('goes back a step', async () => {
        const element = await mount();
        await connectAndGoTo(element, 2);
        await click(element, 'lightning-button.back');
        expect($(element, 'lightning-progress-indicator').currentStep).toBe('mailbox');
    });
});
