// SOQL builders and chunking: pure, no connection.
import { describe, expect, it } from 'vitest';
import { chunks, contactsSoql, deletedSoql, eventsSoql, soqlDateTime, soqlString, tasksSoql } from './records.ts';

const owner = '005000000000001AAA';

describe('SOQL builders', () => {
  it('My Contacts filters by owner and orders by SystemModstamp, Id', () => {
    expect(contactsSoql({ fields: ['FirstName', 'LastName'], scope: 'My Contacts', ownerId: owner })).toBe(
      `SELECT Id, SystemModstamp, FirstName, LastName FROM Contact WHERE OwnerId = '${owner}' ORDER BY SystemModstamp, Id`,
    );
  });
  it('All Contacts has no owner filter; a watermark re-reads from its own second (same-second saves are not missed)', () => {
    expect(
      contactsSoql({ fields: ['Email'], scope: 'All Contacts', ownerId: owner, since: '2026-11-27T22:00:01.123+0000' }),
    ).toBe('SELECT Id, SystemModstamp, Email FROM Contact WHERE SystemModstamp >= 2026-11-27T22:00:01Z ORDER BY SystemModstamp, Id');
  });
  it('tasks: owned, and open or due or modified in the last 14 days', () => {
    const soql = tasksSoql({ fields: ['Subject'], ownerId: owner, now: new Date('2026-11-27T12:00:00Z') });
    expect(soql).toContain(`OwnerId = '${owner}'`);
    expect(soql).toContain('(IsClosed = false OR ActivityDate >= 2026-11-13 OR LastModifiedDate >= 2026-11-13T12:00:00Z)');
  });
  it('events overlap the window', () => {
    const soql = eventsSoql({ fields: ['Subject'], ownerId: owner, from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-31T00:00:00Z') });
    expect(soql).toContain('EndDateTime >= 2026-11-01T00:00:00Z AND StartDateTime <= 2026-12-31T00:00:00Z');
  });
  it('deletes read IsDeleted rows since the watermark', () => {
    expect(deletedSoql('Contact', '2026-11-27T22:00:00Z')).toBe(
      'SELECT Id, SystemModstamp, IsDeleted FROM Contact WHERE IsDeleted = true AND SystemModstamp >= 2026-11-27T22:00:00Z ORDER BY SystemModstamp, Id',
    );
  });
  it('rejects injection through ids, field names and watermarks', () => {
    expect(() => contactsSoql({ fields: [], scope: 'My Contacts', ownerId: "x' OR Name != '" })).toThrow(/Not a Salesforce Id/);
    expect(() => contactsSoql({ fields: ['Name FROM User--'], scope: 'All Contacts', ownerId: owner })).toThrow(/Not a field name/);
    expect(() => soqlDateTime('yesterday')).toThrow(/Not a date-time/);
    expect(soqlString("O'Brien \\")).toBe("'O\\'Brien \\\\'");
  });
});

describe('chunks', () => {
  it('splits 401 records into 200, 200, 1', () => {
    expect(chunks(Array.from({ length: 401 }, (_, i) => i)).map((c) => c.length)).toEqual([200, 200, 1]);
    expect(chunks([])).toEqual([]);
  });
});
