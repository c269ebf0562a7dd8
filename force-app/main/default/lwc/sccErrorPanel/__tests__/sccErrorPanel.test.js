import { createElement } from 'lwc';
import { registerSa11yMatcher } from '@sa11y/jest';
import SccErrorPanel from 'c/sccErrorPanel';

registerSa11yMatcher();

describe('c-scc-error-panel', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
    });

    function mount(props) {
        const element = createElement('c-scc-error-panel', { is: SccErrorPanel });
        Object.assign(element, props);
        document.body.appendChild(element);
        return element;
    }

    it('shows the friendly message and each reduced error', async () => {
        const element = mount({
            friendlyMessage: 'Could not reach the worker',
            errors: [{ body: { message: 'Read timed out' } }, new Error('second')]
        });
        const messages = [...element.shadowRoot.querySelectorAll('.message')].map((li) => li.textContent);
        expect(element.shadowRoot.querySelector('.friendly').textContent).toBe('Could not reach the worker');
        expect(messages).toEqual(['Read timed out', 'second']);
        await expect(element).toBeAccessible();
    });

    it('shows only the friendly message when there are no details', () => {
        const element = mount({ errors: undefined });
        expect(element.shadowRoot.querySelector('.friendly').textContent).toBe('Something went wrong.');
        expect(element.shadowRoot.querySelectorAll('.message')).toHaveLength(0);
    });
});
