import type { PartyId, PartyInputs } from '../types.js';

/** UTF-16 code-unit order, the order `Array.prototype.sort` uses for strings, independent of locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Inputs in party-id order: Map order is arrival order, which must never change a result. */
export function partiesInOrder<Input>(inputs: PartyInputs<Input>): [PartyId, Input][] {
  return [...inputs].sort(([a], [b]) => compareCodeUnits(a, b));
}
