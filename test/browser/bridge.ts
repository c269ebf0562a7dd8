// createApexBridge({ conn, worker }) → call(className, methodName, params): the @AuraEnabled
// methods of SetupController and SyncStatusController, re-implemented with the same semantics
// as the Apex source (Apex cannot run here): the same SOQL (MailboxSyncSelector, WITH USER_MODE)
// through jsforce against the emulated org, the same worker callouts as WorkerClient (bearer
// token, JSON, `<message> (HTTP <status>)`), the same validation and the same messages. An
// AuraHandledException becomes { status: 500, body: { message, exceptionType } }, which is what
// LWC receives. Records are serialised as Apex serialises SObjects to LWC: no `attributes`, no
// null fields. Keep this file in step with the .cls files when they change.
import type { Connection, Record as SfRecord } from 'jsforce';

export interface WorkerEndpoint {
  url: string;
  apiToken: string;
}

export interface ApexAnswer {
  status: number;
  body: unknown;
}

type Params = Record<string, unknown>;
type Rec = Record<string, unknown>;

/** What an AuraHandledException carries to the component. */
class AuraError extends Error {}

const MAX_ROWS = 1000;
const DIRECTIONS = ['Both', 'Salesforce to Exchange', 'Exchange to Salesforce'];
const SCOPES = ['My Contacts', 'All Contacts'];
const PLANS = ['Basic', 'Professional', 'Real-time'];
const PRIVATE_EVENTS = ['Sync', 'Skip', 'Busy Placeholder'];
const NO_MATCH = ['Log Anyway', 'Skip'];
const WINNERS = ['Salesforce', 'Exchange'];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const CATEGORY_MAX = 40;
const ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const WORKER_TIMEOUT_MS = 20_000;

const MAILBOX_FIELDS = [
  'Id', 'Name', 'User__c', 'User__r.Name', 'Mailbox_Address__c', 'Enabled__c', 'Status__c', 'Worker_Mailbox_State__c',
  'Sync_Contacts__c', 'Sync_Events__c', 'Sync_Tasks__c', 'Sync_Emails__c', 'Contacts_Direction__c', 'Events_Direction__c',
  'Tasks_Direction__c', 'Contact_Scope__c', 'Category_Name__c', 'Plan__c', 'Events_Private__c', 'Email_No_Match__c',
  'Conflict_Winner__c', 'Last_Sync__c', 'Last_Error__c', 'Items_Synced__c', 'Open_Issues__c',
].join(', ');

// Connected app labels as OauthToken.AppName shows them → product (SyncSoftwareCheck).
const PRODUCT_BY_APP_NAME: Record<string, string> = {
  'Salesforce for Outlook': 'Salesforce for Outlook',
  'Lightning Sync': 'Lightning Sync',
  'Lightning Sync for Microsoft Exchange': 'Lightning Sync',
  'Salesforce Inbox': 'Salesforce Inbox',
  Inbox: 'Salesforce Inbox',
  'Salesforce Inbox for Outlook': 'Salesforce Inbox',
};
const ADVICE_BY_PRODUCT: Record<string, string> = {
  'Salesforce for Outlook': "Turn off contact, event and task sync in the user's Outlook configuration (Setup > Outlook Configurations) or revoke the Salesforce for Outlook connected app for the user.",
  'Lightning Sync': 'Remove the user from the Lightning Sync configuration or turn off contact and event sync in it.',
  'Salesforce Inbox': 'Turn off Inbox event and contact sync for the user, or revoke the Salesforce Inbox connected app for the user.',
  'Einstein Activity Capture': 'Remove the user from the Einstein Activity Capture configuration, or turn off its contact and event sync for the user.',
};

const quote = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Apex → LWC serialisation of records: drop `attributes` and null fields, recursively. */
function serialise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(serialise);
  if (value && typeof value === 'object') {
    const out: Rec = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'attributes' || v === null || v === undefined) continue;
      out[k] = serialise(v);
    }
    return out;
  }
  return value;
}

/** An Id parameter as Apex deserialises it: blank → null, malformed → the platform's error. */
function idParam(params: Params, name: string): string | null {
  const value = params[name];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !ID.test(value)) throw new AuraError(`Invalid id: ${String(value)}`);
  return value;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createApexBridge(deps: { conn: Connection; worker: WorkerEndpoint; fetchImpl?: typeof fetch }) {
  const { conn, worker } = deps;
  const doFetch = deps.fetchImpl ?? fetch;

  async function query<T extends SfRecord = SfRecord>(soql: string): Promise<T[]> {
    const result = await conn.query<T>(soql);
    return result.records;
  }

  // MailboxSyncSelector

  const selector = {
    selectAll: () => query(`SELECT ${MAILBOX_FIELDS} FROM Mailbox_Sync__c WITH USER_MODE ORDER BY Mailbox_Address__c LIMIT ${MAX_ROWS}`),
    async selectById(id: string): Promise<Rec | null> {
      const rows = await query(`SELECT ${MAILBOX_FIELDS} FROM Mailbox_Sync__c WHERE Id = ${quote(id)} WITH USER_MODE LIMIT 1`);
      return rows[0] ?? null;
    },
    selectOpenIssues: (id: string) =>
      query(
        'SELECT Id, Name, Mailbox_Sync__c, Object_Type__c, Kind__c, Message__c, Salesforce_Id__c, Exchange_Id__c, Occurred_At__c, Resolved__c ' +
          `FROM Sync_Issue__c WHERE Mailbox_Sync__c = ${quote(id)} AND Resolved__c = FALSE WITH USER_MODE ORDER BY Occurred_At__c DESC LIMIT ${MAX_ROWS}`,
      ),
    async selectIssueById(id: string): Promise<Rec | null> {
      const rows = await query(`SELECT Id, Mailbox_Sync__c, Resolved__c FROM Sync_Issue__c WHERE Id = ${quote(id)} WITH USER_MODE LIMIT 1`);
      return rows[0] ?? null;
    },
    selectActiveUsers: () =>
      query<{ Id: string; Name: string; Email: string }>(
        `SELECT Id, Name, Email, Username FROM User WHERE IsActive = TRUE AND UserType = 'Standard' WITH USER_MODE ORDER BY Name LIMIT ${MAX_ROWS}`,
      ),
    selectUsersByIds: (ids: string[]) =>
      query<{ Id: string; Name: string }>(`SELECT Id, Name, Email FROM User WHERE Id IN (${ids.map(quote).join(', ')}) WITH USER_MODE ORDER BY Name LIMIT ${MAX_ROWS}`),
    // OauthToken exists in every org and in the emulator: a failed query is a real error.
    selectTokensByAppName: (appNames: string[]) =>
      query<{ AppName: string; UserId: string; User?: { Name?: string }; LastUsedDate?: string }>(
        `SELECT AppName, UserId, User.Name, LastUsedDate FROM OauthToken WHERE AppName IN (${appNames.map(quote).join(', ')}) WITH USER_MODE ORDER BY AppName LIMIT 2000`,
      ),
    async selectActivityCaptureUserIds(): Promise<string[]> {
      const global = await conn.describeGlobal();
      if (!global.sobjects.some((s) => s.name.toLowerCase() === 'activityusrconnectionstatus')) return [];
      try {
        return (await query<{ UserId: string }>('SELECT UserId FROM ActivityUsrConnectionStatus LIMIT 2000')).map((r) => r.UserId);
      } catch {
        return [];
      }
    },
  };

  // WorkerClient

  async function send(method: 'GET' | 'POST', path: string): Promise<Rec> {
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${worker.apiToken}` };
    if (method === 'POST') headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(`${worker.url}/api/v1${path}`, {
        method,
        headers,
        ...(method === 'POST' ? { body: '{}' } : {}),
        signal: AbortSignal.timeout(WORKER_TIMEOUT_MS),
      });
    } catch (error) {
      throw new AuraError(`The SmartCloud Connect worker could not be reached: ${errorMessage(error)}`);
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text.trim() ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const status = response.status;
    if (status >= 200 && status < 300) {
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Rec;
      if (!text.trim()) return {};
      throw new AuraError('The worker answered with something other than a JSON object.');
    }
    let message =
      status === 401 || status === 403
        ? 'The worker rejected the token. Check the SmartCloud_Worker external credential.'
        : status === 404
          ? 'The worker does not know this resource.'
          : 'The worker answered with an error.';
    const details = (body as { error?: { message?: unknown } } | null)?.error;
    if (details && typeof details.message === 'string') message = details.message;
    throw new AuraError(`${message} (HTTP ${status})`);
  }

  const mailboxPath = (id: string | null, action: string): string => {
    if (!id) throw new AuraError('A mailbox id is required.');
    return `/mailboxes/${id}/${action}`;
  };

  async function requireVisible(id: string | null): Promise<string> {
    if (!id || !(await selector.selectById(id))) throw new AuraError('Mailbox configuration not found or not accessible.');
    return id;
  }

  // SetupController

  function validate(input: Rec): string[] {
    const problems: string[] = [];
    if (input.userId === undefined || input.userId === null || input.userId === '') problems.push('Choose a user.');
    const address = typeof input.mailboxAddress === 'string' ? input.mailboxAddress.trim() : '';
    if (!address || !EMAIL.test(address)) problems.push('Enter a valid mailbox address.');
    const choice = (label: string, value: unknown, allowed: string[]): void => {
      if (typeof value === 'string' && value.trim() !== '' && !allowed.includes(value)) problems.push(`${label} must be one of: ${allowed.join(', ')}.`);
    };
    choice('Contacts direction', input.contactsDirection, DIRECTIONS);
    choice('Events direction', input.eventsDirection, DIRECTIONS);
    choice('Tasks direction', input.tasksDirection, DIRECTIONS);
    choice('Contact scope', input.contactScope, SCOPES);
    choice('Plan', input.plan, PLANS);
    choice('Private events', input.eventsPrivate, PRIVATE_EVENTS);
    choice('Email without match', input.emailNoMatch, NO_MATCH);
    choice('Conflict winner', input.conflictWinner, WINNERS);
    if (typeof input.categoryName === 'string' && input.categoryName.trim().length > CATEGORY_MAX) problems.push(`Category name can have at most ${CATEGORY_MAX} characters.`);
    return problems;
  }

  const valueOr = (value: unknown, fallback: string): string => (typeof value === 'string' && value.trim() !== '' ? value : fallback);

  function toRecord(input: Rec): Rec {
    const address = String(input.mailboxAddress).trim();
    const record: Rec = {};
    if (!input.id) {
      record.OwnerId = input.userId;
      record.Status__c = 'New';
    }
    record.User__c = input.userId;
    record.Mailbox_Address__c = address;
    record.Name = address.slice(0, 80);
    record.Sync_Contacts__c = input.syncContacts !== false;
    record.Sync_Events__c = input.syncEvents !== false;
    record.Sync_Tasks__c = input.syncTasks !== false;
    record.Sync_Emails__c = input.syncEmails === true;
    record.Contacts_Direction__c = valueOr(input.contactsDirection, 'Both');
    record.Events_Direction__c = valueOr(input.eventsDirection, 'Both');
    record.Tasks_Direction__c = valueOr(input.tasksDirection, 'Both');
    record.Contact_Scope__c = valueOr(input.contactScope, 'My Contacts');
    record.Category_Name__c = valueOr(typeof input.categoryName === 'string' ? input.categoryName.trim() : null, 'Salesforce');
    record.Plan__c = valueOr(input.plan, 'Professional');
    record.Events_Private__c = valueOr(input.eventsPrivate, 'Busy Placeholder');
    record.Email_No_Match__c = valueOr(input.emailNoMatch, 'Log Anyway');
    record.Conflict_Winner__c = valueOr(input.conflictWinner, 'Salesforce');
    return record;
  }

  function parseInput(json: unknown): Rec {
    if (typeof json !== 'string' || json.trim() === '') throw new AuraError('No mailbox configuration was sent.');
    let input: unknown;
    try {
      input = JSON.parse(json);
    } catch {
      throw new AuraError('The mailbox configuration is not valid JSON.');
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new AuraError('The mailbox configuration has a value of the wrong type.');
    const rec = input as Rec;
    for (const key of ['syncContacts', 'syncEvents', 'syncTasks', 'syncEmails']) {
      if (rec[key] !== undefined && rec[key] !== null && typeof rec[key] !== 'boolean') throw new AuraError('The mailbox configuration has a value of the wrong type.');
    }
    for (const key of ['id', 'userId']) {
      if (rec[key] !== undefined && rec[key] !== null && (typeof rec[key] !== 'string' || !ID.test(rec[key] as string))) {
        throw new AuraError('The mailbox configuration has a value of the wrong type.');
      }
    }
    return rec;
  }

  /** DML as the user; a DmlException's first message reaches the component. */
  async function dml(kind: 'insert' | 'update', record: Rec): Promise<string> {
    try {
      const result = kind === 'insert' ? await conn.sobject('Mailbox_Sync__c').create(record) : await conn.sobject('Mailbox_Sync__c').update(record as Rec & { Id: string });
      if (!result.success) throw new Error(result.errors.map((e) => (typeof e === 'string' ? e : e.message)).join(' '));
      return result.id;
    } catch (error) {
      throw new AuraError(errorMessage(error));
    }
  }

  async function checkSyncSoftware(): Promise<Rec[]> {
    const findings: Rec[] = [];
    const seen = new Set<string>();
    for (const token of await selector.selectTokensByAppName(Object.keys(PRODUCT_BY_APP_NAME))) {
      const product = PRODUCT_BY_APP_NAME[token.AppName]!;
      const key = `${product}:${token.UserId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const detail = `Connected app "${token.AppName}"${token.LastUsedDate ? `, last used ${new Date(token.LastUsedDate).toLocaleString('en-US')}` : ''}`;
      findings.push({ product, userId: token.UserId, userName: token.User?.Name, detail, advice: ADVICE_BY_PRODUCT[product] });
    }
    const eac = await selector.selectActivityCaptureUserIds();
    if (eac.length > 0) {
      for (const u of await selector.selectUsersByIds(eac)) {
        findings.push({ product: 'Einstein Activity Capture', userId: u.Id, userName: u.Name, detail: 'Assigned to an Einstein Activity Capture configuration', advice: ADVICE_BY_PRODUCT['Einstein Activity Capture'] });
      }
    }
    return findings;
  }

  const methods: Record<string, (p: Params) => Promise<unknown>> = {
    'SetupController.testConnection': () => send('GET', '/health'),
    async 'SetupController.getUsers'() {
      const mailboxByUser = new Map<string, string>();
      for (const row of await selector.selectAll()) if (row.User__c) mailboxByUser.set(String(row.User__c), String(row.Id));
      return (await selector.selectActiveUsers()).map((u) => ({ id: u.Id, name: u.Name, email: u.Email, mailboxSyncId: mailboxByUser.get(u.Id) ?? null }));
    },
    'SetupController.getMailboxes': () => selector.selectAll(),
    async 'SetupController.saveMailbox'(p) {
      const input = parseInput(p.json);
      const problems = validate(input);
      if (problems.length > 0) throw new AuraError(problems.join(' '));
      const record = toRecord(input);
      const id = input.id ? await dml('update', { Id: input.id, ...record }) : await dml('insert', record);
      return selector.selectById(id);
    },
    async 'SetupController.testMailbox'(p) {
      return send('POST', mailboxPath(await requireVisible(idParam(p, 'mailboxSyncId')), 'test'));
    },
    async 'SetupController.provision'(p) {
      return send('POST', mailboxPath(await requireVisible(idParam(p, 'mailboxSyncId')), 'provision'));
    },
    async 'SetupController.activate'(p) {
      const id = await requireVisible(idParam(p, 'mailboxSyncId'));
      // The callout comes first, as in Apex (no callout after uncommitted DML).
      await send('POST', mailboxPath(id, 'resume'));
      await dml('update', { Id: id, Enabled__c: true });
      return selector.selectById(id);
    },
    'SetupController.checkSyncSoftware': () => checkSyncSoftware(),

    'SyncStatusController.getMailboxes': () => selector.selectAll(),
    async 'SyncStatusController.getMailboxDetail'(p) {
      const id = idParam(p, 'mailboxSyncId');
      const mailbox = id ? await selector.selectById(id) : null;
      if (!id || !mailbox) throw new AuraError('Mailbox configuration not found or not accessible.');
      const detail: Rec = { mailbox, status: null, statusError: null };
      try {
        detail.status = await send('GET', mailboxPath(id, 'status'));
      } catch (error) {
        detail.statusError = errorMessage(error);
      }
      detail.issues = await selector.selectOpenIssues(id);
      return detail;
    },
    async 'SyncStatusController.syncNow'(p) {
      return send('POST', mailboxPath(await requireVisible(idParam(p, 'mailboxSyncId')), 'sync'));
    },
    async 'SyncStatusController.pause'(p) {
      return send('POST', mailboxPath(await requireVisible(idParam(p, 'mailboxSyncId')), 'pause'));
    },
    async 'SyncStatusController.resume'(p) {
      return send('POST', mailboxPath(await requireVisible(idParam(p, 'mailboxSyncId')), 'resume'));
    },
    async 'SyncStatusController.resolveIssue'(p) {
      const id = idParam(p, 'issueId');
      const issue = id ? await selector.selectIssueById(id) : null;
      if (!issue) throw new AuraError('Issue not found or not accessible.');
      try {
        await conn.sobject('Sync_Issue__c').update({ Id: String(issue.Id), Resolved__c: true });
      } catch (error) {
        throw new AuraError(errorMessage(error));
      }
      return { ...issue, Resolved__c: true };
    },
  };

  const calls: string[] = [];

  return {
    /** Every Class.method called so far, in order (tests read it). */
    calls,
    async call(className: string, methodName: string, params: Params): Promise<ApexAnswer> {
      const name = `${className}.${methodName}`;
      calls.push(name);
      const method = methods[name];
      if (!method) return { status: 404, body: { message: `No @AuraEnabled method ${name} in the bridge.`, exceptionType: 'System.NoSuchMethodException' } };
      try {
        return { status: 200, body: serialise(await method(params ?? {})) ?? null };
      } catch (error) {
        // Anything other than an AuraHandledException reaches LWC as a generic script error.
        const aura = error instanceof AuraError;
        return {
          status: 500,
          body: { message: aura ? error.message : `Script-thrown exception: ${errorMessage(error)}`, exceptionType: aura ? 'System.AuraHandledException' : 'System.Exception', isUserDefinedException: false, stackTrace: '' },
        };
      }
    },
  };
}

export type ApexBridge = ReturnType<typeof createApexBridge>;
