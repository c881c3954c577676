import { decodeStrictCbor } from '../../common/cbor/index.js';
import { CoseError } from '../cose/errors.js';
import { type CoseSign1, type CoseSign1Parts, parseCoseSign1Parts, splitCoseSign1 } from '../cose/sign1.js';
import { AttestationError } from '../errors.js';
import { nsmPayloadSchema } from './nsm-payload.js';
import type { AttestationDocument } from './types.js';

/** Real documents are about 5 to 8 KiB; anything far larger is refused before parsing. */
export const MAX_DOCUMENT_BYTES = 32 * 1024;

function malformed(message: string, cause?: unknown): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED', `attestation document is malformed: ${message}`, {
    cause,
  });
}

/** Splits the COSE_Sign1 envelope, mapping COSE errors to `ATTESTATION_MALFORMED`. */
export function splitDocumentEnvelope(bytes: Uint8Array): CoseSign1Parts {
  try {
    return splitCoseSign1(bytes, { maxBytes: MAX_DOCUMENT_BYTES });
  } catch (cause) {
    if (cause instanceof CoseError) throw malformed(cause.message, cause);
    throw cause;
  }
}

/** Decodes the payload's CBOR map. Keys must be text, as in the NSM's format. */
export function decodePayloadMap(payload: Uint8Array): ReadonlyMap<string, unknown> {
  let value: unknown;
  try {
    value = decodeStrictCbor(payload, { maxDepth: 4 });
  } catch (cause) {
    throw malformed(`payload: ${(cause as Error).message}`, cause);
  }
  if (!(value instanceof Map)) throw malformed('payload is not a CBOR map');
  for (const key of value.keys()) {
    if (typeof key !== 'string') throw malformed('payload has a non-text key');
  }
  return value as ReadonlyMap<string, unknown>;
}

/**
 * The leaf and bundle, checked only for shape: enough to validate the certificate path first. A missing or null
 * bundle counts as empty here (the path then ends at the leaf, untrusted); the full schema check refuses it later.
 */
export function payloadCertificates(map: ReadonlyMap<string, unknown>): {
  certificate: Uint8Array;
  cabundle: Uint8Array[];
} {
  const certificate = map.get('certificate');
  const cabundle = map.get('cabundle');
  if (!(certificate instanceof Uint8Array)) throw malformed('certificate is missing or not a byte string');
  if (cabundle === undefined || cabundle === null) return { certificate, cabundle: [] };
  if (!Array.isArray(cabundle) || !cabundle.every((c): c is Uint8Array => c instanceof Uint8Array)) {
    throw malformed('cabundle is not an array of byte strings');
  }
  return { certificate, cabundle };
}

/** Validates the payload map against the NSM schema. */
export function parseNsmPayload(map: ReadonlyMap<string, unknown>): AttestationDocument {
  const result = nsmPayloadSchema.safeParse(Object.fromEntries(map));
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'payload';
    throw malformed(`${where}: ${issue?.message ?? 'invalid'}`, result.error);
  }
  const p = result.data;
  return {
    moduleId: p.module_id,
    digest: p.digest,
    timestamp: p.timestamp,
    pcrs: p.pcrs,
    certificate: p.certificate,
    cabundle: p.cabundle,
    publicKey: p.public_key ?? undefined,
    userData: p.user_data ?? undefined,
    nonce: p.nonce ?? undefined,
  };
}

/** Interprets the COSE headers, mapping COSE errors to `ATTESTATION_MALFORMED`. */
export function parseDocumentEnvelope(parts: CoseSign1Parts): CoseSign1 {
  try {
    return parseCoseSign1Parts(parts);
  } catch (cause) {
    if (cause instanceof CoseError) throw malformed(cause.message, cause);
    throw cause;
  }
}

export interface DecodedAttestationDocument {
  readonly cose: CoseSign1;
  readonly document: AttestationDocument;
}

/**
 * Decodes and schema-checks a document without verifying anything: for inspection only. Throws
 * `AttestationError('ATTESTATION_MALFORMED')`.
 */
export function decodeAttestationDocument(bytes: Uint8Array): DecodedAttestationDocument {
  const parts = splitDocumentEnvelope(bytes);
  const cose = parseDocumentEnvelope(parts);
  return { cose, document: parseNsmPayload(decodePayloadMap(parts.payload)) };
}
