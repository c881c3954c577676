import { Decoder } from 'cbor-x';
import { assertWellFormedCbor, CborFormatError, type WellFormedOptions } from './well-formed.js';

/** Well-formed CBOR that cbor-x cannot decode (indefinite-length strings); never canonical. */
export class CborDecoderLimitError extends CborFormatError {}

// Maps stay `Map`s so that integer keys (COSE labels, PCR indexes) keep their type and order.
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false, structuredClone: false });

/** Checks `bytes` with `assertWellFormedCbor`, then decodes them. Throws `CborFormatError` on bad input. */
export function decodeStrictCbor(bytes: Uint8Array, options?: WellFormedOptions): unknown {
  assertWellFormedCbor(bytes, options);
  try {
    return decoder.decode(bytes);
  } catch (error) {
    // Well-formed, but a feature cbor-x does not take (indefinite-length strings): refused like malformed bytes.
    const why = error instanceof Error ? error.message : 'undecodable item';
    throw new CborDecoderLimitError(`not supported by the decoder: ${why}`, 0);
  }
}
