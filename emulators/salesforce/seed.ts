// Deterministic sample data: 'small' for demos and the sandbox, 'large' for load tests.
import type { Org, Transaction } from './org.ts';

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Linus', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Torvalds', 'Perlman', 'Berners-Lee'];
const COMPANIES = ['Acme Corp', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Wonka'];

export type SeedSize = 'none' | 'small' | 'large';

export function seedOrg(org: Org, tx: Transaction, size: SeedSize, ownerIds: string[], now: number): void {
  if (size === 'none') return;
  const n = size === 'small' ? { accounts: 4, contacts: 20, leads: 5, tasks: 10, events: 10 } : { accounts: 200, contacts: 10_000, leads: 2_000, tasks: 5_000, events: 5_000 };
  const owner = (i: number): string => ownerIds[i % ownerIds.length]!;
  const accounts: string[] = [];
  for (let i = 0; i < n.accounts; i++) {
    const name = `${COMPANIES[i % COMPANIES.length]}${i >= COMPANIES.length ? ` ${Math.floor(i / COMPANIES.length)}` : ''}`;
    accounts.push(org.create(org.object('Account'), { Name: name, OwnerId: owner(i) }, tx));
  }
  const contacts: string[] = [];
  for (let i = 0; i < n.contacts; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    contacts.push(org.create(org.object('Contact'), {
      FirstName: first, LastName: i < FIRST.length * LAST.length ? last : `${last} ${i}`,
      Email: `${first}.${last}.${i}@example.com`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''),
      Phone: `+1 555 01${String(i % 100).padStart(2, '0')}`, Title: i % 3 === 0 ? 'Engineer' : 'Manager',
      AccountId: accounts[i % accounts.length], OwnerId: owner(i),
    }, tx));
  }
  for (let i = 0; i < n.leads; i++) {
    org.create(org.object('Lead'), { FirstName: FIRST[(i + 3) % FIRST.length], LastName: `Prospect ${i}`, Company: COMPANIES[i % COMPANIES.length], Email: `lead${i}@prospect.example`, OwnerId: owner(i) }, tx);
  }
  const day = 86_400_000;
  const start = Math.floor(now / day) * day;
  for (let i = 0; i < n.tasks; i++) {
    org.create(org.object('Task'), {
      Subject: `Follow up ${i}`, ActivityDate: new Date(start + (i % 14) * day).toISOString().slice(0, 10),
      WhoId: contacts[i % contacts.length], OwnerId: owner(i), Priority: i % 5 === 0 ? 'High' : 'Normal',
    }, tx);
  }
  for (let i = 0; i < n.events; i++) {
    const s = start + (i % 14) * day + (9 + (i % 8)) * 3_600_000;
    org.create(org.object('Event'), {
      Subject: `Meeting ${i}`, StartDateTime: new Date(s).toISOString(), EndDateTime: new Date(s + 3_600_000).toISOString(),
      Location: i % 2 ? 'Room 1' : 'Online', WhoId: contacts[i % contacts.length], OwnerId: owner(i),
    }, tx);
  }
}
