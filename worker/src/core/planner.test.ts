// Planner scenarios: one per branch and per conflict-matrix cell × contact, event, task ×
// both orders of arrival (the plan must not depend on the order changes are seen in).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashFields as hash } from './hash.ts';
import { plan } from './planner.ts';
import { defaultSettings, type Action, type Change, type Fields, type Kind, type Link, type PlanInput, type SideRecord } from './types.ts';

const MAILBOX = 'ann@example.com';
const BASE: Record<'contact' | 'event' | 'task', Fields> = {
  contact: { firstName: 'Ann', lastName: 'Lee', email: 'ann@x.com', phone: '1', accountName: 'Acme' },
  event: { subject: 'Lunch', start: '2026-01-01T10:00:00Z', end: '2026-01-01T11:00:00Z', location: 'Here' },
  task: { subject: 'Call', dueDate: '2026-01-01', status: 'Not Started', priority: 'Normal' },
};
const OTHER_FIELD = { contact: 'phone', event: 'location', task: 'priority' } as const;
const KEY_FIELD = { contact: 'email', event: 'subject', task: 'subject' } as const;
const kinds = ['contact', 'event', 'task'] as const;

function link(kind: Kind, fields: Fields): Link {
  return { kind, mailbox: MAILBOX, salesforce: { id: 'sf1', version: 'sv1', hash: hash(fields) }, exchange: { id: 'ex1', version: 'ev1', hash: hash(fields) }, base: fields };
}
const sfRec = (fields: Fields, id = 'sf1', version = 'sv2', stamp?: string): SideRecord => ({ id, version, fields, ...(stamp ? { stamp } : {}) });
const exRec = (fields: Fields, id = 'ex1', version = 'ev2', stamp?: string): SideRecord => ({ id, version, fields, ...(stamp ? { stamp } : {}) });
const up = (side: 'salesforce' | 'exchange', kind: Kind, record: SideRecord): Change => ({ side, kind, type: 'upsert', record });
const del = (side: 'salesforce' | 'exchange', kind: Kind, id: string): Change => ({ side, kind, type: 'delete', id });
const out = (side: 'salesforce' | 'exchange', kind: Kind, id: string): Change => ({ side, kind, type: 'out-of-scope', id });

function input(links: Link[], changes: Change[], extra: Partial<PlanInput> = {}): PlanInput {
  return { mailbox: MAILBOX, links, changes, settings: defaultSettings(), hash, ...extra };
}
/** Plans in both orders of arrival, checks they agree, returns the plan. */
function both(i: PlanInput): Action[] {
  const forward = plan(i);
  expect(plan({ ...i, changes: [...i.changes].reverse() })).toEqual(forward);
  return forward;
}
const types = (actions: Action[]): string[] => actions.map((a) => (a.type === 'skip' || a.type === 'valve' ? `${a.type}:${a.situation}` : a.type === 'create' || a.type === 'update' || a.type === 'delete' ? `${a.type}:${a.side}` : a.type));

describe.each(kinds)('conflict matrix: %s', (kind) => {
  const base = BASE[kind];
  const f = OTHER_FIELD[kind];

  it('edited in both, different fields → merged, both sides patched, no conflict', () => {
    const sf = { ...base, [f]: 'S' };
    const ex = { ...base, [KEY_FIELD[kind]]: 'E' };
    const actions = both(input([link(kind, base)], [up('salesforce', kind, sfRec(sf)), up('exchange', kind, exRec(ex))]));
    expect(types(actions)).toEqual(['update:salesforce', 'update:exchange', 'link']);
    const l = actions.at(-1) as Extract<Action, { type: 'link' }>;
    expect(l.target.base).toEqual({ ...base, [f]: 'S', [KEY_FIELD[kind]]: 'E' });
  });

  it('edited in both, same field → Salesforce wins by default, loser recorded', () => {
    const actions = both(input([link(kind, base)], [up('salesforce', kind, sfRec({ ...base, [f]: 'S' })), up('exchange', kind, exRec({ ...base, [f]: 'E' }))]));
    expect(types(actions)).toEqual(['conflict', 'update:exchange', 'link']);
    const c = actions[0] as Extract<Action, { type: 'conflict' }>;
    expect(c.fields).toEqual([{ field: f, base: base[f], salesforce: 'S', exchange: 'E', winner: 'salesforce' }]);
    expect((actions[1] as Extract<Action, { type: 'update' }>).patch).toEqual({ [f]: 'S' });
  });

  it('edited in both, same field, Exchange configured to win → Exchange value kept', () => {
    const settings = defaultSettings({ [kind]: { winner: 'exchange' } });
    const actions = both(input([link(kind, base)], [up('salesforce', kind, sfRec({ ...base, [f]: 'S' })), up('exchange', kind, exRec({ ...base, [f]: 'E' }))], { settings }));
    expect(types(actions)).toEqual(['conflict', 'update:salesforce', 'link']);
    expect((actions[1] as Extract<Action, { type: 'update' }>).patch).toEqual({ [f]: 'E' });
  });

  it('edited in both to the same value → link refreshed, nothing written', () => {
    const actions = both(input([link(kind, base)], [up('salesforce', kind, sfRec({ ...base, [f]: 'X' })), up('exchange', kind, exRec({ ...base, [f]: 'X' }))]));
    expect(types(actions)).toEqual(['link']);
    expect(actions[0]!.situation).toBe('changed-in-both-same-value');
  });

  it('deleted in Salesforce, edited in Exchange → edit wins, recreated in Salesforce, recorded', () => {
    const actions = both(input([link(kind, base)], [del('salesforce', kind, 'sf1'), up('exchange', kind, exRec({ ...base, [f]: 'E' }))]));
    expect(types(actions)).toEqual(['conflict', 'create:salesforce', 'link']);
    expect((actions[0] as Extract<Action, { type: 'conflict' }>).deletedOn).toBe('salesforce');
  });

  it('deleted in Exchange, edited in Salesforce → edit wins, recreated in Exchange with the Salesforce Id as key', () => {
    const actions = both(input([link(kind, base)], [up('salesforce', kind, sfRec({ ...base, [f]: 'S' })), del('exchange', kind, 'ex1')]));
    expect(types(actions)).toEqual(['conflict', 'create:exchange', 'link']);
    expect((actions[1] as Extract<Action, { type: 'create' }>).key).toBe('sf1');
  });

  it('deleted in both → unlinked', () => {
    expect(types(both(input([link(kind, base)], [del('salesforce', kind, 'sf1'), del('exchange', kind, 'ex1')])))).toEqual(['unlink']);
  });

  it('created in both with the same natural key → linked, not duplicated', () => {
    const actions = both(input([], [up('salesforce', kind, sfRec(base, 'sf9', 'sv1')), up('exchange', kind, exRec({ ...base, [f]: 'E' }, 'ex9', 'ev1'))]));
    expect(actions.filter((a) => a.type === 'create')).toEqual([]);
    expect(actions.at(-1)).toMatchObject({ type: 'link', situation: 'matched-by-natural-key', item: { salesforceId: 'sf9', exchangeId: 'ex9' } });
    expect(actions.some((a) => a.type === 'conflict')).toBe(true);
  });

  it('moved out of scope in Salesforce, edited in Exchange → unlinked, nothing deleted', () => {
    expect(types(both(input([link(kind, base)], [out('salesforce', kind, 'sf1'), up('exchange', kind, exRec({ ...base, [f]: 'E' }))])))).toEqual(['unlink']);
  });

  it('moved out of scope in Exchange, edited in Salesforce → unlinked, nothing deleted', () => {
    expect(types(both(input([link(kind, base)], [up('salesforce', kind, sfRec({ ...base, [f]: 'S' })), out('exchange', kind, 'ex1')])))).toEqual(['unlink']);
  });
});

describe('planner branches', () => {
  const base = BASE.contact;
  it('new in Salesforce → created in Exchange keyed by the Salesforce Id', () => {
    const actions = both(input([], [up('salesforce', 'contact', sfRec(base, 'sf5', 'v'))]));
    expect(actions[0]).toMatchObject({ type: 'create', side: 'exchange', key: 'sf5', situation: 'new-in-salesforce' });
    expect(actions[1]).toMatchObject({ type: 'link', target: { salesforce: { id: 'sf5' } } });
  });
  it('new in Exchange → created in Salesforce keyed by the Exchange key', () => {
    const actions = both(input([], [up('exchange', 'contact', exRec(base, 'ex5', 'v'))]));
    expect(actions[0]).toMatchObject({ type: 'create', side: 'salesforce', key: `contact:${MAILBOX}:ex5` });
  });
  it('new in Exchange, an unlinked Salesforce record has the same email → linked', () => {
    const actions = both(input([], [up('exchange', 'contact', exRec(base, 'ex5', 'v'))], { candidates: { salesforce: [sfRec({ ...base, phone: '9' }, 'sf5', 'v')], exchange: [] } }));
    expect(types(actions)).toEqual(['conflict', 'update:exchange', 'link']);
  });
  it('contact without email matched by first + last + company', () => {
    const noMail = { firstName: 'Ann', lastName: 'Lee', accountName: 'Acme' };
    const actions = both(input([], [up('exchange', 'contact', exRec(noMail, 'ex5', 'v'))], { candidates: { salesforce: [sfRec({ ...noMail, email: 'a@b.c' }, 'sf5', 'v')], exchange: [] } }));
    expect(actions.at(-1)).toMatchObject({ type: 'link', situation: 'matched-by-natural-key' });
  });
  it('two contacts with the same name but different emails are not matched', () => {
    const actions = both(input([], [up('exchange', 'contact', exRec({ ...base, email: 'x@y.z' }, 'ex5', 'v'))], { candidates: { salesforce: [sfRec(base, 'sf5', 'v')], exchange: [] } }));
    expect(actions[0]).toMatchObject({ type: 'create', side: 'salesforce' });
  });
  it('event matched by iCalUId before subject + times', () => {
    const ev = { ...BASE.event, iCalUId: 'UID1' };
    const actions = both(input([], [up('exchange', 'event', exRec({ ...ev, subject: 'Renamed' }, 'ex5', 'v'))], { candidates: { salesforce: [sfRec(ev, 'sf5', 'v')], exchange: [] } }));
    expect(actions.at(-1)).toMatchObject({ type: 'link', situation: 'matched-by-natural-key' });
  });
  it('changed in Salesforce only → Exchange patched, guarded by its version', () => {
    const actions = both(input([link('contact', base)], [up('salesforce', 'contact', sfRec({ ...base, phone: '2' }))]));
    expect(actions[0]).toEqual({ type: 'update', item: { kind: 'contact', salesforceId: 'sf1', exchangeId: 'ex1' }, situation: 'changed-in-salesforce', side: 'exchange', id: 'ex1', expectedVersion: 'ev1', patch: { phone: '2' } });
  });
  it('changed in Exchange only → Salesforce patched', () => {
    expect(both(input([link('contact', base)], [up('exchange', 'contact', exRec({ ...base, phone: '2' }))]))[0]).toMatchObject({ type: 'update', side: 'salesforce', situation: 'changed-in-exchange' });
  });
  it('echo of our own write (hash equals the link) → skipped, new version remembered', () => {
    expect(types(both(input([link('contact', base)], [up('exchange', 'contact', exRec(base, 'ex1', 'ev9'))])))).toEqual(['skip:echo', 'link']);
    expect(types(both(input([link('contact', base)], [up('exchange', 'contact', exRec(base, 'ex1', 'ev1'))])))).toEqual(['skip:echo']);
  });
  it('deleted in Salesforce, unchanged in Exchange → Exchange item deleted', () => {
    expect(types(both(input([link('contact', base)], [del('salesforce', 'contact', 'sf1')])))).toEqual(['delete:exchange', 'unlink']);
  });
  it('deleted in Exchange, deletes to Salesforce off → unlinked only', () => {
    const settings = defaultSettings({ contact: { deleteToSalesforce: false } });
    expect(both(input([link('contact', base)], [del('exchange', 'contact', 'ex1')], { settings }))).toMatchObject([{ type: 'unlink', situation: 'delete-not-propagated' }]);
  });
  it('direction Salesforce to Exchange: an Exchange edit is not propagated', () => {
    const settings = defaultSettings({ contact: { direction: 'Salesforce to Exchange' } });
    expect(types(both(input([link('contact', base)], [up('exchange', 'contact', exRec({ ...base, phone: '2' }))], { settings })))).toEqual(['skip:direction', 'link']);
  });
  it('direction Salesforce to Exchange: a new Exchange item is not created in Salesforce', () => {
    const settings = defaultSettings({ contact: { direction: 'Salesforce to Exchange' } });
    expect(types(both(input([], [up('exchange', 'contact', exRec(base, 'ex5', 'v'))], { settings })))).toEqual(['skip:direction']);
  });
  it('direction Exchange to Salesforce: same field edited on both → Exchange overwrites, recorded', () => {
    const settings = defaultSettings({ contact: { direction: 'Exchange to Salesforce' } });
    const actions = both(input([link('contact', base)], [up('salesforce', 'contact', sfRec({ ...base, phone: 'S' })), up('exchange', 'contact', exRec({ ...base, phone: 'E' }))], { settings }));
    expect(types(actions)).toEqual(['conflict', 'update:salesforce', 'link']);
  });
  it('kind switched off → skipped', () => {
    const settings = defaultSettings({ task: { enabled: false } });
    expect(types(both(input([], [up('salesforce', 'task', sfRec(BASE.task, 'sf5', 'v'))], { settings })))).toEqual(['skip:kind-disabled']);
  });
  it('unlinked Exchange item stamped with a Salesforce Id we no longer link → never duplicated', () => {
    expect(types(both(input([], [up('exchange', 'contact', exRec(base, 'ex5', 'v', 'sf-gone'))])))).toEqual(['skip:stamped-but-unlinked']);
  });
  it('unlinked Exchange item stamped with a Salesforce record offered as candidate → relinked', () => {
    const actions = both(input([], [up('exchange', 'contact', exRec(base, 'ex5', 'v', 'sf5'))], { candidates: { salesforce: [sfRec(base, 'sf5', 'v')], exchange: [] } }));
    expect(actions).toMatchObject([{ type: 'link', situation: 'matched-by-stamp' }]);
  });
  // every create is preceded by its note (the crash window is planNoted's): with no note, a
  // stamped delete seen next to a live record may be our own delete of last run, and the
  // record the user's undelete or restore: never deleted again
  it('an unlinked record whose stamped counterpart was deleted, with no create note → created again, nothing deleted', () => {
    const actions = both(input([], [up('salesforce', 'contact', sfRec(base, 'sf5', 'v')), { side: 'exchange', kind: 'contact', type: 'delete', id: 'ex5', stamp: 'sf5' }]));
    expect(types(actions)).toEqual(['skip:unknown-delete', 'create:exchange', 'link']);
  });
  it('an Outlook item restored after the delete of its Salesforce record was propagated → kept, reported, not deleted again', () => {
    const actions = both(input([], [up('exchange', 'contact', exRec(base, 'ex5', 'v', 'sf5')), del('salesforce', 'contact', 'sf5')]));
    expect(types(actions)).toEqual(['skip:unknown-delete', 'skip:stamped-but-unlinked']);
  });
  it('a restored record whose identity a linked record carries as stamp → reported, never created under that key', () => {
    // sf5 was deleted, ex1 edited: sf9 replaced sf5 and is linked to ex1, which still carries sf5
    const links = [{ ...link('contact', base), salesforce: { id: 'sf9', version: 'v', hash: hash(base) } }];
    const candidates = { salesforce: [], exchange: [exRec(base, 'ex1', 'ev1', 'sf5')] };
    const actions = both(input(links, [up('salesforce', 'contact', sfRec({ ...base, phone: '0' }, 'sf5', 'v'))], { candidates }));
    expect(types(actions)).toEqual(['skip:restored-but-replaced']);
  });
});

describe('write-ahead notes', () => {
  const base = BASE.contact;
  const after = { ...base, phone: '2' };
  // the Salesforce edit was being copied to Exchange: the write landed, the crash hit the link commit
  const noted: Link = {
    ...link('contact', base),
    pending: { base: after, salesforce: { id: 'sf1', version: 'sv2', hash: hash(after) }, exchange: { id: 'ex1', version: '', hash: hash(after) }, written: ['exchange'] },
  };
  it('a landed note seen only as our echo is committed as the link', () => {
    const actions = both(input([noted], [up('salesforce', 'contact', sfRec(after, 'sf1', 'sv2')), up('exchange', 'contact', exRec(after, 'ex1', 'ev2'))]));
    expect(actions.at(-1)).toEqual({
      type: 'link',
      item: { kind: 'contact', salesforceId: 'sf1', exchangeId: 'ex1' },
      situation: 'echo',
      target: { salesforce: { id: 'sf1', version: 'sv2', hash: hash(after) }, exchange: { id: 'ex1', version: 'ev2', hash: hash(after) }, base: after },
    });
  });
  it('a further edit after a landed note: the next note falls back to the settled link', () => {
    const later = { ...after, email: 'bob@x.com' };
    const actions = both(input([noted], [up('salesforce', 'contact', sfRec(later, 'sf1', 'sv3')), up('exchange', 'contact', exRec(after, 'ex1', 'ev2'))]));
    expect(types(actions)).toEqual(['update:exchange', 'link']);
    const commit = actions[1] as Extract<Action, { type: 'link' }>;
    expect(commit.target.from).toEqual({ salesforce: noted.pending!.salesforce, exchange: { id: 'ex1', version: 'ev2', hash: hash(after) }, base: after });
  });
});

describe('safety valve', () => {
  const base = BASE.contact;
  const links = Array.from({ length: 30 }, (_, i) => ({ ...link('contact', base), salesforce: { id: `sf${i}`, version: 'v', hash: hash(base) }, exchange: { id: `ex${i}`, version: 'v', hash: hash(base) } }));
  it('more than 20 % of the links deleted in one run → nothing deleted, reported', () => {
    const changes = links.slice(0, 7).map((l) => del('exchange', 'contact', l.exchange.id));
    const actions = both(input(links, changes));
    expect(actions[0]).toMatchObject({ type: 'valve', reason: 'mass-delete', deletes: 7, links: 30 });
    expect(actions.filter((a) => a.type === 'delete')).toEqual([]);
  });
  it('up to the share → deletes go ahead', () => {
    const changes = links.slice(0, 6).map((l) => del('exchange', 'contact', l.exchange.id));
    expect(both(input(links, changes)).filter((a) => a.type === 'delete')).toHaveLength(6);
  });
  it('after an empty or forbidden listing → nothing deleted, reported', () => {
    for (const status of ['empty', 'forbidden'] as const) {
      const actions = both(input(links, [del('exchange', 'contact', 'ex1')], { listing: { exchange: status } }));
      expect(actions[0]).toMatchObject({ type: 'valve', reason: `${status}-listing` });
      expect(actions.filter((a) => a.type === 'delete')).toEqual([]);
    }
  });
});

describe('order independence', () => {
  it('any shuffle and duplication of the changes gives the same plan', () => {
    const base = BASE.contact;
    const links = [0, 1, 2, 3].map((i) => ({ ...link('contact', base), salesforce: { id: `sf${i}`, version: 'v', hash: hash(base) }, exchange: { id: `ex${i}`, version: 'v', hash: hash(base) } }));
    const changeArb = fc.oneof(
      fc.tuple(fc.nat(5), fc.constantFrom('1', '2', null)).map(([i, phone]) => up('salesforce', 'contact', sfRec({ ...base, email: `e${i % 3}@x`, phone }, `sf${i}`, 'v2'))),
      fc.tuple(fc.nat(5), fc.constantFrom('1', '3', null)).map(([i, phone]) => up('exchange', 'contact', exRec({ ...base, email: `e${i % 3}@x`, phone }, `ex${i}`, 'v2'))),
      fc.nat(5).map((i) => del('salesforce', 'contact', `sf${i}`)),
      fc.nat(5).map((i) => del('exchange', 'contact', `ex${i}`)),
    );
    const uniqueById = (cs: Change[]): Change[] => [...new Map(cs.map((c) => [`${c.side}:${c.type === 'upsert' ? c.record.id : c.id}`, c])).values()];
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 12 }).map(uniqueById), fc.nat(), (changes, seed) => {
        const shuffled = [...changes, ...changes].sort((a, b) => ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 31 + seed) % 7));
        expect(plan(input(links, shuffled))).toEqual(plan(input(links, changes)));
      }),
      { numRuns: 300 },
    );
  });
});
