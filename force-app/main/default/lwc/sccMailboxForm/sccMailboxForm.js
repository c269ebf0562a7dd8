import { LightningElement, api } from 'lwc';
import { DEFAULT_CONFIG, DIRECTIONS, NO_MATCH, PLANS, PRIVATE_EVENTS, SCOPES, WINNERS } from 'c/sccConfig';


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
