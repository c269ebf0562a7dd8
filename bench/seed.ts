// Benchmark data written the way people make it: Salesforce contacts, events and tasks owned by a
// mailbox's user (emulator admin writes, as that user), or Outlook items a user made in the
// provisioned containers (contacts in Salesforce Contacts, To Do tasks in Salesforce Tasks,
// calendar events given the Salesforce category). Deterministic names, no randomness.
import type { LocalStack, StackMailbox } from '../scripts/lib/stack.ts';
import { storedSettings } from '../worker/src/runtime/mailbox-config.ts';

export interface Volume {
  contacts: number;
  events: number;
  tasks: number;
}

const DAY = 86_400_000;

/** A day at 09:00 UTC inside the default event window (today .. +365 days), spread over weekdays. */
function slot(n: number, now: number): { start: string; end: string } {
  const day = Math.floor(now / DAY) * DAY + (1 + (n % 300)) * DAY;
  const start = day + (8 + (n % 9)) * 3_600_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 1_800_000).toISOString() };
}

/** The emulators alone: the bench may run the worker in another process (./drive.ts runWorkerChild). */
export type Emulators = Pick<LocalStack, 'salesforce' | 'graph'>;
type Owner = Pick<StackMailbox, 'address' | 'salesforceUserId'>;

export function seedSalesforce(stack: Emulators, m: Owner, volume: Volume, tag: string, now = Date.now()): void {
  const sf = stack.salesforce.admin;
  const owner = m.salesforceUserId;
  for (let n = 0; n < volume.contacts; n++) {
    sf.insert(
      'Contact',
      { FirstName: `Bench${n}`, LastName: `${tag}-${n}`, Email: `b${n}.${tag}@bench.example`, Title: 'Buyer', Phone: `+1 555 ${String(n % 10_000).padStart(4, '0')}`, OwnerId: owner },
      { asUserId: owner },
    );
  }
  for (let n = 0; n < volume.events; n++) {
    const { start, end } = slot(n, now);
    sf.insert('Event', { Subject: `Bench meeting ${tag} ${n}`, StartDateTime: start, EndDateTime: end, ActivityDateTime: start, DurationInMinutes: 30, OwnerId: owner }, { asUserId: owner });
  }
  for (let n = 0; n < volume.tasks; n++) {
    const due = new Date(now + (n % 60) * DAY).toISOString().slice(0, 10);
    sf.insert('Task', { Subject: `Bench task ${tag} ${n}`, ActivityDate: due, Status: 'Not Started', Priority: 'Normal', OwnerId: owner }, { asUserId: owner });
  }
}

export async function containersOf(stack: LocalStack, m: StackMailbox): Promise<{ contactFolderId: string; todoListId: string }> {
  const row = await stack.store.getMailbox(m.mailboxSyncId);
  const p = row ? storedSettings(row)?.provisioned : undefined;
  if (!p) throw new Error(`mailbox ${m.address} was not provisioned`);
  return p;
}

export async function seedExchange(
  stack: Emulators & Partial<Pick<LocalStack, 'store'>>,
  m: Owner & Partial<StackMailbox>,
  volume: Volume,
  tag: string,
  now = Date.now(),
  containers?: { contactFolderId: string; todoListId: string },
): Promise<void> {
  const g = stack.graph.admin;
  const { contactFolderId, todoListId } = containers ?? (await containersOf(stack as LocalStack, m as StackMailbox));
  for (let n = 0; n < volume.contacts; n++) {
    g.userCreateContact(m.address, contactFolderId, {
      givenName: `Bench${n}`,
      surname: `${tag}-${n}`,
      displayName: `Bench${n} ${tag}-${n}`,
      emailAddresses: [{ address: `x${n}.${tag}@bench.example`, name: `Bench${n}` }],
      jobTitle: 'Buyer',
    });
  }
  for (let n = 0; n < volume.events; n++) {
    const { start, end } = slot(n, now);
    g.userCreateEvent(m.address, null, {
      subject: `Bench meeting ${tag} ${n}`,
      start: { dateTime: start.slice(0, 19), timeZone: 'UTC' },
      end: { dateTime: end.slice(0, 19), timeZone: 'UTC' },
      categories: ['Salesforce'],
    });
  }
  for (let n = 0; n < volume.tasks; n++) {
    const due = new Date(now + (n % 60) * DAY).toISOString().slice(0, 10);
    g.userCreateTask(m.address, todoListId, { title: `Bench task ${tag} ${n}`, importance: 'normal', status: 'notStarted', dueDateTime: { dateTime: `${due}T00:00:00`, timeZone: 'UTC' } });
  }
}

/** Items of each kind in the mailbox (read from emulator state, costs no Graph request). */
export function exchangeCounts(stack: Emulators, m: Owner): Volume {
  const g = stack.graph.admin;
  return { contacts: g.items(m.address, 'contact').length, events: g.items(m.address, 'event').length, tasks: g.items(m.address, 'todoTask').length };
}

/** Salesforce records of each kind owned by the mailbox's user (emulator state, no API call). */
export function salesforceCounts(stack: Emulators, m: Owner): Volume {
  const count = (sobject: string): number => stack.salesforce.admin.query(`SELECT Id FROM ${sobject} WHERE OwnerId = '${m.salesforceUserId}'`).length;
  return { contacts: count('Contact'), events: count('Event'), tasks: count('Task') };
}

export const total = (v: Volume): number => v.contacts + v.events + v.tasks;
