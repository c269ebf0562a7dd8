// The scorecard's families in print order. Each runs its fast subset by default and every
// case with { full: true }; the seed picks and orders the sampled cases.
import { badInput } from './bad-input.ts';
import { crashPoints } from './crash-points.ts';
import { deliveryFaults } from './delivery-faults.ts';
import { httpFaults } from './http-faults.ts';
import { scaleAndSharing, sigkill } from './processes.ts';
import type { Family } from './scorecard.ts';
import { scopeGuards } from './scope-guards.ts';
import { secrets } from './secrets.ts';

/** `fast`: its fast subset also runs inside npm test (<family>.test.ts beside it). */
export const FAMILIES: ReadonlyArray<{ name: string; run: Family; fast: boolean }> = [
  { name: 'crash points', run: crashPoints, fast: true },
  { name: 'crash points: SIGKILL on PostgreSQL', run: sigkill, fast: false },
  { name: 'delivery faults', run: deliveryFaults, fast: true },
  { name: 'HTTP faults', run: httpFaults, fast: true },
  { name: 'scale and sharing', run: scaleAndSharing, fast: false },
  { name: 'scope guards', run: scopeGuards, fast: true },
  { name: 'bad input', run: badInput, fast: true },
  { name: 'secrets', run: secrets, fast: true },
];
