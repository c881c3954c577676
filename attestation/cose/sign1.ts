import { decodeStrictCbor } from '../../common/cbor/index.js';
import { CoseError } from './errors.js';

/** COSE header labels (RFC 9052 §3.1) this module reads. */
export const HEADER_ALG = 1;
export const HEADER_CRIT = 2;
/** CBOR tag for COSE_Sign1 (RFC 9052 §4.2). */
export const COSE_SIGN1_TAG = 18;

export type CoseHeaderMap = ReadonlyMap<number | string, unknown>;

/** A decoded COSE_Sign1 message. `protectedBytes` is kept as sent: the signature covers those exact bytes. */
export interface CoseSign1 {
  readonly tagged: boolean;
  readonly protectedBytes: Uint8Array;
  readonly protectedHeader: CoseHeaderMap;
  readonly unprotectedHeader: CoseHeaderMap;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

export interface DecodeCoseSign1Options {
  /** Refuse larger inputs before parsing anything. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1 << 20;

function isTag(value: unknown): value is { tag: number; value: unknown } {
  return typeof value === 'object' && value !== null && 'tag' in value && 'value' in value;
}

function asHeaderMap(value: unknown, what: string): CoseHeaderMap {
  if (!(value instanceof Map)) throw new CoseError('COSE_MALFORMED', `${what} header is not a CBOR map`);
  for (const key of value.keys()) {
    if (typeof key !== 'number' && typeof key !== 'string') {
      throw new CoseError('COSE_MALFORMED', `${what} header has a label that is neither an integer nor text`);
    }
  }
  return value;
}

/** The four parts of a COSE_Sign1 before its headers are interpreted. */
export interface CoseSign1Parts {
  readonly tagged: boolean;
  readonly protectedBytes: Uint8Array;
  readonly unprotected: unknown;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Checks the envelope only: well-formed CBOR, optional tag 18, an array of four with byte strings where the
 * signature needs them. Lets a verifier look at the payload (e.g. its certificates) before judging the headers.
 */
export function splitCoseSign1(bytes: Uint8Array, options: DecodeCoseSign1Options = {}): CoseSign1Parts {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new CoseError('COSE_MALFORMED', 'input is not a byte array');
  if (bytes.byteLength > maxBytes) {
    throw new CoseError(
      'COSE_MALFORMED',
      `input is ${bytes.byteLength} bytes, over the ${maxBytes}-byte limit`,
    );
  }
  let decoded: unknown;
  try {
    decoded = decodeStrictCbor(bytes, { allowedTags: [COSE_SIGN1_TAG], maxDepth: 8 });
  } catch (cause) {
    throw new CoseError('COSE_MALFORMED', `not well-formed CBOR: ${(cause as Error).message}`, { cause });
  }
  let tagged = false;
  if (isTag(decoded)) {
    tagged = true;
    decoded = decoded.value;
  }
  if (!Array.isArray(decoded) || decoded.length !== 4) {
    throw new CoseError('COSE_MALFORMED', 'COSE_Sign1 must be an array of 4 items');
  }
  const [protectedBytes, unprotected, payload, signature] = decoded as unknown[];
  if (!(protectedBytes instanceof Uint8Array)) {
    throw new CoseError('COSE_MALFORMED', 'protected header is not a byte string');
  }
  if (!(payload instanceof Uint8Array)) {
    throw new CoseError(
      'COSE_MALFORMED',
      'payload is not a byte string (detached payloads are not supported)',
    );
  }
  if (!(signature instanceof Uint8Array))
    throw new CoseError('COSE_MALFORMED', 'signature is not a byte string');
  return { tagged, protectedBytes, unprotected, payload, signature };
}

/** Interprets the headers of split parts; throws `CoseError('COSE_MALFORMED')` when they are not COSE headers. */
export function parseCoseSign1Parts(parts: CoseSign1Parts): CoseSign1 {
  let protectedHeader: CoseHeaderMap = new Map();
  if (parts.protectedBytes.byteLength > 0) {
    let inner: unknown;
    try {
      inner = decodeStrictCbor(parts.protectedBytes, { maxDepth: 4 });
    } catch (cause) {
      throw new CoseError('COSE_MALFORMED', `protected header: ${(cause as Error).message}`, { cause });
    }
    protectedHeader = asHeaderMap(inner, 'protected');
  }
  const unprotectedHeader = asHeaderMap(parts.unprotected, 'unprotected');
  for (const label of unprotectedHeader.keys()) {
    if (protectedHeader.has(label)) {
      throw new CoseError(
        'COSE_MALFORMED',
        `header label ${String(label)} is both protected and unprotected`,
      );
    }
  }
  const { tagged, protectedBytes, payload, signature } = parts;
  return { tagged, protectedBytes, protectedHeader, unprotectedHeader, payload, signature };
}

/** Parses tagged (0xd2) or untagged COSE_Sign1 bytes; throws `CoseError('COSE_MALFORMED')` on anything else. */
export function decodeCoseSign1(bytes: Uint8Array, options: DecodeCoseSign1Options = {}): CoseSign1 {
  return parseCoseSign1Parts(splitCoseSign1(bytes, options));
}
