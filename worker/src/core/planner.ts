// The planner: (links, changes, candidates, settings) → actions. Pure.
import type { Action, PlanInput } from './types.ts';

export function plan(input: PlanInput): Action[] {
  void input;
  return [];
}
