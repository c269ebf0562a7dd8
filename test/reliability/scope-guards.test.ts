// Fast subset of the reliability family "scope guards" (see ./scope-guards.ts).
import { fastFamilyTest } from './fast-check.ts';

fastFamilyTest('scope guards');
