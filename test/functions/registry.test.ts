import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineFunction,
  FunctionError,
  getFunction,
  listFunctions,
  meanFunction,
  measureFunction,
  resolveFunction,
  sumFunction,
} from '../../enclave/functions/index.js';
import { codeOf, run } from './support.js';

const REQUIRED = [
  'sum',
  'mean',
  'median',
  'min',
  'max',
  'count',
  'histogram',
  'quantiles',
  'equality',
  'auction-first-price',
  'auction-second-price',
  'vote-tally',
  'psi',
  'set-overlap',
  'sha256-concat',
  'shamir-sign',
  'shamir-encrypt',
  'ols',
];

function doubler(offset: number) {
  return defineFunction({
    id: 'doubler',
    version: '1.0.0',
    summary: 'test function',
    parameters: z.strictObject({}),
    input: z.number(),
    output: z.number(),
    parties: { min: 1, max: 2 },
    evaluate:
      offset === 0
        ? (_p, inputs) => [...inputs.values()][0] ?? 0
        : (_p, inputs) => ([...inputs.values()][0] ?? 0) + 1,
  });
}

describe('function registry', () => {
  it('lists every required function with a hex measurement', () => {
    const listed = listFunctions();
    expect(listed.map((f) => f.id).sort()).toEqual([...REQUIRED].sort());
    for (const f of listed) expect(f.measurement).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(listed.map((f) => f.measurement)).size).toBe(listed.length);
  });

  it('gets by id and version, refusing unknown ones with FUNCTION_UNKNOWN', () => {
    expect(getFunction('mean', '1.0.0')).toBe(meanFunction);
    expect(() => getFunction('mean', '2.0.0')).toThrowError(
      expect.objectContaining({ code: 'FUNCTION_UNKNOWN' }),
    );
    expect(() => getFunction('nope', '1.0.0')).toThrowError(FunctionError);
  });

  it('resolves a pinned measurement and refuses a different one', () => {
    expect(resolveFunction({ id: 'sum', version: '1.0.0', measurement: sumFunction.measurement })).toBe(
      sumFunction,
    );
    expect(() =>
      resolveFunction({ id: 'sum', version: '1.0.0', measurement: meanFunction.measurement }),
    ).toThrowError(expect.objectContaining({ code: 'FUNCTION_MEASUREMENT_MISMATCH' }));
  });
});

describe('measurement', () => {
  it('is stable across calls and definitions', () => {
    expect(measureFunction(sumFunction)).toBe(sumFunction.measurement);
    expect(doubler(0).measurement).toBe(doubler(0).measurement);
  });

  it('changes when the implementation, a helper, a schema limit or the version changes', () => {
    const base = doubler(0);
    expect(doubler(1).measurement).not.toBe(base.measurement);
    expect(measureFunction({ ...base, helpers: [Math.max] })).not.toBe(base.measurement);
    expect(measureFunction({ ...base, input: z.number().max(10) })).not.toBe(base.measurement);
    expect(measureFunction({ ...base, version: '1.0.1' })).not.toBe(base.measurement);
    expect(measureFunction({ ...base, parties: { min: 1, max: 3 } })).not.toBe(base.measurement);
  });

  it('refuses malformed definitions', () => {
    expect(() => defineFunction({ ...doubler(0), id: 'Bad_Id' })).toThrow();
    expect(() => defineFunction({ ...doubler(0), version: '1.0' })).toThrow();
  });
});

describe('edge checks', () => {
  it('refuses too many parties and malformed inputs without quoting them', async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`p${i}`, 1]));
    expect(await codeOf(run(doubler(0), {}, tooMany))).toBe('FUNCTION_PARTIES_INVALID');
    try {
      await run(sumFunction, {}, { alice: 'secret-value-123' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FunctionError);
      expect(JSON.stringify(error)).not.toContain('secret-value-123');
      expect((error as FunctionError).details).toMatchObject({ partyId: 'alice' });
    }
  });

  it('turns an implementation crash into FUNCTION_EVALUATION_FAILED', async () => {
    const broken = defineFunction({
      ...doubler(0),
      id: 'broken',
      evaluate: () => {
        throw new Error('bug');
      },
    });
    expect(await codeOf(run(broken, {}, { a: 1 }))).toBe('FUNCTION_EVALUATION_FAILED');
    const wrongOutput = defineFunction({ ...doubler(0), id: 'wrong', evaluate: () => Number.NaN });
    expect(await codeOf(run(wrongOutput, {}, { a: 1 }))).toBe('FUNCTION_EVALUATION_FAILED');
  });
});
