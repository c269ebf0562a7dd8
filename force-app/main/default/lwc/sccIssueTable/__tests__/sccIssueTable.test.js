import { createElement } from 'lwc';
import { registerSa11yMatcher } from '@sa11y/jest';
import SccIssueTable from 'c/sccIssueTable';

const ISSUES = require('./data/issues.json');

registerSa11yMatcher();

describe('c-scc-issue-table', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
    });

    function mount(issues) {
        const element = createElement('c-scc-issue-table', { is: SccIssueTable });
        element.issues = issues;
        document.body.appendChild(element);
        return element;
    }

    it('shows kind, object, message, when and a record link', async () => {
        const element = mount(ISSUES);
        const table = element.shadowRoot.querySelector('lightning-datatable');
        expect(table.columns.map((c) => c.label)).toEqual(['Kind', 'Object', 'Message', 'When', 'Record', undefined]);
        expect(table.data[0]).toMatchObject({
            id: 'a02000000000001AAA',
            kind: 'Conflict',
            objectType: 'Contact',
            occurredAt: '2026-11-27T21:59:00.000Z',
            recordUrl: '/lightning/r/003000000000001AAA/view',
            recordLabel: 'Open record'
        });
        expect(table.data[1].recordUrl).toBeNull();
        await expect(element).toBeAccessible();
    });

    it('says there is nothing open', () => {
        const element = mount([]);
        expect(element.shadowRoot.querySelector('.empty').textContent).toBe('No open issues.');
        expect(element.shadowRoot.querySelector('lightning-datatable')).toBeNull();
    });

    it('emits resolve from the row action', () => {
        const element = mount(ISSUES);
        const handler = jest.fn();
        element.addEventListener('resolve', handler);
        const table = element.shadowRoot.querySelector('lightning-datatable');
        table.dispatchEvent(new CustomEvent('rowaction', { detail: { action: { name: 'resolve' }, row: table.data[1] } }));
        table.dispatchEvent(new CustomEvent('rowaction', { detail: { action: { name: 'other' }, row: table.data[0] } }));
        expect(handler).toHaveBeenCalledTimes(1);
        expect(handler.mock.calls[0][0].detail).toEqual({ issueId: 'a02000000000002AAA' });
    });
});
