import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getMailboxDetail from '@salesforce/apex/SyncStatusController.getMailboxDetail';
import syncNow from '@salesforce/apex/SyncStatusController.syncNow';
import pause from '@salesforce/apex/SyncStatusController.pause';
import resume from '@salesforce/apex/SyncStatusController.resume';
import resolveIssue from '@salesforce/apex/SyncStatusController.resolveIssue';

// Worker states during which the numbers move, so the page keeps itself fresh.
const RUNNING_STATES = new Set(['queued', 'syncing', 'provisioning']);
const POLL_INTERVAL_MS = 5000;
// How long an action is followed when the worker never reports its run's end (2 minutes).
const MAX_FOLLOW_POLLS = 24;

/**
 * One mailbox: state, last sync, counts per object and direction, open issues, and the Sync now /
 * Pause / Resume actions. While the worker reports a run in progress or queued it refreshes itself
 * every POLL_INTERVAL_MS with refreshApex. After Sync now or Resume it also follows until the
 * worker's lastRun changes (the run the action asked for has finished), at most MAX_FOLLOW_POLLS
 * refreshes; the timer stops then, or when the component goes away.
 * After every change it emits `refresh` so the mailbox list can reload too.
 */
export default class SccMailboxDetail extends LightningElement {
    /** Id of the Mailbox_Sync__c to show. */
    @api mailboxSyncId;

    detail;
    error;
    actionError;
    busy = false;
    wiredDetail;
    pollTimer;
    // { lastRun, polls }: the worker's lastRun when an action asked for a run, until it changes.
    following;

    @wire(getMailboxDetail, { mailboxSyncId: '$mailboxSyncId' })
    wiredMailboxDetail(result) {
        this.wiredDetail = result;
        if (result.data) {
            this.detail = result.data;
            this.error = undefined;
            if (this.following && this.detail.status && (this.detail.status.lastRun || null) !== this.following.lastRun) {
                this.following = undefined;
            }
        } else if (result.error) {
            this.detail = undefined;
            this.error = result.error;
        }
        this.updatePolling();
    }

    disconnectedCallback() {
        this.following = undefined;
        this.stopPolling();
    }

    get mailbox() {
        return this.detail?.mailbox;
    }

    get workerState() {
        return this.detail?.status?.state || this.mailbox?.Worker_Mailbox_State__c || '';
    }

    get isRunning() {
        return (
            this.detail?.status?.running === true ||
            this.detail?.status?.queued === true ||
            this.following !== undefined ||
            RUNNING_STATES.has(this.workerState.toLowerCase()) ||
            this.mailbox?.Status__c === 'Provisioning'
        );
    }

    get isPaused() {
        return this.mailbox?.Status__c === 'Paused' || this.workerState.toLowerCase() === 'paused';
    }

    get stateLabel() {
        const status = this.mailbox?.Status__c || 'New';
        return this.workerState ? `${status} (${this.workerState})` : status;
    }

    get lastSync() {
        return this.detail?.status?.lastSync || this.mailbox?.Last_Sync__c;
    }

    get syncDisabled() {
        return this.busy || this.isPaused;
    }

    get pauseDisabled() {
        return this.busy || this.isPaused;
    }

    get resumeDisabled() {
        return this.busy || !this.isPaused;
    }

    get issues() {
        return this.detail?.issues || [];
    }

    get issueCount() {
        return this.issues.length;
    }

    updatePolling() {
        if (this.isRunning) {
            this.startPolling();
        } else {
            this.stopPolling();
        }
    }

    startPolling() {
        if (this.pollTimer) {
            return;
        }
        // A timer is the only way to follow a run on the worker: there is no push channel to the page.
        // eslint-disable-next-line @lwc/lwc/no-async-operation
        this.pollTimer = setInterval(() => {
            if (this.following && ++this.following.polls > MAX_FOLLOW_POLLS) {
                this.following = undefined;
                this.updatePolling();
                if (!this.pollTimer) {
                    return;
                }
            }
            this.refresh();
        }, POLL_INTERVAL_MS);
    }

    stopPolling() {
        if (this.pollTimer) {
            clearInterval(this.pollTimer);
            this.pollTimer = undefined;
        }
    }

    refresh() {
        this.dispatchEvent(new CustomEvent('refresh'));
        return refreshApex(this.wiredDetail);
    }

    handleSyncNow() {
        this.act(syncNow, 'Sync started', 'The worker is syncing this mailbox now.', true);
    }

    handlePause() {
        this.act(pause, 'Paused', 'Sync of this mailbox is paused.', false);
    }

    handleResume() {
        this.act(resume, 'Resumed', 'Sync of this mailbox resumed.', true);
    }

    async handleResolve(event) {
        this.busy = true;
        this.actionError = undefined;
        try {
            await resolveIssue({ issueId: event.detail.issueId });
            this.toast('Issue resolved', 'The issue no longer counts as open.');
            await this.refresh();
        } catch (error) {
            this.actionError = error;
        } finally {
            this.busy = false;
        }
    }

    async act(method, title, message, follow) {
        this.busy = true;
        this.actionError = undefined;
        try {
            const before = this.detail?.status?.lastRun || null;
            await method({ mailboxSyncId: this.mailboxSyncId });
            this.toast(title, message);
            if (follow) {
                // The worker answers before the run starts: follow it until lastRun says it ended.
                this.following = { lastRun: before, polls: 0 };
                this.startPolling();
            }
            await this.refresh();
        } catch (error) {
            this.actionError = error;
        } finally {
            this.busy = false;
        }
    }

    toast(title, message) {
        this.dispatchEvent(new ShowToastEvent({ title, message, variant: 'success' }));
    }
}
