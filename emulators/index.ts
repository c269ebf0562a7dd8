// Both local emulators, for tests, benchmarks, the demo and the sandbox.
export {
  startSalesforceEmulator, DEFAULT_SCHEMA_DIR, type SalesforceEmulator, type SalesforceEmulatorOptions,
  type EmulatorUser, type Admin as SalesforceAdmin, type CounterSnapshot,
} from './salesforce/index.ts';
export { startGraphEmulator, type GraphEmulator, type GraphEmulatorOptions, type Admin as GraphAdmin } from './graph/index.ts';
