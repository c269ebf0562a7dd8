import { LightningElement, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import getMailboxes from '@salesforce/apex/SyncStatusController.getMailboxes';

/**
 * Sync Status page: the list of mailboxes the user can see and the detail of the chosen one
 * (the first by default, which for a user is their own mailbox).
 */
export default class SccSyncStatus extends LightningElement {
    mailboxes;
    error;
    chosenId;
    wiredMailboxes;

    @wire(getMailboxes)
    wiredMailboxList(result) {
        this.wiredMailboxes = result;
        if (result.data) {
            this.mailboxes = result.data;
            this.error = undefined;
        } else if (result.error) {
            this.mailboxes = undefined;
            this.error = result.error;
        }
    }

    get selectedId() {
        if (this.chosenId && this.mailboxes?.some((m) => m.Id === this.chosenId)) {
            return this.chosenId;
        }
        return this.mailboxes?.length ? this.mailboxes[0].Id : undefined;
    }

    get hasMailboxes() {
        return !!this.mailboxes;
    }

    handleSelect(event) {
        this.chosenId = event.detail.mailboxSyncId;
    }

    handleRefresh() {
        return refreshApex(this.wiredMailboxes);
    }
}
