import { LightningElement, api } from 'lwc';

const COLUMNS = [
    { label: 'Kind', fieldName: 'kind', initialWidth: 100 },
    { label: 'Object', fieldName: 'objectType', initialWidth: 100 },
    { label: 'Message', fieldName: 'message', wrapText: true },
    {
        label: 'When',
        fieldName: 'occurredAt',
        type: 'date',
        initialWidth: 170,
        typeAttributes: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
    },
    {
        label: 'Record',
        fieldName: 'recordUrl',
        type: 'url',
        initialWidth: 120,
        typeAttributes: { label: { fieldName: 'recordLabel' }, target: '_blank' }
    },
    { type: 'action', typeAttributes: { rowActions: [{ label: 'Mark resolved', name: 'resolve' }] } }
];

/**
 * Open Sync_Issue__c records in a datatable: kind, object, message, when and a link to the
 * Salesforce record; the row action emits `resolve` with the issue id.
 */
export default class SccIssueTable extends LightningElement {
    /** Sync_Issue__c records, newest first. */
    @api issues = [];

    columns = COLUMNS;

    get rows() {
        return (this.issues || []).map((issue) => ({
            id: issue.Id,
            kind: issue.Kind__c,
            objectType: issue.Object_Type__c,
            message: issue.Message__c,
            occurredAt: issue.Occurred_At__c,
            recordUrl: issue.Salesforce_Id__c ? `/lightning/r/${issue.Salesforce_Id__c}/view` : null,
            recordLabel: issue.Salesforce_Id__c ? 'Open record' : ''
        }));
    }

    get isEmpty() {
        return this.rows.length === 0;
    }

    handleRowAction(event) {
        if (event.detail.action.name === 'resolve') {
            this.dispatchEvent(new CustomEvent('resolve', { detail: { issueId: event.detail.row.id } }));
        }
    }
}
