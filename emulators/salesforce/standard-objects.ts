// Hand-written descriptions of the standard objects the product touches, with their real key
// prefixes, types and lengths. Only fields the product, its tests or a Salesforce admin would
// reasonably use are listed.
import { makeField as f, makeObject, picklist, type FieldDef, type FieldSpec, type ObjectDef } from './schema.ts';

const ro = (spec: FieldSpec): FieldDef => f({ ...spec, readOnly: true });

/** Id, audit fields and IsDeleted, present on every object. */
export function systemFields(opts: { owner?: boolean } = {}): FieldDef[] {
  const fields = [
    ro({ name: 'Id', type: 'id', label: 'Record ID', nillable: false }),
    ro({ name: 'IsDeleted', type: 'boolean', label: 'Deleted' }),
    ro({ name: 'CreatedDate', type: 'datetime', nillable: false }),
    ro({ name: 'CreatedById', type: 'reference', referenceTo: ['User'], relationshipName: 'CreatedBy', nillable: false }),
    ro({ name: 'LastModifiedDate', type: 'datetime', nillable: false }),
    ro({ name: 'LastModifiedById', type: 'reference', referenceTo: ['User'], relationshipName: 'LastModifiedBy', nillable: false }),
    ro({ name: 'SystemModstamp', type: 'datetime', nillable: false }),
  ];
  if (opts.owner) {
    // OwnerId is required by the platform but defaults to the running user.
    fields.push(f({ name: 'OwnerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner', label: 'Owner ID', nillable: false, defaultValue: '$user' }));
  }
  return fields;
}

const activityRecurrence = (): FieldDef[] => [
  f({ name: 'IsRecurrence', type: 'boolean', label: 'Create Recurring Series', updateable: false }),
  ro({ name: 'RecurrenceActivityId', type: 'reference', referenceTo: ['Task', 'Event'], relationshipName: 'RecurrenceActivity' }),
  f({ name: 'RecurrenceType', type: 'picklist', length: 40, picklistValues: picklist(['RecursDaily', 'RecursEveryWeekday', 'RecursMonthly', 'RecursMonthlyNth', 'RecursWeekly', 'RecursYearly', 'RecursYearlyNth']), restrictedPicklist: true }),
  f({ name: 'RecurrenceInterval', type: 'int', precision: 9 }),
  f({ name: 'RecurrenceDayOfWeekMask', type: 'int', precision: 9 }),
  f({ name: 'RecurrenceDayOfMonth', type: 'int', precision: 9 }),
  f({ name: 'RecurrenceInstance', type: 'picklist', length: 40, picklistValues: picklist(['First', 'Second', 'Third', 'Fourth', 'Last']) }),
  f({ name: 'RecurrenceMonthOfYear', type: 'picklist', length: 40, picklistValues: picklist(['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']) }),
  f({ name: 'RecurrenceTimeZoneSidKey', type: 'picklist', length: 40 }),
  f({ name: 'RecurrenceStartDateOnly', type: 'date' }),
  f({ name: 'RecurrenceEndDateOnly', type: 'date' }),
];

const who = (): FieldDef => f({ name: 'WhoId', type: 'reference', referenceTo: ['Contact', 'Lead'], relationshipName: 'Who', label: 'Name ID' });
const what = (): FieldDef => f({ name: 'WhatId', type: 'reference', referenceTo: ['Account', 'Opportunity', 'Case'], relationshipName: 'What', label: 'Related To ID' });

export function standardObjects(): ObjectDef[] {
  const user = makeObject('User', '005', [
    ...systemFields(),
    f({ name: 'Username', type: 'string', length: 80, required: true, unique: true, idLookup: true }),
    f({ name: 'Email', type: 'email', length: 128, required: true }),
    f({ name: 'FirstName', type: 'string', length: 40 }),
    f({ name: 'LastName', type: 'string', length: 80, required: true }),
    ro({ name: 'Name', type: 'string', length: 121, label: 'Full Name', nillable: false }),
    f({ name: 'Alias', type: 'string', length: 8 }),
    f({ name: 'IsActive', type: 'boolean', label: 'Active', defaultValue: true }),
    f({ name: 'TimeZoneSidKey', type: 'picklist', length: 40, defaultValue: 'GMT', picklistValues: picklist(['GMT', 'America/Los_Angeles', 'America/New_York', 'Europe/London', 'Europe/Paris', 'Europe/Berlin']) }),
    f({ name: 'UserType', type: 'picklist', length: 40, defaultValue: 'Standard', readOnly: true }),
    f({ name: 'Title', type: 'string', length: 80 }),
    f({ name: 'Department', type: 'string', length: 80 }),
  ], { cdc: true });

  const organization = makeObject('Organization', '00D', [
    ...systemFields(),
    ro({ name: 'Name', type: 'string', length: 80 }),
    ro({ name: 'OrganizationType', type: 'picklist', length: 40 }),
    ro({ name: 'IsSandbox', type: 'boolean' }),
    ro({ name: 'InstanceName', type: 'string', length: 5 }),
    ro({ name: 'TimeZoneSidKey', type: 'picklist', length: 40 }),
  ], { createable: false, updateable: false, deletable: false });

  const address = (prefix: string): FieldDef[] => [
    f({ name: `${prefix}Street`, type: 'textarea', length: 255 }),
    f({ name: `${prefix}City`, type: 'string', length: 40 }),
    f({ name: `${prefix}State`, type: 'string', length: 80 }),
    f({ name: `${prefix}PostalCode`, type: 'string', length: 20 }),
    f({ name: `${prefix}Country`, type: 'string', length: 80 }),
  ];

  const account = makeObject('Account', '001', [
    ...systemFields({ owner: true }),
    f({ name: 'Name', type: 'string', length: 255, required: true, label: 'Account Name' }),
    f({ name: 'Phone', type: 'phone', length: 40 }),
    f({ name: 'Website', type: 'url', length: 255 }),
    f({ name: 'Industry', type: 'picklist', length: 255, picklistValues: picklist(['Agriculture', 'Banking', 'Consulting', 'Education', 'Energy', 'Healthcare', 'Manufacturing', 'Retail', 'Technology', 'Other']) }),
    f({ name: 'Type', type: 'picklist', length: 255, picklistValues: picklist(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other']) }),
    ...address('Billing'),
    f({ name: 'Description', type: 'textarea', length: 32000 }),
  ], { cdc: true });

  const contact = makeObject('Contact', '003', [
    ...systemFields({ owner: true }),
    f({ name: 'Salutation', type: 'picklist', length: 40, picklistValues: picklist(['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.']) }),
    f({ name: 'FirstName', type: 'string', length: 40 }),
    f({ name: 'LastName', type: 'string', length: 80, required: true }),
    ro({ name: 'Name', type: 'string', length: 121, label: 'Full Name', nillable: false }),
    f({ name: 'AccountId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account', label: 'Account ID' }),
    f({ name: 'Email', type: 'email', length: 80 }),
    f({ name: 'Phone', type: 'phone', length: 40, label: 'Business Phone' }),
    f({ name: 'MobilePhone', type: 'phone', length: 40 }),
    f({ name: 'HomePhone', type: 'phone', length: 40 }),
    f({ name: 'OtherPhone', type: 'phone', length: 40 }),
    f({ name: 'Fax', type: 'phone', length: 40, label: 'Business Fax' }),
    f({ name: 'Title', type: 'string', length: 128 }),
    f({ name: 'Department', type: 'string', length: 80 }),
    f({ name: 'AssistantName', type: 'string', length: 40 }),
    f({ name: 'AssistantPhone', type: 'phone', length: 40 }),
    f({ name: 'ReportsToId', type: 'reference', referenceTo: ['Contact'], relationshipName: 'ReportsTo' }),
    ...address('Mailing'),
    ...address('Other'),
    f({ name: 'Birthdate', type: 'date' }),
    f({ name: 'LeadSource', type: 'picklist', length: 255, picklistValues: picklist(['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']) }),
    f({ name: 'Description', type: 'textarea', length: 32000, label: 'Contact Description' }),
    f({ name: 'HasOptedOutOfEmail', type: 'boolean', label: 'Email Opt Out' }),
  ], { cdc: true });

  const lead = makeObject('Lead', '00Q', [
    ...systemFields({ owner: true }),
    f({ name: 'Salutation', type: 'picklist', length: 40, picklistValues: picklist(['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.']) }),
    f({ name: 'FirstName', type: 'string', length: 40 }),
    f({ name: 'LastName', type: 'string', length: 80, required: true }),
    ro({ name: 'Name', type: 'string', length: 121, label: 'Full Name', nillable: false }),
    f({ name: 'Company', type: 'string', length: 255, required: true }),
    f({ name: 'Email', type: 'email', length: 80 }),
    f({ name: 'Phone', type: 'phone', length: 40 }),
    f({ name: 'MobilePhone', type: 'phone', length: 40 }),
    f({ name: 'Title', type: 'string', length: 128 }),
    ...address(''),
    f({ name: 'Status', type: 'picklist', length: 255, nillable: false, defaultValue: 'Open - Not Contacted', picklistValues: picklist(['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'], 'Open - Not Contacted') }),
    f({ name: 'LeadSource', type: 'picklist', length: 255, picklistValues: picklist(['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']) }),
    f({ name: 'Description', type: 'textarea', length: 32000 }),
    ro({ name: 'IsConverted', type: 'boolean', label: 'Converted' }),
  ], { cdc: true });

  const task = makeObject('Task', '00T', [
    ...systemFields({ owner: true }),
    f({ name: 'Subject', type: 'combobox', length: 255 }),
    f({ name: 'ActivityDate', type: 'date', label: 'Due Date Only' }),
    f({ name: 'Status', type: 'picklist', length: 40, nillable: false, defaultValue: 'Not Started', picklistValues: picklist(['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'], 'Not Started') }),
    f({ name: 'Priority', type: 'picklist', length: 40, nillable: false, defaultValue: 'Normal', picklistValues: picklist(['High', 'Normal', 'Low'], 'Normal') }),
    ro({ name: 'IsHighPriority', type: 'boolean', label: 'High Priority' }),
    who(),
    what(),
    f({ name: 'Description', type: 'textarea', length: 32000, label: 'Comments' }),
    ro({ name: 'IsClosed', type: 'boolean', label: 'Closed' }),
    f({ name: 'TaskSubtype', type: 'picklist', length: 40, updateable: false, picklistValues: picklist(['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn']) }),
    f({ name: 'Type', type: 'picklist', length: 40, picklistValues: picklist(['Call', 'Email', 'Meeting', 'Other']) }),
    f({ name: 'IsReminderSet', type: 'boolean', label: 'Reminder Set' }),
    f({ name: 'ReminderDateTime', type: 'datetime' }),
    f({ name: 'CompletedDateTime', type: 'datetime', readOnly: true }),
    ...activityRecurrence(),
    f({ name: 'RecurrenceRegeneratedType', type: 'picklist', length: 40, picklistValues: picklist(['RecurrenceRegenerateAfterDueDate', 'RecurrenceRegenerateAfterToday', 'RecurrenceRegenerated']) }),
  ], { cdc: true });

  const event = makeObject('Event', '00U', [
    ...systemFields({ owner: true }),
    f({ name: 'Subject', type: 'combobox', length: 255 }),
    f({ name: 'Location', type: 'string', length: 255 }),
    f({ name: 'StartDateTime', type: 'datetime' }),
    f({ name: 'EndDateTime', type: 'datetime' }),
    f({ name: 'ActivityDateTime', type: 'datetime', label: 'Due Date Time' }),
    f({ name: 'ActivityDate', type: 'date', label: 'Due Date Only' }),
    f({ name: 'EndDate', type: 'date', readOnly: true }),
    f({ name: 'DurationInMinutes', type: 'int', label: 'Duration', precision: 8 }),
    f({ name: 'IsAllDayEvent', type: 'boolean', label: 'All-Day Event' }),
    f({ name: 'IsPrivate', type: 'boolean', label: 'Private' }),
    f({ name: 'ShowAs', type: 'picklist', length: 40, defaultValue: 'Busy', picklistValues: picklist(['Busy', 'OutOfOffice', 'Free'], 'Busy'), restrictedPicklist: true }),
    who(),
    what(),
    f({ name: 'Description', type: 'textarea', length: 32000 }),
    f({ name: 'IsReminderSet', type: 'boolean', label: 'Reminder Set' }),
    f({ name: 'ReminderDateTime', type: 'datetime' }),
    f({ name: 'EventSubtype', type: 'picklist', length: 40, updateable: false, defaultValue: 'Event', picklistValues: picklist(['Event'], 'Event') }),
    f({ name: 'Type', type: 'picklist', length: 40, picklistValues: picklist(['Call', 'Email', 'Meeting', 'Other']) }),
    ro({ name: 'IsChild', type: 'boolean' }),
    ro({ name: 'IsGroupEvent', type: 'boolean' }),
    ro({ name: 'GroupEventType', type: 'picklist', length: 40 }),
    ...activityRecurrence(),
    f({ name: 'RecurrenceStartDateTime', type: 'datetime' }),
    // Recurrence 2.0: the series as an RFC 5545 RRULE on the series record (GroupEventType 3);
    // the series and its occurrence rows share ActivityRecurrence2Id (org.ts expands DAILY,
    // WEEKLY with BYDAY and MONTHLY by BYMONTHDAY, with INTERVAL, COUNT or UNTIL)
    f({ name: 'Recurrence2PatternText', type: 'textarea', length: 4000 }),
    ro({ name: 'ActivityRecurrence2Id', type: 'reference', length: 18 }),
  ], { cdc: true });

  const eventRelation = makeObject('EventRelation', '0RE', [
    ...systemFields(),
    f({ name: 'EventId', type: 'reference', referenceTo: ['Event'], relationshipName: 'Event', required: true, updateable: false }),
    f({ name: 'RelationId', type: 'reference', referenceTo: ['Contact', 'Lead', 'User', 'Account'], relationshipName: 'Relation', required: true, updateable: false }),
    f({ name: 'IsInvitee', type: 'boolean' }),
    f({ name: 'IsWhat', type: 'boolean', updateable: false }),
    f({ name: 'IsParent', type: 'boolean' }),
    f({ name: 'Status', type: 'picklist', length: 40, defaultValue: 'New', picklistValues: picklist(['New', 'Declined', 'Accepted', 'Uninvited', 'Maybe'], 'New') }),
    f({ name: 'Response', type: 'string', length: 255 }),
    f({ name: 'RespondedDate', type: 'datetime' }),
  ]);

  const taskRelation = makeObject('TaskRelation', '0RT', [
    ...systemFields(),
    f({ name: 'TaskId', type: 'reference', referenceTo: ['Task'], relationshipName: 'Task', required: true, updateable: false }),
    f({ name: 'RelationId', type: 'reference', referenceTo: ['Contact', 'Lead', 'Account'], relationshipName: 'Relation', required: true, updateable: false }),
    f({ name: 'IsWhat', type: 'boolean', updateable: false }),
  ]);

  const contentVersion = makeObject('ContentVersion', '068', [
    ...systemFields({ owner: true }),
    f({ name: 'Title', type: 'string', length: 255, required: true }),
    f({ name: 'PathOnClient', type: 'string', length: 500, required: true, updateable: false }),
    f({ name: 'VersionData', type: 'base64', length: 0, required: true, updateable: false }),
    f({ name: 'Description', type: 'textarea', length: 1000 }),
    ro({ name: 'ContentDocumentId', type: 'reference', referenceTo: ['ContentDocument'], relationshipName: 'ContentDocument' }),
    f({ name: 'FirstPublishLocationId', type: 'reference', referenceTo: ['Account', 'Contact', 'Lead', 'Task', 'Event', 'User'], relationshipName: 'FirstPublishLocation', updateable: false }),
    ro({ name: 'ContentSize', type: 'int' }),
    ro({ name: 'FileExtension', type: 'string', length: 40 }),
    ro({ name: 'FileType', type: 'string', length: 20 }),
    ro({ name: 'IsLatest', type: 'boolean' }),
    ro({ name: 'VersionNumber', type: 'string', length: 20 }),
    ro({ name: 'Checksum', type: 'string', length: 50 }),
  ]);

  const contentDocument = makeObject('ContentDocument', '069', [
    ...systemFields({ owner: true }),
    f({ name: 'Title', type: 'string', length: 255, required: true }),
    ro({ name: 'LatestPublishedVersionId', type: 'reference', referenceTo: ['ContentVersion'], relationshipName: 'LatestPublishedVersion' }),
    ro({ name: 'ContentSize', type: 'int' }),
    ro({ name: 'FileExtension', type: 'string', length: 40 }),
    ro({ name: 'FileType', type: 'string', length: 20 }),
  ], { createable: false });

  const contentDocumentLink = makeObject('ContentDocumentLink', '06A', [
    ...systemFields(),
    f({ name: 'ContentDocumentId', type: 'reference', referenceTo: ['ContentDocument'], relationshipName: 'ContentDocument', required: true, updateable: false }),
    f({ name: 'LinkedEntityId', type: 'reference', referenceTo: ['Account', 'Contact', 'Lead', 'Task', 'Event', 'User'], relationshipName: 'LinkedEntity', required: true, updateable: false }),
    f({ name: 'ShareType', type: 'picklist', length: 40, defaultValue: 'V', picklistValues: picklist(['V', 'C', 'I'], 'V') }),
    f({ name: 'Visibility', type: 'picklist', length: 40, defaultValue: 'AllUsers', picklistValues: picklist(['AllUsers', 'InternalUsers', 'SharedUsers'], 'AllUsers') }),
  ], { updateable: false });

  const attachment = makeObject('Attachment', '00P', [
    ...systemFields({ owner: true }),
    f({ name: 'ParentId', type: 'reference', referenceTo: ['Account', 'Contact', 'Lead', 'Task', 'Event'], relationshipName: 'Parent', required: true, updateable: false }),
    f({ name: 'Name', type: 'string', length: 255, required: true, label: 'File Name' }),
    f({ name: 'Body', type: 'base64', length: 0, required: true }),
    f({ name: 'ContentType', type: 'string', length: 120 }),
    ro({ name: 'BodyLength', type: 'int' }),
    f({ name: 'IsPrivate', type: 'boolean' }),
    f({ name: 'Description', type: 'textarea', length: 500 }),
  ]);

  const pushTopic = makeObject('PushTopic', '0IF', [
    ...systemFields(),
    f({ name: 'Name', type: 'string', length: 25, required: true, unique: true }),
    f({ name: 'Query', type: 'string', length: 1300, required: true }),
    f({ name: 'ApiVersion', type: 'double', required: true, precision: 18, scale: 1 }),
    f({ name: 'IsActive', type: 'boolean', defaultValue: true }),
    f({ name: 'NotifyForFields', type: 'picklist', length: 40, defaultValue: 'Referenced', picklistValues: picklist(['All', 'Referenced', 'Select', 'Where'], 'Referenced'), restrictedPicklist: true }),
    f({ name: 'NotifyForOperationCreate', type: 'boolean', defaultValue: true }),
    f({ name: 'NotifyForOperationUpdate', type: 'boolean', defaultValue: true }),
    f({ name: 'NotifyForOperationDelete', type: 'boolean', defaultValue: true }),
    f({ name: 'NotifyForOperationUndelete', type: 'boolean', defaultValue: true }),
    f({ name: 'Description', type: 'string', length: 400 }),
  ]);

  // A connected app's OAuth grant to a user (API 32.0+). Supported calls are describe and query
  // only: the platform writes these when a user authorises an app, so over REST the object is
  // read-only and tests seed it with emu.admin.insert. No LastModifiedDate / SystemModstamp.
  const oauthToken = makeObject('OauthToken', '0CJ', [
    ro({ name: 'Id', type: 'id', label: 'OAuth Token ID', nillable: false }),
    ro({ name: 'AccessToken', type: 'string', length: 255 }),
    ro({ name: 'AppMenuItemId', type: 'reference', referenceTo: ['AppMenuItem'], relationshipName: 'AppMenuItem', label: 'AppMenuItem ID' }),
    ro({ name: 'AppName', type: 'string', length: 255, label: 'Application Name' }),
    ro({ name: 'CreatedDate', type: 'datetime', nillable: false }),
    ro({ name: 'DeleteToken', type: 'string', length: 255 }),
    ro({ name: 'LastUsedDate', type: 'datetime' }),
    ro({ name: 'RequestToken', type: 'string', length: 255 }),
    ro({ name: 'UseCount', type: 'int', precision: 9 }),
    ro({ name: 'UserId', type: 'reference', referenceTo: ['User'], relationshipName: 'User', label: 'User ID' }),
  ], { label: 'OAuth Token', createable: false, updateable: false, deletable: false });

  return [user, organization, account, contact, lead, task, event, eventRelation, taskRelation,
    contentVersion, contentDocument, contentDocumentLink, attachment, pushTopic, oauthToken];
}
