// seedDemo(stack, size) → the demo's starting data, written the way people would have made it:
// Salesforce contacts and tasks spread over the mailbox owners (emulator admin writes as each
// user), and in each provisioned mailbox a few Outlook items a user made by hand: contacts given
// the Salesforce category in the default Contacts folder, one contact moved into the Salesforce
// Contacts folder, To Do tasks in the Salesforce Tasks list, and one personal contact that must
// stay out of Salesforce; calendars: two Salesforce events per user, one Outlook event given the
// category and one personal event (no category, never copied). Returns per mailbox how many links the initial sync has to reach.
// Deterministic: names come from fixed lists, no randomness.
import { storedSettings } from '../../worker/src/runtime/mailbox-config.ts';
import type { LocalStack } from './stack.ts';

export interface DemoSize {
  /** Salesforce contacts, spread round-robin over the mailbox owners. */
  contacts: number;
  /** Salesforce tasks, spread the same way. */
  tasks: number;
}

export interface DemoMailbox {
  address: string;
  salesforceUserId: string;
  mailboxSyncId: string;
  contactFolderId: string;
  todoListId: string;
  /** Links each kind must have after the initial sync (Salesforce-born + Outlook-born). */
  expected: Record<'contact' | 'task' | 'event', number>;
  /** What the user made in Outlook, by Graph immutable id. */
  outlook: { taggedContacts: string[]; movedContact: string; todoTasks: string[]; personalContact: string; taggedEvent: string; personalEvent: string };
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Dennis', 'Radia', 'Tim', 'Hedy', 'John', 'Karen', 'Niklaus', 'Sophie', 'Vint', 'Annie', 'Leslie'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Ritchie', 'Perlman', 'Berners', 'Lamarr', 'McCarthy', 'Jones', 'Wirth', 'Wilson', 'Cerf', 'Easley', 'Lamport'];
const TITLES = ['Buyer', 'CFO', 'Head of IT', 'Office Manager', 'Procurement Lead', 'VP Operations', null];
const CITIES = ['Lyon', 'Leeds', 'Austin', 'Porto', 'Osaka', 'Cork', 'Graz'];
const TASKS = ['Call back', 'Send proposal to', 'Prepare renewal for', 'Follow up with', 'Book a demo with'];

function contactFields(n: number): Record<string, string | null> {
  const first = FIRST[n % FIRST.length]!;
  const last = `${LAST[Math.floor(n / FIRST.length) % LAST.length]!}-${n}`;
  return {
    FirstName: first,
    LastName: last,
    Email: `${first}.${last}@customer.example`.toLowerCase(),
    Title: TITLES[n % TITLES.length]!,
    Phone: `+1 555 01${String(n).padStart(2, '0')}`,
    MailingCity: CITIES[n % CITIES.length]!,
  };
}

/** The Salesforce Contacts folder and Salesforce Tasks list ids the worker provisioned. */
async function containersOf(stack: LocalStack, mailboxSyncId: string): Promise<{ contactFolderId: string; todoListId: string }> {
  const row = await stack.store.getMailbox(mailboxSyncId);
  const provisioned = row ? storedSettings(row)?.provisioned : undefined;
  if (!provisioned) throw new Error(`mailbox ${mailboxSyncId} was not provisioned; the demo cannot seed its Outlook side`);
  return { contactFolderId: provisioned.contactFolderId, todoListId: provisioned.todoListId };
}

export async function seedDemo(stack: LocalStack, size: DemoSize, today: string): Promise<DemoMailbox[]> {
  if (stack.mailboxes.length === 0) throw new Error('the stack has no mailboxes to seed');
  const sf = stack.salesforce.admin;
  const graph = stack.graph.admin;
  const owners = stack.mailboxes;
  const sfContacts = owners.map(() => 0);
  const sfTasks = owners.map(() => 0);

  for (let n = 0; n < size.contacts; n++) {
    const i = n % owners.length;
    const owner = owners[i]!.salesforceUserId;
    sf.insert('Contact', { ...contactFields(n), OwnerId: owner }, { asUserId: owner });
    sfContacts[i]!++;
  }
  for (let n = 0; n < size.tasks; n++) {
    const i = n % owners.length;
    const owner = owners[i]!.salesforceUserId;
    const c = contactFields(n);
    const due = new Date(`${today}T00:00:00Z`);
    due.setUTCDate(due.getUTCDate() + (n % 14));
    sf.insert(
      'Task',
      {
        Subject: `${TASKS[n % TASKS.length]!} ${c.FirstName} ${c.LastName}`,
        ActivityDate: due.toISOString().slice(0, 10),
        Status: n % 5 === 0 ? 'In Progress' : 'Not Started',
        Priority: n % 7 === 0 ? 'High' : 'Normal',
        OwnerId: owner,
      },
      { asUserId: owner },
    );
    sfTasks[i]!++;
  }

  // Salesforce events: tomorrow 09:00Z and the day after 14:00Z, one hour each
  const dayAt = (days: number, hour: number): string => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000 + hour * 3_600_000).toISOString();
  const EVENTS = [
    { subject: 'Pipeline review', days: 1, hour: 9 },
    { subject: 'Customer call', days: 2, hour: 14 },
  ];
  for (const mb of owners) {
    for (const e of EVENTS) {
      const start = dayAt(e.days, e.hour);
      sf.insert('Event', { Subject: `${e.subject} (${mb.address.split('@')[0]!})`, StartDateTime: start, EndDateTime: dayAt(e.days, e.hour + 1), ActivityDateTime: start, DurationInMinutes: 60, OwnerId: mb.salesforceUserId }, { asUserId: mb.salesforceUserId });
    }
  }

  const out: DemoMailbox[] = [];
  for (const [i, mb] of owners.entries()) {
    const { contactFolderId, todoListId } = await containersOf(stack, mb.mailboxSyncId);
    const who = mb.address.split('@')[0]!;
    // Outlook contacts the user tagged with the Salesforce category where they already were.
    const taggedContacts = [0, 1].map((k) =>
      graph.userCreateContact(mb.address, null, {
        givenName: ['Marie', 'Katherine'][k],
        surname: `${['Curie', 'Johnson'][k]}-${who}`,
        displayName: `${['Marie', 'Katherine'][k]} ${['Curie', 'Johnson'][k]}-${who}`,
        emailAddresses: [{ address: `${['marie', 'katherine'][k]}.${who}@prospect.example`, name: ['Marie', 'Katherine'][k] }],
        jobTitle: 'Prospect',
        categories: ['Salesforce'],
      }),
    );
    // A contact made in the default folder, then dragged into Salesforce Contacts.
    const moved = graph.userCreateContact(mb.address, null, {
      givenName: 'Rosalind',
      surname: `Franklin-${who}`,
      displayName: `Rosalind Franklin-${who}`,
      emailAddresses: [{ address: `rosalind.${who}@prospect.example`, name: 'Rosalind Franklin' }],
    });
    graph.userMoveContact(mb.address, moved, contactFolderId);
    // A personal contact: no category, not in the folder; it must never reach Salesforce.
    const personalContact = graph.userCreateContact(mb.address, null, {
      givenName: 'Mum',
      surname: `Personal-${who}`,
      displayName: `Mum Personal-${who}`,
      emailAddresses: [{ address: `mum.${who}@family.example`, name: 'Mum' }],
    });
    const todoTasks = ['Check contract terms', 'Draft quarterly review'].map((title) =>
      graph.userCreateTask(mb.address, todoListId, { title: `${title} (${who})`, importance: 'normal', status: 'notStarted' }),
    );
    const outlookEvent = (subject: string, days: number, hour: number, categories: string[]): string =>
      graph.userCreateEvent(mb.address, null, {
        subject: `${subject} (${who})`,
        start: { dateTime: dayAt(days, hour).slice(0, 19), timeZone: 'UTC' },
        end: { dateTime: dayAt(days, hour + 1).slice(0, 19), timeZone: 'UTC' },
        categories,
      });
    const taggedEvent = outlookEvent('Site visit', 3, 10, ['Salesforce']);
    const personalEvent = outlookEvent('Dentist', 3, 16, []);
    out.push({
      address: mb.address,
      salesforceUserId: mb.salesforceUserId,
      mailboxSyncId: mb.mailboxSyncId,
      contactFolderId,
      todoListId,
      expected: { contact: sfContacts[i]! + taggedContacts.length + 1, task: sfTasks[i]! + todoTasks.length, event: EVENTS.length + 1 },
      outlook: { taggedContacts, movedContact: moved, todoTasks, personalContact, taggedEvent, personalEvent },
    });
  }
  return out;
}
