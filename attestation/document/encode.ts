import { encodeCbor, encodeCborIndefiniteMap } from '../../common/cbor/index.js';
import type { AttestationDocument } from './types.js';

export interface EncodePayloadOptions {
  /** Write the map with indefinite length, as newer NSM firmware does. Default: definite, as older firmware. */
  readonly indefiniteLength?: boolean;
}

/**
 * Encodes document fields as the NSM's payload map: the same keys, order and types as real documents, absent
 * optional fields as CBOR null.
 */
export function encodeAttestationPayload(
  doc: Omit<AttestationDocument, 'digest'> & { readonly digest?: 'SHA384' },
  options: EncodePayloadOptions = {},
): Uint8Array {
  const map = new Map<string, unknown>([
    ['module_id', doc.moduleId],
    ['digest', doc.digest ?? 'SHA384'],
    ['timestamp', BigInt(doc.timestamp)],
    ['pcrs', new Map([...doc.pcrs].sort(([a], [b]) => a - b))],
    ['certificate', doc.certificate],
    ['cabundle', [...doc.cabundle]],
    ['public_key', doc.publicKey ?? null],
    ['user_data', doc.userData ?? null],
    ['nonce', doc.nonce ?? null],
  ]);
  return options.indefiniteLength ? encodeCborIndefiniteMap(map) : encodeCbor(map);
}
