import { createElement } from 'lwc';
import { registerSa11yMatcher } from '@sa11y/jest';
import SccSyncCounts from 'c/sccSyncCounts';

const STATUS = require('./data/status.json');

registerSa11yMatcher();

describe('c-scc-sync-counts', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
    });

    function mount(status) {
        const element = createElement('c-scc-sync-counts', { is: SccSyncCounts });
        element.status = status;
        document.body.appendChild(element);
        return element;
    }

    const cell = (element, kind, column) => element.shadowRoot.querySelector(`tr[data-kind="${kind}"] .${column}`).textContent;

    it('shows counts per object and direction, whatever spelling the worker uses', async () => {
        const element = mount(STATUS);
        expect(cell(element, 'contact', 'to-exchange')).toBe('12');
        expect(cell(element, 'contact', 'to-salesforce')).toBe('3');
        expect(cell(element, 'event', 'to-exchange')).toBe('5');
        expect(cell(element, 'event', 'to-salesforce')).toBe('7');
        expect(cell(element, 'task', 'to-salesforce')).toBe('0');
        expect(cell(element, 'email', 'to-exchange')).toBe('0');
        await expect(element).toBeAccessible();
    });

    it('reads flat keys in either order', () => {
        const element = mount({ counts: { 'contact.toExchange': 4, 'toSalesforce:event': 2, 'tasks_salesforceToExchange': 1, created: 9 } });
        expect(cell(element, 'contact', 'to-exchange')).toBe('4');
        expect(cell(element, 'event', 'to-salesforce')).toBe('2');
        expect(cell(element, 'task', 'to-exchange')).toBe('1');
    });

    it('shows the total when the worker reports no per-object counts', async () => {
        const element = mount({ state: 'active', itemsSynced: 12, recentRuns: [] });
        expect(element.shadowRoot.querySelector('.total').textContent).toBe('12 items synced in total.');
        expect(element.shadowRoot.querySelector('table')).toBeNull();
        await expect(element).toBeAccessible();
    });

    it('says nothing synced yet without counts or without a status', () => {
        expect(mount({ state: 'idle' }).shadowRoot.querySelector('.empty')).not.toBeNull();
        expect(mount(undefined).shadowRoot.querySelector('.empty')).not.toBeNull();
    });
});
