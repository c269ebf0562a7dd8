// Child of email-memory-probe.ts: both emulators in their own process, so the parent's memory
// is the worker's alone. Delivers the messages the parent asks for into the folder it names.
import { randomBytes } from 'node:crypto';
import { startGraphEmulator } from '../../emulators/graph/index.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';

const sf = await startSalesforceEmulator({ port: 0 });
const graph = await startGraphEmulator({ seed: 'none', port: 0 });
const user = sf.users[0]!;
graph.admin.addMailbox({ address: user.email, displayName: user.name });
process.on('message', (msg: { folderId: string; mb: number; n: number }) => {
  for (let i = 0; i < msg.n; i++) {
    const attachments = msg.mb > 0 ? [{ name: `f${i}.bin`, bytes: randomBytes(msg.mb * 1024 * 1024) }] : [];
    graph.admin.deliverMessage(user.email, { subject: `m${i}`, hasAttachments: msg.mb > 0, attachments }, msg.folderId);
  }
  process.send?.({ delivered: msg.n });
});
process.on('disconnect', () => {
  void Promise.all([sf.close(), graph.close()]).then(() => process.exit(0));
});
process.send?.({
  sf: { loginUrl: sf.loginUrl, credentials: sf.credentials, userId: user.id, email: user.email },
  graph: { baseUrl: graph.baseUrl, tokenUrl: graph.tokenUrl, tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, caCert: graph.caCert.toString() },
});
