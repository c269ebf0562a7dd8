import { createElement } from 'lwc';
import { registerSa11yMatcher } from '@sa11y/jest';
import { refreshApex } from '@salesforce/apex';
import SccMailboxDetail from 'c/sccMailboxDetail';
import getMailboxDetail from '@salesforce/apex/SyncStatusController.getMailboxDetail';
import syncNow from '@salesforce/apex/SyncStatusController.syncNow';
import pause from '@salesforce/apex/SyncStatusController.pause';
import resume from '@salesforce/apex/SyncStatusController.resume';
import resolveIssue from '@salesforce/apex/SyncStatusController.resolveIssue';

const DETAIL = require('./data/detail.json');

jest.mock(
    '@salesforce/apex/SyncStatusController.getMailboxDetail',
    () => {
        const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
        return { default: createApexTestWireAdapter(jest.fn()) };
    },
    { virtual: true }
);
jest.mock('@salesforce/apex/SyncStatusController.syncNow', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SyncStatusController.pause', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SyncStatusController.resume', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/SyncStatusController.resolveIssue', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });

const APEX_ERROR = { body: { message: 'Mailbox not provisioned (HTTP 404)' }, ok: false, status: 500 };
const MAILBOX_ID = DETAIL.mailbox.Id;

registerSa11yMatcher();

// Settles Apex promises and re-renders without relying on timers, so fake timers can be used.
async function flush() {
    for (let i = 0; i < 10; i++) {
        await Promise.resolve();
    }
}

function withState(state, mailboxStatus = 'Active') {
    return {
        ...DETAIL,
        mailbox: { ...DETAIL.mailbox, Status__c: mailboxStatus, Worker_Mailbox_State__c: state },
        status: { ...DETAIL.status, state }
    };
}

describe('c-scc-mailbox-detail', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
        jest.useRealTimers();
    });

    function mount() {
        const element = createElement('c-scc-mailbox-detail', { is: SccMailboxDetail });
        element.mailboxSyncId = MAILBOX_ID;
        document.body.appendChild(element);
        return element;
    }

    const $ = (element, selector) => element.shadowRoot.querySelector(selector);

    it('shows state, counts and open issues', async () => {
        const element = mount();
        getMailboxDetail.emit(DETAIL);
        await flush();

        expect(getMailboxDetail.getLastConfig()).toEqual({ mailboxSyncId: MAILBOX_ID });
        expect($(element, '.address').textContent).toBe('ada@example.com');
        expect($(element, '.state').textContent).toBe('Active (idle)');
        expect($(element, '.last-sync').value).toBe('2026-11-27T22:00:00.000Z');
        expect($(element, 'c-scc-sync-counts').status).toEqual(DETAIL.status);
        expect($(element, 'c-scc-issue-table').issues).toEqual(DETAIL.issues);
        expect($(element, '.running')).toBeNull();
        expect($(element, 'lightning-button.resume').disabled).toBe(true);
        await expect(element).toBeAccessible();
    });

    it('shows the record and issues when the worker status is unavailable', async () => {
        const element = mount();
        getMailboxDetail.emit({ ...DETAIL, status: null, statusError: 'The worker could not be reached: Read timed out' });
        await flush();
        expect($(element, 'c-scc-error-panel.status-error').errors).toContain('Read timed out');
        expect($(element, '.state').textContent).toBe('Active (idle)');
        expect($(element, 'c-scc-issue-table').issues).toHaveLength(1);
    });

    it('shows a load error', async () => {
        const element = mount();
        getMailboxDetail.error({ message: 'Mailbox configuration not found or not accessible.' });
        await flush();
        expect($(element, 'c-scc-error-panel').friendlyMessage).toBe('This mailbox could not be loaded.');
        expect($(element, '.address')).toBeNull();
    });

    it('Sync now calls the worker, toasts, refreshes and follows the run', async () => {
        jest.useFakeTimers();
        syncNow.mockResolvedValue({ queued: true });
        const element = mount();
        const toasts = [];
        const refreshes = jest.fn();
        element.addEventListener('lightning__showtoast', (event) => toasts.push(event.detail));
        element.addEventListener('refresh', refreshes);
        getMailboxDetail.emit(DETAIL);
        await flush();

        $(element, 'lightning-button.sync-now').click();
        await flush();
        expect(syncNow).toHaveBeenCalledWith({ mailboxSyncId: MAILBOX_ID });
        expect(toasts[0]).toMatchObject({ title: 'Sync started', variant: 'success' });
        expect(refreshApex).toHaveBeenCalledTimes(1);
        expect(refreshes).toHaveBeenCalledTimes(1);

        // The run shows up as syncing: the page keeps refreshing every 5 s.
        getMailboxDetail.emit(withState('syncing'));
        await flush();
        expect($(element, '.running')).not.toBeNull();
        jest.advanceTimersByTime(10000);
        expect(refreshApex).toHaveBeenCalledTimes(3);

        // The run ended (a new lastRun): polling stops.
        getMailboxDetail.emit({ ...withState('idle'), status: { ...withState('idle').status, lastRun: '2026-11-27T22:05:00.000Z' } });
        await flush();
        jest.advanceTimersByTime(20000);
        expect(refreshApex).toHaveBeenCalledTimes(3);
        expect($(element, '.running')).toBeNull();
    });

    it('after Sync now keeps polling while the worker reports the run queued, and stops once lastRun changes', async () => {
        jest.useFakeTimers();
        syncNow.mockResolvedValue({ queued: true });
        const element = mount();
        const before = { ...DETAIL, status: { ...DETAIL.status, state: 'active', running: false, queued: false, lastRun: '2026-11-27T22:00:00.000Z' } };
        getMailboxDetail.emit(before);
        await flush();

        $(element, 'lightning-button.sync-now').click();
        await flush();
        expect(refreshApex).toHaveBeenCalledTimes(1);

        // The first refresh: only queued, not running, state active — the page must not stop here.
        getMailboxDetail.emit({ ...before, status: { ...before.status, queued: true } });
        await flush();
        expect($(element, '.running')).not.toBeNull();
        jest.advanceTimersByTime(5000);
        expect(refreshApex).toHaveBeenCalledTimes(2);

        // Neither running nor queued yet, lastRun unchanged (between the hint taken and the lease
        // seen, or a worker without `queued`): still following.
        getMailboxDetail.emit(before);
        await flush();
        jest.advanceTimersByTime(5000);
        expect(refreshApex).toHaveBeenCalledTimes(3);

        getMailboxDetail.emit({ ...before, status: { ...before.status, running: true } });
        await flush();
        jest.advanceTimersByTime(5000);
        expect(refreshApex).toHaveBeenCalledTimes(4);

        // Finished: lastRun moved and nothing is running or queued → polling stops, new counts shown.
        const after = { ...before, status: { ...before.status, lastRun: '2026-11-27T22:06:00.000Z', itemsSynced: 50 } };
        getMailboxDetail.emit(after);
        await flush();
        jest.advanceTimersByTime(30000);
        expect(refreshApex).toHaveBeenCalledTimes(4);
        expect($(element, '.running')).toBeNull();
        expect($(element, 'c-scc-sync-counts').status).toEqual(after.status);
    });

    it('keeps polling while the worker reports a queued Sync now on first load', async () => {
        jest.useFakeTimers();
        const element = mount();
        getMailboxDetail.emit({ ...DETAIL, status: { state: 'active', running: false, queued: true } });
        await flush();
        expect($(element, '.running')).not.toBeNull();
        jest.advanceTimersByTime(10000);
        expect(refreshApex).toHaveBeenCalledTimes(2);
        getMailboxDetail.emit({ ...DETAIL, status: { state: 'active', running: false, queued: false } });
        await flush();
        jest.advanceTimersByTime(10000);
        expect(refreshApex).toHaveBeenCalledTimes(2);
    });

    it('gives up following after two minutes when the worker never reports the run', async () => {
        jest.useFakeTimers();
        syncNow.mockResolvedValue({ queued: true });
        const element = mount();
        getMailboxDetail.emit(DETAIL);
        await flush();
        $(element, 'lightning-button.sync-now').click();
        await flush();
        getMailboxDetail.emit(DETAIL);
        await flush();
        jest.advanceTimersByTime(10 * 60 * 1000);
        // 1 after the click + 24 follow polls, then the timer stops.
        expect(refreshApex).toHaveBeenCalledTimes(25);
        await flush();
        expect($(element, '.running')).toBeNull();
    });

    it('follows a run the worker reports as running', async () => {
        jest.useFakeTimers();
        const element = mount();
        getMailboxDetail.emit({ ...DETAIL, status: { state: 'active', running: true, itemsSynced: 3 } });
        await flush();
        expect($(element, '.running')).not.toBeNull();
        jest.advanceTimersByTime(5000);
        expect(refreshApex).toHaveBeenCalledTimes(1);
    });

    it('stops polling when removed from the page', async () => {
        jest.useFakeTimers();
        const element = mount();
        getMailboxDetail.emit(withState('provisioning', 'Provisioning'));
        await flush();
        jest.advanceTimersByTime(5000);
        expect(refreshApex).toHaveBeenCalledTimes(1);

        document.body.removeChild(element);
        jest.advanceTimersByTime(60000);
        expect(refreshApex).toHaveBeenCalledTimes(1);
    });

    it('pauses and resumes', async () => {
        pause.mockResolvedValue({ state: 'paused' });
        resume.mockResolvedValue({ state: 'idle' });
        const element = mount();
        getMailboxDetail.emit(DETAIL);
        await flush();

        $(element, 'lightning-button.pause').click();
        await flush();
        expect(pause).toHaveBeenCalledWith({ mailboxSyncId: MAILBOX_ID });

        getMailboxDetail.emit(withState('paused', 'Paused'));
        await flush();
        expect($(element, 'lightning-button.sync-now').disabled).toBe(true);
        expect($(element, 'lightning-button.pause').disabled).toBe(true);
        expect($(element, 'lightning-button.resume').disabled).toBe(false);

        $(element, 'lightning-button.resume').click();
        await flush();
        expect(resume).toHaveBeenCalledWith({ mailboxSyncId: MAILBOX_ID });
    });

    it('shows a failed action', async () => {
        syncNow.mockRejectedValue(APEX_ERROR);
        const element = mount();
        getMailboxDetail.emit(DETAIL);
        await flush();
        $(element, 'lightning-button.sync-now').click();
        await flush();
        expect($(element, 'c-scc-error-panel.action-error').errors).toEqual(APEX_ERROR);
        expect(refreshApex).not.toHaveBeenCalled();
        expect($(element, 'lightning-button.sync-now').disabled).toBe(false);
    });

    it('marks an issue resolved and refreshes', async () => {
        resolveIssue.mockResolvedValue({ Id: 'a02000000000001AAA', Resolved__c: true });
        const element = mount();
        getMailboxDetail.emit(DETAIL);
        await flush();
        $(element, 'c-scc-issue-table').dispatchEvent(new CustomEvent('resolve', { detail: { issueId: 'a02000000000001AAA' } }));
        await flush();
        expect(resolveIssue).toHaveBeenCalledWith({ issueId: 'a02000000000001AAA' });
        expect(refreshApex).toHaveBeenCalledTimes(1);
    });

    it('shows a failed resolve', async () => {
        resolveIssue.mockRejectedValue({ body: { message: 'Issue not found or not accessible.' } });
        const element = mount();
        getMailboxDetail.emit(DETAIL);
        await flush();
        $(element, 'c-scc-issue-table').dispatchEvent(new CustomEvent('resolve', { detail: { issueId: 'a02000000000009AAA' } }));
        await flush();
        expect($(element, 'c-scc-error-panel.action-error')).not.toBeNull();
    });
});
