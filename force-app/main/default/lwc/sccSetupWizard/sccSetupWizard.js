import { LightningElement } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import testConnection from '@salesforce/apex/SetupController.testConnection';
import getUsers from '@salesforce/apex/SetupController.getUsers';
import getMailboxes from '@salesforce/apex/SetupController.getMailboxes';
import saveMailbox from '@salesforce/apex/SetupController.saveMailbox';
import testMailbox from '@salesforce/apex/SetupController.testMailbox';
import provision from '@salesforce/apex/SetupController.provision';
import activate from '@salesforce/apex/SetupController.activate';
import checkSyncSoftware from '@salesforce/apex/SetupController.checkSyncSoftware';
import { DEFAULT_CONFIG, toConfig } from 'c/sccConfig';

const STEPS = [
    { value: 'connect', label: 'Connect the worker' },
    { value: 'mailbox', label: 'User and mailbox' },
    { value: 'options', label: 'What to sync' },
    { value: 'check', label: 'Other sync software' },
    { value: 'activate', label: 'Provision and activate' }
];

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * Setup wizard: test the worker connection, pick a user and mailbox (default: the user's email),
 * choose what to sync, see conflicting sync software, then save, provision and activate.
 * Picking a user who already has a mailbox loads that configuration for editing.
 */
export default class SccSetupWizard extends LightningElement {
    steps = STEPS;
    currentStep = 'connect';

    connection;
    connectionError;
    users = [];
    mailboxes = [];
    loadError;
    config = { ...DEFAULT_CONFIG };
    findings;
    findingsError;
    saved;
    actionError;
    busy = false;

    connectedCallback() {
        this.loadUsers();
    }

    async loadUsers() {
        try {
            const [users, mailboxes] = await Promise.all([getUsers(), getMailboxes()]);
            this.users = users;
            this.mailboxes = mailboxes;
            this.loadError = undefined;
        } catch (error) {
            this.loadError = error;
        }
    }

    // Steps

    get stepIndex() {
        return STEPS.findIndex((step) => step.value === this.currentStep);
    }

    get isConnect() {
        return this.currentStep === 'connect';
    }

    get isMailbox() {
        return this.currentStep === 'mailbox';
    }

    get isOptions() {
        return this.currentStep === 'options';
    }

    get isCheck() {
        return this.currentStep === 'check';
    }

    get isActivate() {
        return this.currentStep === 'activate';
    }

    get backDisabled() {
        return this.stepIndex === 0 || this.busy;
    }

    get nextDisabled() {
        if (this.busy || this.stepIndex === STEPS.length - 1) {
            return true;
        }
        if (this.isConnect) {
            return !this.connection;
        }
        if (this.isMailbox) {
            return !this.mailboxValid;
        }
        return false;
    }

    handleBack() {
        this.goTo(STEPS[this.stepIndex - 1].value);
    }

    handleNext() {
        this.goTo(STEPS[this.stepIndex + 1].value);
    }

    goTo(step) {
        this.currentStep = step;
        if (step === 'check' && this.findings === undefined) {
            this.runCheck();
        }
    }

    // Step 1: connection

    get connectionVersion() {
        return this.connection?.version ? ` (version ${this.connection.version})` : '';
    }

    async handleTestConnection() {
        this.busy = true;
        try {
            this.connection = await testConnection();
            this.connectionError = undefined;
        } catch (error) {
            this.connection = undefined;
            this.connectionError = error;
        } finally {
            this.busy = false;
        }
    }

    // Step 2: user and mailbox

    get userOptions() {
        return this.users.map((user) => ({
            label: user.mailboxSyncId ? `${user.name} (configured)` : user.name,
            value: user.id
        }));
    }

    get hasUsers() {
        return this.users.length > 0;
    }

    get isEditing() {
        return !!this.config.id;
    }

    get mailboxValid() {
        return !!this.config.userId && EMAIL.test((this.config.mailboxAddress || '').trim());
    }

    get addressInvalid() {
        return !!this.config.userId && !this.mailboxValid;
    }

    handleUserChange(event) {
        const userId = event.detail.value;
        const user = this.users.find((u) => u.id === userId);
        const existing = user?.mailboxSyncId && this.mailboxes.find((m) => m.Id === user.mailboxSyncId);
        this.config = existing ? toConfig(existing) : { ...DEFAULT_CONFIG, userId, mailboxAddress: user?.email || '' };
        this.saved = existing || undefined;
        this.actionError = undefined;
    }

    handleAddressChange(event) {
        this.config = { ...this.config, mailboxAddress: event.detail.value };
    }

    // Step 3: options

    handleConfigChange(event) {
        this.config = { ...this.config, ...event.detail.value };
    }

    // Step 4: other sync software

    async runCheck() {
        this.busy = true;
        try {
            this.findings = await checkSyncSoftware();
            this.findingsError = undefined;
        } catch (error) {
            this.findings = [];
            this.findingsError = error;
        } finally {
            this.busy = false;
        }
    }

    handleRecheck() {
        this.runCheck();
    }

    // Step 5: save, provision, activate

    get mailboxStatus() {
        return this.saved?.Status__c || 'Not saved yet';
    }

    get provisionDisabled() {
        return this.busy || !this.saved;
    }

    get activateDisabled() {
        return this.busy || !this.saved || this.saved.Enabled__c === true;
    }

    async handleSave() {
        await this.act(async () => {
            const record = await saveMailbox({ json: JSON.stringify(this.config) });
            this.saved = record;
            this.config = toConfig(record);
            this.replaceMailbox(record);
            this.toast('Saved', `Configuration of ${record.Mailbox_Address__c} saved.`, 'success');
        });
    }

    async handleTestMailbox() {
        await this.act(async () => {
            await testMailbox({ mailboxSyncId: this.saved.Id });
            this.toast('Mailbox reachable', `The worker can open ${this.saved.Mailbox_Address__c} with its Microsoft Graph permissions.`, 'success');
        });
    }

    async handleProvision() {
        await this.act(async () => {
            await provision({ mailboxSyncId: this.saved.Id });
            this.toast('Provisioning started', 'The worker is creating the Salesforce folders, task list and category in the mailbox.', 'success');
        });
    }

    async handleActivate() {
        await this.act(async () => {
            const record = await activate({ mailboxSyncId: this.saved.Id });
            this.saved = record;
            this.replaceMailbox(record);
            this.toast('Activated', `${record.Mailbox_Address__c} now syncs.`, 'success');
        });
    }

    handleAnother() {
        this.config = { ...DEFAULT_CONFIG };
        this.saved = undefined;
        this.actionError = undefined;
        this.goTo('mailbox');
    }

    async act(work) {
        this.busy = true;
        this.actionError = undefined;
        try {
            await work();
        } catch (error) {
            this.actionError = error;
        } finally {
            this.busy = false;
        }
    }

    replaceMailbox(record) {
        this.mailboxes = [...this.mailboxes.filter((m) => m.Id !== record.Id), record];
        this.users = this.users.map((u) => (u.id === record.User__c ? { ...u, mailboxSyncId: record.Id } : u));
    }

    toast(title, message, variant) {
        this.dispatchEvent(new ShowToastEvent({ title, message, variant }));
    }
}
