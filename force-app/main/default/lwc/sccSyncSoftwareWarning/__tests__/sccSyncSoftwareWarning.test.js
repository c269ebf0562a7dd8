import { createElement } from 'lwc';
import { registerSa11yMatcher } from '@sa11y/jest';
import SccSyncSoftwareWarning from 'c/sccSyncSoftwareWarning';

const FINDINGS = require('./data/findings.json');

registerSa11yMatcher();

describe('c-scc-sync-software-warning', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
    });

    function mount(props) {
        const element = createElement('c-scc-sync-software-warning', { is: SccSyncSoftwareWarning });
        Object.assign(element, props);
        document.body.appendChild(element);
        return element;
    }

    it('groups findings by product with advice, the focused user first', async () => {
        const element = mount({ findings: FINDINGS, focusUserId: '005000000000002AAA' });
        const products = [...element.shadowRoot.querySelectorAll('.product h3')].map((h) => h.textContent);
        expect(products).toEqual(['Einstein Activity Capture', 'Salesforce for Outlook']);
        expect(element.shadowRoot.querySelectorAll('.user')).toHaveLength(3);
        expect(element.shadowRoot.querySelector('.user').textContent).toContain('Grace Hopper (this user)');
        expect(element.shadowRoot.querySelector('.summary').textContent).toContain('Turn it off before activating');
        expect(element.shadowRoot.querySelector('.advice').textContent).toContain('Einstein Activity Capture configuration');
        await expect(element).toBeAccessible();
    });

    it('says so when only other users are at risk', () => {
        const element = mount({ findings: FINDINGS, focusUserId: '005000000000009AAA' });
        expect(element.shadowRoot.querySelector('.summary').textContent).toContain('for other users');
    });

    it('reports a clean org', async () => {
        const element = mount({ findings: [] });
        expect(element.shadowRoot.querySelector('.none')).not.toBeNull();
        expect(element.shadowRoot.querySelector('.product')).toBeNull();
        await expect(element).toBeAccessible();
    });
});
