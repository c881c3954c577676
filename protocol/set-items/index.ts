import { PACKED_SET_CODE } from './packed.js';
import { PACKED_SET_VALIDATION_CODE } from './validate.js';

export {
  MAX_PACKED_DATA_BYTES,
  MAX_PACKED_ITEM_BYTES,
  MAX_PACKED_SET_ITEMS,
  type PackedSetItems,
  type PackedSetKind,
  packSetItems,
  prefixBytes,
  unpackSetItems,
} from './packed.js';
export { type PackedSetCheck, parsePackedSetItems } from './validate.js';

/** The packed format's code, writer and reader: part of the measurement of every function that accepts it. */
export const PACKED_SET_MEASURED_CODE = [...PACKED_SET_CODE, ...PACKED_SET_VALIDATION_CODE];
