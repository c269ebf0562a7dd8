import { LightningElement, api } from 'lwc';

const OBJECTS = [
    { key: 'contact', label: 'Contacts' },
    { key: 'event', label: 'Events' },
    { key: 'task', label: 'Tasks' },
    { key: 'email', label: 'Emails' }
];

// The worker reports counts per object kind and direction. Accept both spellings of the
// directions and plural or capitalised kinds, so a wording change on the worker side does not
// blank the page.
function readCounts(counts) {
    const byKind = {};
    for (const [kind, value] of Object.entries(counts || {})) {
        byKind[kind.toLowerCase().replace(/s$/, '')] = value || {};
    }
    return byKind;
}

const number = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * Items synced per object and direction from the worker's status document:
 * `counts: { contact: { toExchange, toSalesforce }, event: …, task: …, email: … }`.
 */
export default class SccSyncCounts extends LightningElement {
    /** The worker's status document (SyncStatusController.getMailboxDetail().status). */
    @api status;

    get rows() {
        const byKind = readCounts(this.status?.counts);
        return OBJECTS.map(({ key, label }) => {
            const value = byKind[key] || {};
            return {
                key,
                label,
                toExchange: number(value.toExchange ?? value.salesforceToExchange),
                toSalesforce: number(value.toSalesforce ?? value.exchangeToSalesforce)
            };
        });
    }

    get hasCounts() {
        return !!this.status?.counts && Object.keys(this.status.counts).length > 0;
    }
}
