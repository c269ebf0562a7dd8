import { createElement } from 'lwc';
import { registerSa11yMatcher } from '@sa11y/jest';
import { refreshApex } from '@salesforce/apex';
import SccSyncStatus from 'c/sccSyncStatus';
import getMailboxes from '@salesforce/apex/SyncStatusController.getMailboxes';

const MAILBOXES = require('./data/mailboxes.json');

jest.mock(
    '@salesforce/apex/SyncStatusController.getMailboxes',
    () => {
        const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
        return { default: createApexTestWireAdapter(jest.fn()) };
    },
    { virtual: true }
);
jest.mock(
    '@salesforce/apex/SyncStatusController.getMailboxDetail',
    () => {
        const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
        return { default: createApexTestWireAdapter(jest.fn()) };
    },
    { virtual: true }
);
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });

registerSa11yMatcher();

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('c-scc-sync-status', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    function mount() {
        const element = createElement('c-scc-sync-status', { is: SccSyncStatus });
        document.body.appendChild(element);
        return element;
    }

    const $ = (element, selector) => element.shadowRoot.querySelector(selector);

    it('lists mailboxes and shows the first one in detail', async () => {
        const element = mount();
        getMailboxes.emit(MAILBOXES);
        await flushPromises();
        expect($(element, 'c-scc-mailbox-list').mailboxes).toEqual(MAILBOXES);
        expect($(element, 'c-scc-mailbox-list').selectedId).toBe(MAILBOXES[0].Id);
        expect($(element, 'c-scc-mailbox-detail').mailboxSyncId).toBe(MAILBOXES[0].Id);
        await expect(element).toBeAccessible();
    });

    it('shows the mailbox the user picks', async () => {
        const element = mount();
        getMailboxes.emit(MAILBOXES);
        await flushPromises();
        $(element, 'c-scc-mailbox-list').dispatchEvent(new CustomEvent('select', { detail: { mailboxSyncId: MAILBOXES[1].Id } }));
        await flushPromises();
        expect($(element, 'c-scc-mailbox-detail').mailboxSyncId).toBe(MAILBOXES[1].Id);
    });

    it('shows an empty list without detail', async () => {
        const element = mount();
        getMailboxes.emit([]);
        await flushPromises();
        expect($(element, 'c-scc-mailbox-list').mailboxes).toEqual([]);
        expect($(element, 'c-scc-mailbox-detail')).toBeNull();
    });

    it('shows a load error', async () => {
        const element = mount();
        getMailboxes.error({ message: 'Insufficient access' });
        await flushPromises();
        expect($(element, 'c-scc-error-panel').friendlyMessage).toBe('Mailboxes could not be loaded.');
        expect($(element, 'c-scc-mailbox-list')).toBeNull();
    });

    it('reloads the list when the detail changed something', async () => {
        const element = mount();
        getMailboxes.emit(MAILBOXES);
        await flushPromises();
        $(element, 'c-scc-mailbox-detail').dispatchEvent(new CustomEvent('refresh'));
        await flushPromises();
        expect(refreshApex).toHaveBeenCalledTimes(1);
    });
});
