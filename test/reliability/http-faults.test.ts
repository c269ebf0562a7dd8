// Fast subset of the reliability family "HTTP faults" (see ./http-faults.ts).
import { fastFamilyTest } from './fast-check.ts';

fastFamilyTest('HTTP faults');
