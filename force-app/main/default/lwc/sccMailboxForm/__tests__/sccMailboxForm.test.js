import { createElement } from 'lwc';
import { registerSa11yMatcher } from '@sa11y/jest';
import SccMailboxForm from 'c/sccMailboxForm';

registerSa11yMatcher();

describe('c-scc-mailbox-form', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
    });

    function mount(value) {
        const element = createElement('c-scc-mailbox-form', { is: SccMailboxForm });
        element.value = value;
        document.body.appendChild(element);
        return element;
    }

    const field = (element, name) => element.shadowRoot.querySelector(`[data-field="${name}"]`);

    it('shows defaults for an empty configuration', async () => {
        const element = mount(undefined);
        expect(field(element, 'syncContacts').checked).toBe(true);
        expect(field(element, 'syncEmails').checked).toBe(false);
        expect(field(element, 'categoryName').value).toBe('Salesforce');
        expect(field(element, 'plan').value).toBe('Professional');
        expect(field(element, 'emailNoMatch').disabled).toBe(true);
        await expect(element).toBeAccessible();
    });

    it('shows a saved configuration and disables choices of objects turned off', () => {
        const element = mount({ syncContacts: false, contactsDirection: 'Exchange to Salesforce', plan: 'Real-time' });
        expect(field(element, 'contactsDirection').value).toBe('Exchange to Salesforce');
        expect(field(element, 'contactsDirection').disabled).toBe(true);
        expect(field(element, 'contactScope').disabled).toBe(true);
        expect(field(element, 'eventsDirection').disabled).toBe(false);
        expect(field(element, 'plan').value).toBe('Real-time');
    });

    it('emits the whole new configuration on each change', () => {
        const element = mount({ plan: 'Basic' });
        const handler = jest.fn();
        element.addEventListener('configchange', handler);

        const toggle = field(element, 'syncEmails');
        toggle.checked = true;
        toggle.dispatchEvent(new CustomEvent('change'));
        field(element, 'tasksDirection').dispatchEvent(new CustomEvent('change', { detail: { value: 'Salesforce to Exchange' } }));

        expect(handler).toHaveBeenCalledTimes(2);
        expect(handler.mock.calls[0][0].detail.value).toMatchObject({ syncEmails: true, plan: 'Basic', syncContacts: true });
        expect(handler.mock.calls[1][0].detail.value).toMatchObject({ tasksDirection: 'Salesforce to Exchange', plan: 'Basic' });
    });
});
