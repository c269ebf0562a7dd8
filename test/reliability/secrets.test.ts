// Fast subset of the reliability family "secrets" (see ./secrets.ts).
import { fastFamilyTest } from './fast-check.ts';

fastFamilyTest('secrets');
