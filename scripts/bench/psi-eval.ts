/**
 * PSI cardinality, evaluation only: two parties with 2^20 string items each (half of them shared), already
 * decrypted and validated, in the packed form parties send (protocol/set-items). Times the library's `psi` function (median of several runs) against the naive
 * `new Set` intersection in the same run, and reports the process's peak RSS after our runs (before the peer's).
 */

import { evaluateParsed } from '../../enclave/functions/evaluate.js';
import { psiFunction } from '../../enclave/functions/index.js';
import { packSetItems, parsePackedSetItems } from '../../protocol/set-items/index.js';
import { median } from './measure.js';

const ITEMS_PER_PARTY = 1 << 20;
const RUNS = 5;

/**
 * Items as a decoder hands them over: flat strings cut from one buffer, e.g. `user-3f9c…@example.org`.
 * Party A holds ids [0, n), party B ids [n/2, 3n/2): exactly n/2 shared.
 */
function partyItems(firstId: number, count: number): string[] {
  const width = 33;
  const text = Buffer.alloc(width * count);
  for (let i = 0; i < count; i++) {
    const id = firstId + i;
    const mixed = (Math.imul(id, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');
    text.write(`user-${mixed}${id.toString(16).padStart(8, '0')}@example.org`, i * width, 'latin1');
  }
  const items = new Array<string>(count);
  for (let i = 0; i < count; i++) items[i] = text.toString('latin1', i * width, (i + 1) * width);
  return items;
}

/** The peer: a native Set of one list, each distinct match removed as it is found. */
function naiveCardinality(a: readonly string[], b: readonly string[]): number {
  const set = new Set(a);
  let count = 0;
  for (const item of b) if (set.delete(item)) count++;
  return count;
}

/** Median wall seconds and median CPU seconds (this thread's process) over RUNS runs. */
async function timeRuns(run: () => unknown): Promise<{ seconds: number; cpuSeconds: number }> {
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await run();
    seconds.push((performance.now() - start) / 1000);
    const used = process.cpuUsage(cpu);
    cpuSeconds.push((used.user + used.system) / 1e6);
  }
  return { seconds: median(seconds), cpuSeconds: median(cpuSeconds) };
}

export async function benchPsiEvaluation(): Promise<{
  itemsPerParty: number;
  evaluationSeconds: number;
  evaluationCpuSeconds: number;
  peakRssMiB: number;
  naiveSetSeconds: number;
  ratioVsNaive: number;
}> {
  const a = partyItems(0, ITEMS_PER_PARTY);
  const b = partyItems(ITEMS_PER_PARTY / 2, ITEMS_PER_PARTY);
  // As the session stores them: packed by the party, checked by the input schema's validator.
  const validated = (items: string[]) => {
    const checked = parsePackedSetItems(packSetItems(items));
    if (!checked.ok) throw new Error(checked.problem);
    return checked.value;
  };
  const inputs = new Map([
    ['party-a', validated(a)],
    ['party-b', validated(b)],
  ]);
  const expected = ITEMS_PER_PARTY / 2;
  const params = { itemKind: 'string' as const, reveal: 'cardinality' as const };

  const evaluate = async () => {
    const { cardinality } = await evaluateParsed(psiFunction, params, inputs);
    if (cardinality !== expected) throw new Error(`psi cardinality ${cardinality}, expected ${expected}`);
  };
  const { seconds: evaluationSeconds, cpuSeconds: evaluationCpuSeconds } = await timeRuns(evaluate);
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;

  const { seconds: naiveSetSeconds } = await timeRuns(() => {
    const cardinality = naiveCardinality(a, b);
    if (cardinality !== expected) throw new Error(`naive cardinality ${cardinality}, expected ${expected}`);
  });

  return {
    itemsPerParty: ITEMS_PER_PARTY,
    evaluationSeconds: Math.round(evaluationSeconds * 1000) / 1000,
    // One thread evaluates; the CPU figure also counts the garbage collector's helper threads.
    evaluationCpuSeconds: Math.round(evaluationCpuSeconds * 1000) / 1000,
    peakRssMiB: Math.round(peakRssMiB),
    naiveSetSeconds: Math.round(naiveSetSeconds * 1000) / 1000,
    ratioVsNaive: Math.round((naiveSetSeconds / evaluationSeconds) * 100) / 100,
  };
}
