// Fast subset of the reliability family "crash points" (see ./crash-points.ts).
import { fastFamilyTest } from './fast-check.ts';

fastFamilyTest('crash points');
