/**
 * Shared constants of the SmartCloud Connect components: the mailbox configuration defaults and
 * the picklist values of Mailbox_Sync__c (SetupController validates against the same lists),
 * and the translation between a Mailbox_Sync__c record and the JSON SetupController.saveMailbox reads.
 */
const options = (values) => Object.freeze(values.map((value) => Object.freeze({ label: value, value })));

export const DIRECTIONS = options(['Both', 'Salesforce to Exchange', 'Exchange to Salesforce']);
export const SCOPES = options(['My Contacts', 'All Contacts']);
export const PLANS = options(['Basic', 'Professional', 'Real-time']);
export const PRIVATE_EVENTS = options(['Sync', 'Skip', 'Busy Placeholder']);
export const NO_MATCH = options(['Log Anyway', 'Skip']);
export const WINNERS = options(['Salesforce', 'Exchange']);

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
 * @param {Object} record Mailbox_Sync__c as Apex returns it
 * @return {Object} the configuration keys of SetupController.MailboxInput
 */
export function toConfig(record) {
    return {
        id: record.Id,
        userId: record.User__c,
        mailboxAddress: record.Mailbox_Address__c,
        syncContacts: record.Sync_Contacts__c,
        syncEvents: record.Sync_Events__c,
        syncTasks: record.Sync_Tasks__c,
        syncEmails: record.Sync_Emails__c,
        contactsDirection: record.Contacts_Direction__c,
        eventsDirection: record.Events_Direction__c,
        tasksDirection: record.Tasks_Direction__c,
        contactScope: record.Contact_Scope__c,
        categoryName: record.Category_Name__c,
        plan: record.Plan__c,
        eventsPrivate: record.Events_Private__c,
        emailNoMatch: record.Email_No_Match__c,
        conflictWinner: record.Conflict_Winner__c
    };
}
