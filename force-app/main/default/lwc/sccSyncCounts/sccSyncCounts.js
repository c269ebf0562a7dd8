import { LightningElement, api } from 'lwc';

const OBJECTS = [
    { key: 'contact', label: 'Contacts' },
    { key: 'event', label: 'Events' },
    { key: 'task', label: 'Tasks' },
    { key: 'email', label: 'Emails' }
];

const DIRECTIONS = {
    toexchange: 'toExchange',
    salesforcetoexchange: 'toExchange',
    tosalesforce: 'toSalesforce',
    exchangetosalesforce: 'toSalesforce'
};

const kindOf = (name) => name.toLowerCase().replace(/s$/, '');
const directionOf = (name) => DIRECTIONS[name.toLowerCase()];
const number = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

// The worker reports counts per object kind and direction, nested
// ({ contact: { toExchange: 3 } }) or flat ({ 'contact.toExchange': 3 }). Both spellings of the
// directions and plural or capitalised kinds are accepted, so a wording change on the worker side
// does not blank the page.
function readCounts(counts) {
    const byKind = {};
    const add = (kind, direction, value) => {
        if (!direction) {
            return;
        }
        byKind[kind] = byKind[kind] || { toExchange: 0, toSalesforce: 0 };
        byKind[kind][direction] += number(value);
    };
    for (const [key, value] of Object.entries(counts || {})) {
        if (value && typeof value === 'object') {
            for (const [direction, count] of Object.entries(value)) {
                add(kindOf(key), directionOf(direction), count);
            }
        } else {
            const [first = '', second = ''] = key.split(/[.:/_]/);
            if (directionOf(second)) {
                add(kindOf(first), directionOf(second), value);
            } else {
                add(kindOf(second), directionOf(first), value);
            }
        }
    }
    return byKind;
}

/**
 * Items synced per object and direction from the worker's status document
 * (`counts: { contact: { toExchange, toSalesforce }, event: …, task: …, email: … }`); when the
 * worker reports only a total (`itemsSynced`), shows that.
 */
export default class SccSyncCounts extends LightningElement {
    /** The worker's status document (SyncStatusController.getMailboxDetail().status). */
    @api status;

    get byKind() {
        return readCounts(this.status?.counts);
    }

    get rows() {
        const byKind = this.byKind;
        return OBJECTS.map(({ key, label }) => ({
            key,
            label,
            toExchange: byKind[key]?.toExchange ?? 0,
            toSalesforce: byKind[key]?.toSalesforce ?? 0
        }));
    }

    get hasCounts() {
        return Object.keys(this.byKind).length > 0;
    }

    get hasTotalOnly() {
        return !this.hasCounts && typeof this.status?.itemsSynced === 'number';
    }

    get total() {
        return this.status?.itemsSynced;
    }
}
