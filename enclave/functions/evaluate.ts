import type { z } from 'zod';
import { FunctionError } from './errors.js';
import type { AnyMpcFunction, MpcFunction, PartyId, PartyInputs } from './types.js';

/** The view name that selects the whole output. */
export const FULL_VIEW = 'full';

/** Where and why a value failed its schema, without the value itself (inputs are secret). */
function describeIssues(error: z.ZodError): { path: string; code: string; message: string }[] {
  return error.issues.slice(0, 5).map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
}

export function parseParameters<Params extends z.ZodType>(
  fn: MpcFunction<Params, z.ZodType, z.ZodType>,
  params: unknown,
): z.output<Params> {
  const parsed = fn.parameters.safeParse(params);
  if (!parsed.success) {
    throw new FunctionError('FUNCTION_PARAMETERS_INVALID', `parameters do not match ${fn.id}@${fn.version}`, {
      details: { function: fn.id, issues: describeIssues(parsed.error) },
    });
  }
  return parsed.data;
}

/** Validates one party's input at the edge: call it when the input arrives, not only at evaluation. */
export function parseInput<Input extends z.ZodType>(
  fn: MpcFunction<z.ZodType, Input, z.ZodType>,
  partyId: PartyId,
  input: unknown,
): z.output<Input> {
  const parsed = fn.input.safeParse(input);
  if (!parsed.success) {
    throw new FunctionError(
      'FUNCTION_INPUT_INVALID',
      `input from ${partyId} does not match ${fn.id}@${fn.version}`,
      {
        details: { function: fn.id, partyId, issues: describeIssues(parsed.error) },
      },
    );
  }
  return parsed.data;
}

function checkPartyCount(fn: AnyMpcFunction, count: number): void {
  if (count < fn.parties.min || count > fn.parties.max) {
    throw new FunctionError(
      'FUNCTION_PARTIES_INVALID',
      `${fn.id} needs ${fn.parties.min} to ${fn.parties.max} providing parties, got ${count}`,
      { details: { function: fn.id, count, min: fn.parties.min, max: fn.parties.max } },
    );
  }
}

/**
 * Validates parameters and every input, evaluates, and checks the output against its schema. Errors thrown by the
 * implementation that are not `FunctionError`s become `FUNCTION_EVALUATION_FAILED` (the cause is kept for the
 * enclave's own diagnosis and must not be sent to parties: it may quote an input).
 */
export async function evaluateFunction<
  Params extends z.ZodType,
  Input extends z.ZodType,
  Output extends z.ZodType,
>(
  fn: MpcFunction<Params, Input, Output>,
  params: unknown,
  inputs: ReadonlyMap<PartyId, unknown>,
): Promise<z.output<Output>> {
  checkPartyCount(fn as AnyMpcFunction, inputs.size);
  const parsedParams = parseParameters(fn, params);
  const parsedInputs = new Map<PartyId, z.output<Input>>();
  for (const [partyId, input] of inputs) parsedInputs.set(partyId, parseInput(fn, partyId, input));
  return evaluateParsed(fn, parsedParams, parsedInputs);
}

/** Evaluates inputs that `parseInput` already accepted (the session validates each input when it arrives). */
export async function evaluateParsed<
  Params extends z.ZodType,
  Input extends z.ZodType,
  Output extends z.ZodType,
>(
  fn: MpcFunction<Params, Input, Output>,
  params: z.output<Params>,
  inputs: PartyInputs<z.output<Input>>,
): Promise<z.output<Output>> {
  checkPartyCount(fn as AnyMpcFunction, inputs.size);
  let output: z.output<Output>;
  try {
    output = await fn.evaluate(params, inputs);
  } catch (error) {
    if (error instanceof FunctionError) throw error;
    throw new FunctionError('FUNCTION_EVALUATION_FAILED', `${fn.id}@${fn.version} failed`, { cause: error });
  }
  const checked = fn.output.safeParse(output);
  if (!checked.success) {
    throw new FunctionError(
      'FUNCTION_EVALUATION_FAILED',
      `${fn.id}@${fn.version} produced an invalid output`,
      {
        details: { function: fn.id, issues: describeIssues(checked.error) },
      },
    );
  }
  return checked.data;
}

/** What a recipient with `view` may see of `output`: the whole output for 'full', else the named view. */
export function selectView<Output extends z.ZodType>(
  fn: MpcFunction<z.ZodType, z.ZodType, Output>,
  output: z.output<Output>,
  view: string,
): unknown {
  if (view === FULL_VIEW) return output;
  const selected = Object.hasOwn(fn.views, view) ? fn.views[view] : undefined;
  if (!selected) {
    throw new FunctionError('FUNCTION_VIEW_UNKNOWN', `${fn.id}@${fn.version} has no view '${view}'`, {
      details: { function: fn.id, view, views: [FULL_VIEW, ...Object.keys(fn.views)] },
    });
  }
  return selected.select(output);
}
