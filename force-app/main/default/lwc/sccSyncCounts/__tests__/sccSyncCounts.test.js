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

    it('says nothing synced yet without counts or without a status', () => {
        expect(mount({ state: 'idle' }).shadowRoot.querySelector('.empty')).not.toBeNull();
        expect(mount(undefined).shadowRoot.querySelector('.empty')).not.toBeNull();
    });
});
