/** Runs a fuzz target as a vitest test: fast-check drives it, a finding fails the test with the shrunk input. */
import fc from 'fast-check';
import { it } from 'vitest';
import { fuzzInput } from './mutate.js';
import type { FuzzTarget } from './target.js';

export function fuzzes(target: FuzzTarget, numRuns: number): void {
  it(`${target.name}: ${target.parser} returns a valid value or refuses with its codes`, async () => {
    const seeds = await target.seeds();
    await fc.assert(
      fc.asyncProperty(fuzzInput(seeds), async (bytes) => {
        await target.run(bytes);
      }),
      { numRuns },
    );
  });
}
