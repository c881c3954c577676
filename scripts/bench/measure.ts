/** Throughput measurement shared by the benchmarks. */

export interface Rate {
  readonly perSec: number;
  readonly iterations: number;
  readonly ms: number;
}

/** Runs `fn` repeatedly for about `ms` milliseconds (after a short warm-up) and returns its rate. */
export async function measureRate(fn: (i: number) => unknown, ms = 1000, warmup = 20): Promise<Rate> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const start = performance.now();
  let iterations = 0;
  let elapsed = 0;
  while (elapsed < ms) {
    for (let k = 0; k < 10; k++) await fn(iterations++);
    elapsed = performance.now() - start;
  }
  return { perSec: (iterations * 1000) / elapsed, iterations, ms: elapsed };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function emit(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
