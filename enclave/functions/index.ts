export { defineFunction } from './define.js';
export { FUNCTION_ERROR_CODES, FunctionError, type FunctionErrorCode } from './errors.js';
export {
  evaluateFunction,
  evaluateParsed,
  FULL_VIEW,
  parseInput,
  parseParameters,
  selectView,
} from './evaluate.js';
export * from './library/index.js';
export { MEASUREMENT_SCHEME, measureFunction } from './measurement.js';
export { getFunction, listFunctions, resolveFunction } from './registry.js';
export { MAX_VALUES_PER_PARTY } from './schemas.js';
export { MAX_SET_ITEM_LENGTH, MAX_SET_ITEMS, type SetItems } from './support/set-items.js';
export type {
  AnyMpcFunction,
  FunctionDescriptor,
  MeasuredCode,
  MpcFunction,
  MpcFunctionSpec,
  OutputView,
  PartyId,
  PartyInputs,
  PartyLimits,
} from './types.js';
