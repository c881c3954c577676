import type { z } from 'zod';

/** A party's identifier as the manifest names it. */
export type PartyId = string;

/** Each providing party's decrypted, schema-validated input. Map order carries no meaning. */
export type PartyInputs<Input> = ReadonlyMap<PartyId, Input>;

/** Code whose source text is part of a function's measurement: helper functions and classes. */
export type MeasuredCode = ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown);

/** A named partial view of an output, e.g. only the cardinality of a set intersection. */
export interface OutputView<Output> {
  readonly summary: string;
  select(output: Output): unknown;
}

export interface PartyLimits {
  readonly min: number;
  readonly max: number;
}

/** What a function's author writes; `defineFunction` adds the measurement. */
export interface MpcFunctionSpec<
  Params extends z.ZodType,
  Input extends z.ZodType,
  Output extends z.ZodType,
> {
  /** Stable identifier, lower-case words joined by '-': `mean`, `psi`. */
  readonly id: string;
  /** Semantic version: a change of behaviour needs a new version (and changes the measurement anyway). */
  readonly version: string;
  readonly summary: string;
  readonly parameters: Params;
  /** The schema of one party's input; every providing party uses the same one. */
  readonly input: Input;
  readonly output: Output;
  readonly parties: PartyLimits;
  /** Pure and deterministic: no I/O, no clock, and the result never depends on the order of `inputs`. */
  evaluate(
    params: z.output<Params>,
    inputs: PartyInputs<z.output<Input>>,
  ): z.output<Output> | Promise<z.output<Output>>;
  readonly views?: Readonly<Record<string, OutputView<z.output<Output>>>>;
  /** Every helper `evaluate` and the views call, so that a change in any of them changes the measurement. */
  readonly helpers?: readonly MeasuredCode[];
}

export interface MpcFunction<Params extends z.ZodType, Input extends z.ZodType, Output extends z.ZodType>
  extends MpcFunctionSpec<Params, Input, Output> {
  readonly views: Readonly<Record<string, OutputView<z.output<Output>>>>;
  readonly helpers: readonly MeasuredCode[];
  /** Lower-case hex SHA-256 identifying the exact code (see measurement.ts). */
  readonly measurement: string;
}

export type AnyMpcFunction = MpcFunction<z.ZodType, z.ZodType, z.ZodType>;

/** What `listFunctions` tells a party drafting a manifest. */
export interface FunctionDescriptor {
  readonly id: string;
  readonly version: string;
  readonly summary: string;
  readonly measurement: string;
  readonly parties: PartyLimits;
  readonly views: readonly string[];
}
