// Fast subset of the reliability family "delivery faults" (see ./delivery-faults.ts).
import { fastFamilyTest } from './fast-check.ts';

fastFamilyTest('delivery faults');
