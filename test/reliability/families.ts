// The scorecard's families in print order. Each runs its fast subset by default and every
// case with { full: true }; the seed picks and orders the sampled cases.
import { badInput } from './bad-input.ts';
import { crashPoints } from './crash-points.ts';
import { deliveryFaults } from './delivery-faults.ts';
import { httpFaults } from './http-faults.ts';
import type { Family } from './scorecard.ts';
import { scopeGuards } from './scope-guards.ts';
import { secrets } from './secrets.ts';

export const FAMILIES: ReadonlyArray<{ name: string; run: Family }> = [
  { name: 'crash points', run: crashPoints },
  { name: 'delivery faults', run: deliveryFaults },
  { name: 'HTTP faults', run: httpFaults },
  { name: 'scope guards', run: scopeGuards },
  { name: 'bad input', run: badInput },
  { name: 'secrets', run: secrets },
];
