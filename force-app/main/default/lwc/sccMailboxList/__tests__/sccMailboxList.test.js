import { createElement } from 'lwc';
import { registerSa11yMatcher } from '@sa11y/jest';
import SccMailboxList from 'c/sccMailboxList';

const MAILBOXES = require('./data/mailboxes.json');

registerSa11yMatcher();

describe('c-scc-mailbox-list', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
    });

    function mount(props) {
        const element = createElement('c-scc-mailbox-list', { is: SccMailboxList });
        Object.assign(element, props);
        document.body.appendChild(element);
        return element;
    }

    const texts = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)].map((n) => n.textContent);

    it('lists every mailbox with state, items and open issues', async () => {
        const element = mount({ mailboxes: MAILBOXES, selectedId: MAILBOXES[0].Id });
        expect(texts(element, 'button.open')).toEqual(['ada@example.com', 'grace@example.com']);
        expect(texts(element, '.status')).toEqual(['Active', 'Paused']);
        expect(texts(element, '.items')).toEqual(['42', '0']);
        expect(texts(element, '.issues')).toEqual(['2', '0']);
        expect(element.shadowRoot.querySelector('tr.slds-is-selected button').textContent).toBe('ada@example.com');
        await expect(element).toBeAccessible();
    });

    it('says how to add a mailbox when there is none', async () => {
        const element = mount({ mailboxes: [] });
        expect(element.shadowRoot.querySelector('.empty').textContent).toContain('Setup tab');
        expect(element.shadowRoot.querySelector('table')).toBeNull();
        await expect(element).toBeAccessible();
    });

    it('emits select with the chosen mailbox', () => {
        const element = mount({ mailboxes: MAILBOXES });
        const handler = jest.fn();
        element.addEventListener('select', handler);
        element.shadowRoot.querySelectorAll('button.open')[1].click();
        expect(handler.mock.calls[0][0].detail).toEqual({ mailboxSyncId: 'a01000000000002AAA' });
    });
});
