import type { z } from 'zod';
import { measureFunction } from './measurement.js';
import type { MpcFunction, MpcFunctionSpec } from './types.js';

const ID_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const SEMVER_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;

/** Checks a library entry at load time and attaches its measurement. Throws plain errors: these are our bugs. */
export function defineFunction<Params extends z.ZodType, Input extends z.ZodType, Output extends z.ZodType>(
  spec: MpcFunctionSpec<Params, Input, Output>,
): MpcFunction<Params, Input, Output> {
  if (!ID_RE.test(spec.id)) throw new Error(`function id '${spec.id}' is not lower-case words joined by '-'`);
  if (!SEMVER_RE.test(spec.version))
    throw new Error(`function ${spec.id}: version '${spec.version}' is not semver`);
  const { min, max } = spec.parties;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 1 || max < min) {
    throw new Error(`function ${spec.id}: party limits ${min}..${max} are invalid`);
  }
  if (spec.views && 'full' in spec.views)
    throw new Error(`function ${spec.id}: 'full' is reserved for the whole output`);
  const complete = { ...spec, views: spec.views ?? {}, helpers: spec.helpers ?? [] };
  return Object.freeze({ ...complete, measurement: measureFunction(complete) });
}
