// Gathers calls issued close together into groups, so one API call serves many callers.
// Contract:
// - submit(input) resolves with that input's own outcome (or rejects with its own error);
//   a group that fails as a whole rejects every caller in it.
// - A group holds at most maxBatch inputs and never two inputs with the same key (a
//   Salesforce collection call refuses a duplicate id or external id); a duplicate waits for
//   the next group, so calls on one record keep their order. `admit` can refuse more (a
//   composite request holds at most 5 queries); a refused input waits for the next group.
// - A group goes out on the next macrotask (setImmediate: every caller released by the same
//   I/O callback has joined by then), or at once when maxBatch inputs are waiting. While
//   maxInFlight groups are out, callers keep gathering (Nagle-style): slow calls make bigger
//   groups instead of more calls.
// - A rider (submit with `ride`) sends nothing by itself: it fills room left in groups other
//   inputs send, until release(ride) lets that ride's inputs go out as any other.
export type Settled<O> = { readonly value: O } | { readonly error: unknown };

export interface CoalescerOptions<I, O> {
  readonly maxBatch: number;
  readonly maxInFlight?: number;
  readonly keyOf?: (input: I) => string;
  /** Whether `input` may join `group` (beyond maxBatch and keys); one it refuses waits for the next group. */
  readonly admit?: (group: readonly I[], input: I) => boolean;
  /** Runs one group; returns one settled outcome per input, in order. */
  readonly run: (inputs: readonly I[]) => Promise<readonly Settled<O>[]>;
}

export interface Coalescer<I, O> {
  /** `ride`: wait for room in groups other inputs send, until release(ride). */
  submit(input: I, ride?: object): Promise<O>;
  /** This ride's waiting inputs go out now, and later ones of it as any other input. */
  release(ride: object): void;
}

interface Entry<I, O> {
  readonly input: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

export function createCoalescer<I, O>(options: CoalescerOptions<I, O>): Coalescer<I, O> {
  const maxInFlight = options.maxInFlight ?? 1;
  let queue: Entry<I, O>[] = [];
  let riders: (Entry<I, O> & { readonly ride: object })[] = [];
  const released = new WeakSet<object>();
  let inFlight = 0;
  let scheduled = false;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      while (queue.length > 0 && inFlight < maxInFlight) send();
    });
  }

  /** Take the next group off the queue (distinct keys, at most maxBatch) and run it. */
  function send(): void {
    const group: Entry<I, O>[] = [];
    const keys = new Set<string>();
    /** Adds the entries that fit to the group (distinct keys, admitted, at most maxBatch); returns the others. */
    const fill = <E extends Entry<I, O>>(entries: readonly E[]): E[] => {
      const left: E[] = [];
      for (const entry of entries) {
        const key = options.keyOf?.(entry.input);
        const refused = group.length > 0 && options.admit !== undefined && !options.admit(group.map((e) => e.input), entry.input);
        if (group.length >= options.maxBatch || (key !== undefined && keys.has(key)) || refused) {
          left.push(entry);
          continue;
        }
        if (key !== undefined) keys.add(key);
        group.push(entry);
      }
      return left;
    };
    queue = fill(queue);
    // riders fill what room the group has left (in the order they came)
    if (group.length > 0 && riders.length > 0) riders = fill(riders);
    inFlight += 1;
    options
      .run(group.map((e) => e.input))
      .then(
        (outcomes) =>
          group.forEach((e, i) => {
            const outcome = outcomes[i];
            if (outcome === undefined) e.reject(new Error('coalesced call returned no outcome for an input'));
            else if ('error' in outcome) e.reject(outcome.error);
            else e.resolve(outcome.value);
          }),
        (error: unknown) => group.forEach((e) => e.reject(error)),
      )
      .finally(() => {
        inFlight -= 1;
        if (queue.length > 0) schedule();
      });
  }

  return {
    release(ride: object): void {
      released.add(ride);
      const mine = riders.filter((e) => e.ride === ride);
      if (mine.length === 0) return;
      riders = riders.filter((e) => e.ride !== ride);
      queue.push(...mine);
      if (queue.length >= options.maxBatch) send();
      else schedule();
    },
    submit(input: I, ride?: object): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        if (ride !== undefined && !released.has(ride)) {
          riders.push({ input, resolve, reject, ride });
          return;
        }
        queue.push({ input, resolve, reject });
        // a full group is never wasteful: send it without waiting for the others
        if (queue.length >= options.maxBatch) send();
        else schedule();
      });
    },
  };
}
