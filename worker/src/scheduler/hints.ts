// What a hint says changed. A source `<origin>:<kind>` (origin `salesforce` or `graph`) names the
// kind whose change it reports; `graph:<kind>:mailbox` came from a whole-mailbox subscription,
// which also sees items given the category outside our containers (found only by the category
// read). A run whose hints all name kinds syncs only those kinds (an incremental run); a source
// that names none ('salesforce', 'graph-lifecycle', Sync now, older rows) asks for a full run.
import type { Kind } from '../core/types.ts';

export type HintOrigin = 'salesforce' | 'graph';

const KINDS: readonly Kind[] = ['contact', 'event', 'task', 'email'];

export function hintSource(origin: HintOrigin, kind: Kind, wholeMailbox = false): string {
  return `${origin}:${kind}${wholeMailbox ? ':mailbox' : ''}`;
}

export interface HintScope {
  /** Kinds to sync. */
  kinds: Set<Kind>;
  /** Kinds whose change may sit outside our containers: their category read runs too. */
  wholeMailbox: Set<Kind>;
}

/** The kinds named by every one of these hint sources, or undefined when any names none. */
export function hintScope(sources: readonly string[]): HintScope | undefined {
  if (sources.length === 0) return undefined;
  const scope: HintScope = { kinds: new Set(), wholeMailbox: new Set() };
  for (const source of sources) {
    const [origin, kind, extent, ...rest] = source.split(':');
    if ((origin !== 'salesforce' && origin !== 'graph') || !KINDS.includes(kind as Kind) || rest.length > 0) return undefined;
    if (extent !== undefined && extent !== 'mailbox') return undefined;
    scope.kinds.add(kind as Kind);
    if (extent === 'mailbox') scope.wholeMailbox.add(kind as Kind);
  }
  return scope;
}

const resourcePath = (resource: string): string => resource.replace(/^\/?(v1\.0\/)?/i, '').replace(/\/+$/, '');

/** The kind of item a Graph subscription on `resource` watches. */
export function graphKindOf(resource: string): Kind {
  const path = resourcePath(resource);
  if (/\/tasks$/i.test(path)) return 'task';
  if (/\/messages$/i.test(path)) return 'email';
  if (/\/contacts$/i.test(path)) return 'contact';
  return 'event';
}

/** The hint source of a notification from the Graph subscription on `resource`. */
export function graphHintSource(resource: string): string {
  const kind = graphKindOf(resource);
  return hintSource('graph', kind, kind === 'contact' && /^users\/[^/]+\/contacts$/i.test(resourcePath(resource)));
}
