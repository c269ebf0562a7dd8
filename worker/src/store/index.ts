// Public surface of the store: openStore(url, options) and the Store types.
export { openStore, StoreUrlError } from './store.ts';
export { hashClientState, SYNC_NOW_SOURCE } from './ops.ts';
export { CipherKeyError } from './cipher.ts';
export type * from './types.ts';
export { linkStoreOf } from './link-store.ts';
