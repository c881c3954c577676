/**
 * Runs one fuzz target for a number of runs or seconds under fast-check, collecting findings instead of stopping
 * at the first, and the slowest input (a parser that takes seconds on some input is a denial of service).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fuzzInput } from '../../test/fuzz/support/mutate.js';
import { FuzzFinding, type FuzzTarget } from '../../test/fuzz/support/target.js';

export interface FuzzRunOptions {
  readonly seconds: number;
  readonly runs: number | undefined;
  readonly seed: number;
  /** A single input slower than this is a finding. */
  readonly slowMs: number;
  /** Where inputs that found something are written (one file per distinct finding). */
  readonly outDir: string;
}

export interface FuzzReport {
  readonly target: string;
  readonly parser: string;
  readonly seed: number;
  readonly seeds: number;
  readonly runs: number;
  readonly seconds: number;
  readonly slowestMs: number;
  readonly findings: number;
  readonly distinct: readonly {
    readonly signature: string;
    readonly count: number;
    readonly input: string;
  }[];
}

export async function runTarget(target: FuzzTarget, options: FuzzRunOptions): Promise<FuzzReport> {
  const seeds = await target.seeds();
  const distinct = new Map<string, { count: number; input: string }>();
  let findings = 0;
  let slowestMs = 0;
  let runs = 0;
  const note = (signature: string, bytes: Uint8Array): void => {
    findings += 1;
    const known = distinct.get(signature);
    if (known) {
      known.count += 1;
      return;
    }
    mkdirSync(options.outDir, { recursive: true });
    const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    const input = join(options.outDir, `${target.name}-${digest}.bin`);
    writeFileSync(input, bytes);
    distinct.set(signature, { count: 1, input });
  };
  const started = performance.now();
  await fc.check(
    fc.asyncProperty(fuzzInput(seeds), async (bytes) => {
      runs += 1;
      const t0 = performance.now();
      try {
        await target.run(bytes);
      } catch (error) {
        note(error instanceof FuzzFinding ? error.signature : `harness: ${String(error)}`, bytes);
      }
      const ms = performance.now() - t0;
      slowestMs = Math.max(slowestMs, ms);
      if (ms > options.slowMs) note(`${target.name}: an input took more than ${options.slowMs} ms`, bytes);
      return true;
    }),
    {
      numRuns: options.runs ?? Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: options.seconds * 1000,
      seed: options.seed,
    },
  );
  return {
    target: target.name,
    parser: target.parser,
    seed: options.seed,
    seeds: seeds.length,
    runs,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    slowestMs: Math.round(slowestMs * 10) / 10,
    findings,
    distinct: [...distinct].map(([signature, { count, input }]) => ({ signature, count, input })),
  };
}
