import { Decoder } from 'cbor-x';
import { assertWellFormedCbor, type WellFormedOptions } from './well-formed.js';

// Maps stay `Map`s so that integer keys (COSE labels, PCR indexes) keep their type and order.
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false, structuredClone: false });

/** Checks `bytes` with `assertWellFormedCbor`, then decodes them. Throws `CborFormatError` on bad input. */
export function decodeStrictCbor(bytes: Uint8Array, options?: WellFormedOptions): unknown {
  assertWellFormedCbor(bytes, options);
  return decoder.decode(bytes);
}
