// Fast subset of the reliability family "bad input" (see ./bad-input.ts).
import { fastFamilyTest } from './fast-check.ts';

fastFamilyTest('bad input');
