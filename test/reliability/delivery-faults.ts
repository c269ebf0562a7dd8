// Family "delivery faults": Graph notifications and CDC events dropped, duplicated,
// delayed and replayed out of order; CDC events and Graph notifications delivered newest
// first (the emulators hold them and release them in reverse); gap and overflow events; a replay id older than the
// retention window (→ reconciliation, no resurrected delete); a delta 410 reset (→ resync,
// no duplicate); `missed` and `subscriptionRemoved` lifecycle events. Pushes are hints: a
// lost one is made up by the next run (hint or poll), a repeated one never doubles a write.
// Live cases run the stack's own scheduler and feeds and wait with a deadline. The emulators'
// drop switches count down, so cases that drop an unknown number of pushes run last.
import { startLocalStack, type LocalStack, type StackMailbox } from '../../scripts/lib/stack.ts';
import { tally, until, type FamilyOptions, type FamilyResult } from './scorecard.ts';
import { duplicates, kindOps, messageOf, restart, runOnce, stampOf, type KindOps } from './world.ts';

let serial = 0;
const unique = (p: string) => `${p}${++serial}`;
const LIVE_MS = 20_000;

async function poll(stack: LocalStack, m: StackMailbox): Promise<string[]> {
  const rt = restart(stack);
  const r = await runOnce(rt, m);
  await rt.stop();
  return r.ok ? [] : [`backstop run failed: ${messageOf(r.error)}`];
}

async function exactlyOnce(what: string, count: () => number, live = true): Promise<string[]> {
  if (live && !(await until(() => count() >= 1, LIVE_MS))) return [`${what} never arrived (live, ${LIVE_MS} ms)`];
  const n = count();
  return n === 1 ? [] : [`${what}: ${n} copies, expected 1`];
}

export async function deliveryFaults(options: FamilyOptions): Promise<FamilyResult> {
  const t = tally('delivery faults', options);
  const stack = await startLocalStack({ seed: 'none', runtime: { hintDelayMs: 20, pollIntervalMs: 100 } });
  try {
    const m = stack.mailboxes[0]!;
    const c: KindOps = kindOps(stack, m, 'contact');
    const quietGraph = () => stack.graph.admin.notificationsIdle();
    const settle = async (): Promise<void> => {
      await quietGraph();
      await stack.runtime.scheduler.tick();
    };
    /** The worker's contact subscriptions — the Salesforce Contacts folder's and the mailbox's: both see each change. */
    const contactSubscriptions = (): string[] =>
      stack.graph.admin.subscriptions().filter((s) => /\/contacts$/i.test(String(s.resource))).map((s) => String(s.id));
    /** Sends what reverseNextNotifications held, newest first; a count other than expected means the case proved nothing. */
    const releaseReversed = (expected: number): string[] => {
      const released = stack.graph.admin.releaseHeldNotifications();
      return released === expected ? [] : [`setup: ${released} notifications were held, expected ${expected}`];
    };
    await settle();

    await t.case('Graph notifications duplicated: one record', async () => {
      const name = unique('DoubledNote');
      stack.graph.admin.duplicateNextNotifications(20);
      await c.exCreate(name);
      const out = await exactlyOnce(`contact ${name} in Salesforce`, () => c.sfFind(name).length);
      await settle();
      return [...out, ...(await exactlyOnce(`contact ${name} in Salesforce after the duplicates`, () => c.sfFind(name).length, false)), ...duplicates(stack, m)];
    });

    await t.case('CDC events duplicated: one item', async () => {
      const name = unique('DoubledCdc');
      stack.salesforce.admin.streamingFault({ duplicate: 5 });
      c.sfCreate(name);
      const out = await exactlyOnce(`contact ${name} in Outlook`, () => c.exFind(name).length);
      await settle();
      return [...out, ...(await exactlyOnce(`contact ${name} in Outlook after the duplicates`, () => c.exFind(name).length, false)), ...duplicates(stack, m)];
    });

    await t.case('create, edit, delete in Salesforce in one burst with duplicated events: gone on both sides', async () => {
      const name = unique('Burst');
      stack.salesforce.admin.streamingFault({ duplicate: 6 });
      const id = c.sfCreate(name);
      c.sfRename(id, `${name}x`);
      c.sfDelete(id);
      await settle();
      await poll(stack, m);
      const out: string[] = [];
      if (c.exFind(name).length + c.exFind(`${name}x`).length > 0) out.push(`a contact of ${name} is in Outlook after its delete`);
      if (c.sfFind(name).length + c.sfFind(`${name}x`).length > 0) out.push(`${name} resurrected in Salesforce`);
      return out;
    });

    await t.case('CDC events delivered newest first (two edits): Outlook ends with the latest value', async () => {
      const name = unique('Reordered');
      const id = c.sfCreate(name);
      if (!(await until(() => c.exFind(name).length === 1, LIVE_MS))) return [`setup: ${name} never reached Outlook`];
      await settle();
      stack.salesforce.admin.streamingFault({ reverse: 2, reverseObject: 'Contact' });
      c.sfRename(id, `${name}a`);
      c.sfRename(id, `${name}b`);
      const out: string[] = [];
      if (!(await until(() => c.exFind(`${name}b`).length === 1, LIVE_MS))) out.push(`the latest value ${name}b never reached Outlook (live)`);
      stack.salesforce.admin.releaseHeldEvents();
      await settle();
      out.push(...(await poll(stack, m)));
      if (c.exFind(`${name}a`).length > 0 || c.exFind(name).length > 0) out.push(`Outlook went back to an older value of ${name}`);
      if (c.sfFind(`${name}b`).length !== 1) out.push(`Salesforce no longer holds the latest value ${name}b`);
      return [...out, ...(await exactlyOnce(`contact ${name}b in Outlook`, () => c.exFind(`${name}b`).length, false)), ...duplicates(stack, m)];
    });

    await t.case('CDC events delivered newest first (create, edit, delete): no resurrection', async () => {
      const name = unique('ReorderedGone');
      stack.salesforce.admin.streamingFault({ reverse: 3, reverseObject: 'Contact' });
      const id = c.sfCreate(name);
      c.sfRename(id, `${name}x`);
      c.sfDelete(id);
      stack.salesforce.admin.releaseHeldEvents();
      await settle();
      const out = await poll(stack, m);
      if (c.exFind(name).length + c.exFind(`${name}x`).length > 0) out.push(`a contact of ${name} is in Outlook after its delete`);
      if (c.sfFind(name).length + c.sfFind(`${name}x`).length > 0) out.push(`${name} resurrected in Salesforce`);
      return [...out, ...duplicates(stack, m)];
    });

    if (options.full) {
      await t.case('Graph notifications delivered newest first (two Outlook edits): Salesforce ends with the latest value', async () => {
        const name = unique('ReorderedNote');
        const id = await c.exCreate(name);
        // linked and stamped: the stamp's own notification must not take a held slot
        const stamped = () => c.sfFind(name).length === 1 && c.exFind(name).some((item) => stampOf(item) !== undefined);
        if (!(await until(stamped, LIVE_MS))) return [`setup: ${name} never reached Salesforce`];
        await settle();
        const subs = contactSubscriptions();
        if (subs.length === 0) return ['no contact subscription'];
        // one more than the two edits make: nothing goes out until released below (Real-time runs on hints)
        stack.graph.admin.reverseNextNotifications(2 * subs.length + 1, subs);
        c.exRename(id, `${name}a`);
        await quietGraph();
        c.exRename(id, `${name}b`);
        await quietGraph();
        const out = releaseReversed(2 * subs.length);
        if (!(await until(() => c.sfFind(`${name}b`).length === 1, LIVE_MS))) out.push(`the latest value ${name}b never reached Salesforce (live)`);
        await settle();
        out.push(...(await poll(stack, m)));
        if (c.sfFind(`${name}a`).length > 0 || c.sfFind(name).length > 0) out.push(`Salesforce went back to an older value of ${name}`);
        if (c.exFind(`${name}b`).length !== 1) out.push(`Outlook no longer holds the latest value ${name}b`);
        return [...out, ...(await exactlyOnce(`contact ${name}b in Salesforce`, () => c.sfFind(`${name}b`).length, false)), ...duplicates(stack, m)];
      });
    }

    await t.case('Graph notifications delivered newest first (create, edit, delete in Outlook): no resurrection', async () => {
      const name = unique('ReorderedNoteGone');
      const subs = contactSubscriptions();
      if (subs.length === 0) return ['no contact subscription'];
      stack.graph.admin.reverseNextNotifications(3 * subs.length + 1, subs);
      const id = await c.exCreate(name);
      c.exRename(id, `${name}x`);
      c.exDelete(id);
      await quietGraph();
      const out = releaseReversed(3 * subs.length); // deleted, updated, created: the create's hint comes last
      await settle();
      out.push(...(await poll(stack, m)));
      if (c.sfFind(name).length + c.sfFind(`${name}x`).length > 0) out.push(`${name} resurrected in Salesforce`);
      if (c.exFind(name).length + c.exFind(`${name}x`).length > 0) out.push(`a contact of ${name} is in Outlook after its delete`);
      return [...out, ...duplicates(stack, m)];
    });

    await t.case('Graph notifications delayed past a delete: no resurrection', async () => {
      const name = unique('DelayedNote');
      await stack.runtime.scheduler.stop();
      stack.graph.admin.delayNotificationsMs(1_000);
      const id = await c.exCreate(name);
      await poll(stack, m);
      c.exDelete(id);
      await poll(stack, m);
      stack.runtime.scheduler.start();
      await settle();
      stack.graph.admin.delayNotificationsMs(0);
      await stack.runtime.scheduler.tick();
      const out: string[] = [];
      if (c.sfFind(name).length !== 0) out.push(`contact ${name} came back in Salesforce after its delayed notification`);
      if (c.exFind(name).length !== 0) out.push(`contact ${name} came back in Outlook`);
      return [...out, ...duplicates(stack, m)];
    });

    await t.case('Graph delta pages replayed (entries repeated, out of order): one record each', async () => {
      const names = [unique('ReplayA'), unique('ReplayB')];
      for (const n of names) await c.exCreate(n);
      stack.graph.admin.duplicateNextDeltaPages(3);
      await settle();
      await poll(stack, m);
      return [...names.flatMap((n) => (c.sfFind(n).length === 1 ? [] : [`contact ${n}: ${c.sfFind(n).length} in Salesforce`])), ...duplicates(stack, m)];
    });

    await t.case('GAP_UPDATE event (change itself dropped): the gap hint syncs the record', async () => {
      const name = unique('Gap');
      const id = c.sfCreate(name);
      if (!(await until(() => c.exFind(name).length === 1, LIVE_MS))) return [`setup: ${name} never reached Outlook`];
      stack.salesforce.admin.streamingFault({ drop: 1 });
      c.sfRename(id, `${name}x`);
      stack.salesforce.admin.emitGap({ sobject: 'Contact', changeType: 'GAP_UPDATE', recordIds: [id] });
      return exactlyOnce(`renamed contact ${name}x in Outlook`, () => c.exFind(`${name}x`).length);
    });

    await t.case('GAP_OVERFLOW event: the whole entity is read again', async () => {
      const names = [unique('OverflowA'), unique('OverflowB')];
      stack.salesforce.admin.streamingFault({ drop: 2 });
      for (const n of names) c.sfCreate(n);
      stack.salesforce.admin.emitGap({ sobject: 'Contact', changeType: 'GAP_OVERFLOW' });
      const out: string[] = [];
      for (const n of names) out.push(...(await exactlyOnce(`contact ${n} in Outlook`, () => c.exFind(n).length)));
      return [...out, ...duplicates(stack, m)];
    });

    await t.case('CDC events dropped: the watermark read still finds the change', async () => {
      const name = unique('DroppedCdc');
      stack.salesforce.admin.streamingFault({ drop: 1 }); // exactly the create's event: a leftover would eat later cases' events
      c.sfCreate(name);
      await settle();
      const out = await poll(stack, m);
      return [...out, ...(await exactlyOnce(`contact ${name} in Outlook`, () => c.exFind(name).length, false)), ...duplicates(stack, m)];
    });

    await t.case('delta 410 (tokens reset): resync without duplicates, pending change delivered', async () => {
      await settle();
      const before = { ex: stack.graph.admin.items(m.address, 'contact').length, sf: stack.salesforce.admin.query('SELECT Id FROM Contact').length };
      const name = unique('AfterReset');
      await stack.runtime.scheduler.stop();
      await c.exCreate(name);
      stack.graph.admin.resetDeltaTokens(m.address);
      const out = await poll(stack, m);
      stack.runtime.scheduler.start();
      const after = { ex: stack.graph.admin.items(m.address, 'contact').length, sf: stack.salesforce.admin.query('SELECT Id FROM Contact').length };
      if (after.ex !== before.ex + 1) out.push(`Outlook contacts ${before.ex} → ${after.ex}, expected +1`);
      if (after.sf !== before.sf + 1) out.push(`Salesforce contacts ${before.sf} → ${after.sf}, expected +1`);
      return [...out, ...duplicates(stack, m)];
    });

    await t.case('lifecycle `subscriptionRemoved`: the subscription is made again and notifications flow', async () => {
      const sub = stack.graph.admin.subscriptions().find((s) => String(s.resource).includes('contactFolders'));
      if (!sub) return ['no contact folder subscription'];
      await stack.graph.admin.emitLifecycle(String(sub.id), 'subscriptionRemoved');
      const renewed = await until(() => stack.graph.admin.subscriptions().some((s) => s.id !== sub.id && s.resource === sub.resource), LIVE_MS);
      if (!renewed) return [`no new subscription for ${String(sub.resource)} after subscriptionRemoved`];
      const name = unique('AfterRemoved');
      await c.exCreate(name);
      return exactlyOnce(`contact ${name} in Salesforce through the new subscription`, () => c.sfFind(name).length);
    });

    await t.case('Graph notifications dropped: the next run still reads the change', async () => {
      const name = unique('DroppedNote');
      stack.graph.admin.dropNextNotifications(20);
      await c.exCreate(name);
      await settle();
      const out = await poll(stack, m);
      return [...out, ...(await exactlyOnce(`contact ${name} in Salesforce`, () => c.sfFind(name).length, false)), ...duplicates(stack, m)];
    });

    await t.case('lifecycle `missed`: a run follows and picks up the lost change', async () => {
      const name = unique('Missed');
      stack.graph.admin.dropNextNotifications(20);
      await c.exCreate(name);
      await quietGraph();
      const sub = stack.graph.admin.subscriptions().find((s) => String(s.resource).includes('contactFolders'));
      if (!sub) return ['no contact folder subscription to send `missed` for'];
      await stack.graph.admin.emitLifecycle(String(sub.id), 'missed');
      return exactlyOnce(`contact ${name} in Salesforce after missed`, () => c.sfFind(name).length);
    });

    await t.case('replay id older than the retention window: reconciliation, no resurrected delete', async () => {
      const keep = unique('KeptThroughOutage');
      const gone = unique('DeletedDuringOutage');
      const goneId = c.sfCreate(gone);
      if (!(await until(() => c.exFind(gone).length === 1, LIVE_MS))) return [`setup: ${gone} never reached Outlook`];
      await settle();
      // the worker is down for four days: its stored replay id falls out of the 72 h window
      await stack.runtime.stop();
      c.sfDelete(goneId);
      c.sfCreate(keep);
      stack.salesforce.admin.advanceClock(96 * 3_600_000);
      const rt = restart(stack, undefined, { hintDelayMs: 20, pollIntervalMs: 100 });
      try {
        await rt.startFeeds();
        rt.scheduler.start();
        const out = await exactlyOnce(`contact ${keep} in Outlook after the outage`, () => c.exFind(keep).length);
        if (!(await until(() => c.exFind(gone).length === 0, LIVE_MS))) out.push(`contact ${gone}, deleted during the outage, is still in Outlook`);
        await rt.scheduler.stop();
        await poll(stack, m);
        if (c.sfFind(gone).length > 0) out.push(`contact ${gone} was resurrected in Salesforce`);
        return [...out, ...duplicates(stack, m)];
      } finally {
        await rt.stop();
      }
    });
  } finally {
    await stack.close();
  }
  return t.result();
}
