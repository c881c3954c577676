import type { z } from 'zod';
import { evaluateFunction, FunctionError, type MpcFunction } from '../../enclave/functions/index.js';

/** Evaluates through the public edge (schemas, party limits, output check). */
export function run<Params extends z.ZodType, Input extends z.ZodType, Output extends z.ZodType>(
  fn: MpcFunction<Params, Input, Output>,
  params: unknown,
  inputs: Record<string, unknown>,
): Promise<z.output<Output>> {
  return evaluateFunction(fn, params, new Map(Object.entries(inputs)));
}

/** The FunctionError code a promise rejects with; anything else fails the test. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FunctionError) return error.code;
    throw error;
  }
  throw new Error('expected a FunctionError');
}
