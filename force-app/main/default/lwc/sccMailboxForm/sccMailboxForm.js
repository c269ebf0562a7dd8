import { LightningElement, api } from 'lwc';

// Picklist values of Mailbox_Sync__c; SetupController validates against the same lists.
const options = (values) => values.map((value) => ({ label: value, value }));
const DIRECTIONS = options(['Both', 'Salesforce to Exchange', 'Exchange to Salesforce']);
const SCOPES = options(['My Contacts', 'All Contacts']);
const PLANS = options(['Basic', 'Professional', 'Real-time']);
const PRIVATE_EVENTS = options(['Sync', 'Skip', 'Busy Placeholder']);
const NO_MATCH = options(['Log Anyway', 'Skip']);
const WINNERS = options(['Salesforce', 'Exchange']);

export const DEFAULT_CONFIG = Object.freeze({
    syncContacts: true,
    syncEvents: true,
    syncTasks: true,
    syncEmails: false,
    contactsDirection: 'Both',
    eventsDirection: 'Both',
    tasksDirection: 'Both',
    contactScope: 'My Contacts',
    categoryName: 'Salesforce',
    plan: 'Professional',
    eventsPrivate: 'Busy Placeholder',
    emailNoMatch: 'Log Anyway',
    conflictWinner: 'Salesforce'
});

/**
 * What to sync for one mailbox: objects, directions, contact scope, category, plan and the
 * finer choices. Controlled: it shows `value` and emits `configchange` with the new value.
 */
export default class SccMailboxForm extends LightningElement {
    @api value = DEFAULT_CONFIG;

    directionOptions = DIRECTIONS;
    scopeOptions = SCOPES;
    planOptions = PLANS;
    privateEventOptions = PRIVATE_EVENTS;
    noMatchOptions = NO_MATCH;
    winnerOptions = WINNERS;

    get config() {
        return { ...DEFAULT_CONFIG, ...(this.value || {}) };
    }

    get contactsOff() {
        return !this.config.syncContacts;
    }

    get eventsOff() {
        return !this.config.syncEvents;
    }

    get tasksOff() {
        return !this.config.syncTasks;
    }

    get emailsOff() {
        return !this.config.syncEmails;
    }

    handleToggle(event) {
        this.emit(event.target.dataset.field, event.target.checked);
    }

    handleChange(event) {
        this.emit(event.target.dataset.field, event.detail.value);
    }

    emit(field, fieldValue) {
        this.dispatchEvent(new CustomEvent('configchange', { detail: { value: { ...this.config, [field]: fieldValue } } }));
    }
}
