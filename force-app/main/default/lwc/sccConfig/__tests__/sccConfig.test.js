import { DEFAULT_CONFIG, DIRECTIONS, toConfig } from 'c/sccConfig';

describe('c-scc-config', () => {
    it('maps a Mailbox_Sync__c record to the saveMailbox keys', () => {
        const config = toConfig({
            Id: 'a01000000000001AAA',
            User__c: '005000000000001AAA',
            Mailbox_Address__c: 'ada@example.com',
            Sync_Emails__c: true,
            Plan__c: 'Real-time',
            Category_Name__c: 'CRM'
        });
        expect(config).toMatchObject({
            id: 'a01000000000001AAA',
            userId: '005000000000001AAA',
            mailboxAddress: 'ada@example.com',
            syncEmails: true,
            plan: 'Real-time',
            categoryName: 'CRM'
        });
    });

    it('keeps defaults and options frozen', () => {
        expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
        expect(DIRECTIONS.map((o) => o.value)).toEqual(['Both', 'Salesforce to Exchange', 'Exchange to Salesforce']);
    });
});
