import { LightningElement, api } from 'lwc';

/**
 * Every mailbox with its state, last sync, items synced and open issues; choosing one emits
 * `select` with the Mailbox_Sync__c id.
 */
export default class SccMailboxList extends LightningElement {
    /** Mailbox_Sync__c records from SyncStatusController.getMailboxes. */
    @api mailboxes = [];
    /** Id of the mailbox shown in detail, highlighted in the list. */
    @api selectedId;

    get rows() {
        return (this.mailboxes || []).map((m) => ({
            id: m.Id,
            address: m.Mailbox_Address__c,
            user: m.User__r?.Name || '',
            status: m.Status__c || 'New',
            lastSync: m.Last_Sync__c,
            itemsSynced: m.Items_Synced__c || 0,
            openIssues: m.Open_Issues__c || 0,
            rowClass: m.Id === this.selectedId ? 'slds-hint-parent slds-is-selected' : 'slds-hint-parent',
            openLabel: `Show details of ${m.Mailbox_Address__c}`
        }));
    }

    get isEmpty() {
        return this.rows.length === 0;
    }

    handleOpen(event) {
        this.dispatchEvent(new CustomEvent('select', { detail: { mailboxSyncId: event.target.dataset.id } }));
    }
}
