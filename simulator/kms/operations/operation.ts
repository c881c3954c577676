import type { z } from 'zod';
import { validationError } from '../validation.js';
import type { OperationContext } from './context.js';

/** One KMS API operation: its request schema (validated at the edge) and what it does. */
export interface KmsOperation {
  readonly name: string;
  handle(body: unknown, ctx: OperationContext): Promise<object>;
}

export function defineOperation<S extends z.ZodType>(
  name: string,
  input: S,
  run: (input: z.output<S>, ctx: OperationContext) => object | Promise<object>,
): KmsOperation {
  return {
    name,
    async handle(body, ctx) {
      const parsed = input.safeParse(body);
      if (!parsed.success) throw validationError(parsed.error, body);
      return run(parsed.data, ctx);
    },
  };
}
