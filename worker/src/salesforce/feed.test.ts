// CometD message parsing and echo detection: pure.
import { describe, expect, it } from 'vitest';
import { channelFor, isOurs, parseMessage } from './feed.ts';

const header = (over: Record<string, unknown>) => ({
  entityName: 'Contact',
  recordIds: ['003000000000001AAA'],
  changeType: 'UPDATE',
  changeOrigin: 'com/salesforce/api/rest/60.0;client=SmartCloudConnect',
  transactionKey: 't1',
  sequenceNumber: 1,
  commitTimestamp: 1_764_280_800_000,
  commitUser: '005000000000001AAA',
  changedFields: ['LastName', 'LastModifiedDate'],
  ...over,
});

describe('parseMessage', () => {
  it('CDC update written by us is flagged ours', () => {
    const c = parseMessage('Contact', '/data/ContactChangeEvent', {
      event: { replayId: 42 },
      payload: { ChangeEventHeader: header({}), LastName: 'Ng' },
    });
    expect(c).toMatchObject({ changeType: 'UPDATE', ours: true, replayId: 42, recordIds: ['003000000000001AAA'] });
    expect(c?.ownerIds).toBeUndefined();
  });
  it('CDC create by someone else carries the owner and is not ours', () => {
    const c = parseMessage('Contact', '/data/ContactChangeEvent', {
      event: { replayId: 7 },
      payload: { ChangeEventHeader: header({ changeType: 'CREATE', changeOrigin: 'com/salesforce/api/soap/60.0;client=SfdcInternalAPI/' }), OwnerId: '005000000000002AAA' },
    });
    expect(c).toMatchObject({ changeType: 'CREATE', ours: false, ownerIds: ['005000000000002AAA'] });
  });
  it('GAP_OVERFLOW carries no ids', () => {
    const c = parseMessage('Task', '/data/TaskChangeEvent', {
      event: { replayId: 9 },
      payload: { ChangeEventHeader: header({ changeType: 'GAP_OVERFLOW', recordIds: [], changeOrigin: '' }) },
    });
    expect(c).toMatchObject({ changeType: 'GAP_OVERFLOW', recordIds: [], ours: false });
  });
  it('a wildcard record id means resync the entity', () => {
    const c = parseMessage('Contact', '/data/ContactChangeEvent', {
      event: { replayId: 11 },
      payload: { ChangeEventHeader: header({ recordIds: ['003*'] }) },
    });
    expect(c).toMatchObject({ changeType: 'GAP_OVERFLOW', recordIds: [] });
  });
  it('PushTopic payload maps its event type', () => {
    const c = parseMessage('Contact', '/topic/SCC_Contacts', {
      event: { type: 'deleted', createdDate: '2026-11-27T22:00:00.000Z', replayId: 3 },
      sobject: { Id: '003000000000001AAA', OwnerId: '005000000000001AAA' },
    });
    expect(c).toMatchObject({ changeType: 'DELETE', recordIds: ['003000000000001AAA'], ownerIds: ['005000000000001AAA'], ours: false });
  });
  it('ignores what it does not understand', () => {
    expect(parseMessage('Contact', 'x', null)).toBeNull();
    expect(parseMessage('Contact', 'x', { event: {} })).toBeNull();
    expect(parseMessage('Contact', 'x', { event: { replayId: 1 }, payload: { ChangeEventHeader: header({ changeType: 'NOPE' }) } })).toBeNull();
  });
});

describe('echo and channels', () => {
  it('matches the client call option exactly', () => {
    expect(isOurs('com/salesforce/api/rest/60.0;client=SmartCloudConnect')).toBe(true);
    expect(isOurs('client=SmartCloudConnectX')).toBe(false);
    expect(isOurs('')).toBe(false);
  });
  it('names CDC and PushTopic channels', () => {
    expect(channelFor('Event', 'cdc')).toBe('/data/EventChangeEvent');
    expect(channelFor('Task', 'pushtopic')).toBe('/topic/SCC_Tasks');
  });
});
