/**
 * CBOR encoding of NSM requests and responses, byte for byte as the aws-nitro-enclaves-nsm-api crate (serde_cbor,
 * serde's default "externally tagged" enums) writes them:
 * - a variant without fields is its name as a text string: `"DescribeNSM"`, `"LockPCR"`;
 * - a variant with fields is a one-entry map from its name to a map of its fields, in declaration order:
 *   `{"ExtendPCR": {"index": 16, "data": h'…'}}`; `Option` fields are CBOR null when absent;
 * - the error response is a one-entry map from `"Error"` to the error's name: `{"Error": "InvalidIndex"}`.
 * Both directions are here: the enclave encodes requests and decodes responses; the simulator does the reverse.
 * Whatever is decoded is checked with strict CBOR and a schema first, since it comes from outside.
 */
import { z } from 'zod';
import { decodeStrictCbor, encodeCbor } from '../../common/cbor/index.js';
import { NsmError, type NsmErrorCode } from './errors.js';
import { NSM_ERROR_NAMES, type NsmRequest, type NsmResponse } from './protocol.js';

const MAX_U16 = 0xffff;
/** Messages nest at most three deep (variant map, field map, locked_pcrs array). */
const MAX_DEPTH = 4;

function variant(name: string, fields?: ReadonlyArray<readonly [string, unknown]>): unknown {
  return fields === undefined ? name : new Map([[name, new Map(fields)]]);
}

function checkU16(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U16) {
    throw new NsmError(
      'NSM_INVALID_ARGUMENT',
      `${what} must be an integer in 0..65535, got ${String(value)}`,
    );
  }
  return value;
}

function checkBytes(value: Uint8Array, what: string): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new NsmError('NSM_INVALID_ARGUMENT', `${what} must be a Uint8Array`);
  return value;
}

function checkOptionalBytes(value: Uint8Array | null, what: string): Uint8Array | null {
  return value === null ? null : checkBytes(value, what);
}

/** Encodes a request as the crate's `Request` enum. Throws `NSM_INVALID_ARGUMENT` for a value it cannot carry. */
export function encodeNsmRequest(request: NsmRequest): Uint8Array {
  switch (request.type) {
    case 'DescribePCR':
    case 'LockPCR':
      return encodeCbor(variant(request.type, [['index', checkU16(request.index, 'PCR index')]]));
    case 'ExtendPCR':
      return encodeCbor(
        variant('ExtendPCR', [
          ['index', checkU16(request.index, 'PCR index')],
          ['data', checkBytes(request.data, 'extend data')],
        ]),
      );
    case 'LockPCRs':
      return encodeCbor(variant('LockPCRs', [['range', checkU16(request.range, 'PCR range')]]));
    case 'Attestation':
      return encodeCbor(
        variant('Attestation', [
          ['user_data', checkOptionalBytes(request.userData, 'user_data')],
          ['nonce', checkOptionalBytes(request.nonce, 'nonce')],
          ['public_key', checkOptionalBytes(request.publicKey, 'public_key')],
        ]),
      );
    case 'DescribeNSM':
    case 'GetRandom':
      return encodeCbor(variant(request.type));
  }
}

/** Encodes a response as the crate's `Response` enum (the simulator's side). */
export function encodeNsmResponse(response: NsmResponse): Uint8Array {
  switch (response.type) {
    case 'DescribePCR':
      return encodeCbor(
        variant('DescribePCR', [
          ['lock', response.lock],
          ['data', response.data],
        ]),
      );
    case 'ExtendPCR':
      return encodeCbor(variant('ExtendPCR', [['data', response.data]]));
    case 'LockPCR':
    case 'LockPCRs':
      return encodeCbor(variant(response.type));
    case 'DescribeNSM':
      return encodeCbor(
        variant('DescribeNSM', [
          ['version_major', checkU16(response.versionMajor, 'version_major')],
          ['version_minor', checkU16(response.versionMinor, 'version_minor')],
          ['version_patch', checkU16(response.versionPatch, 'version_patch')],
          ['module_id', response.moduleId],
          ['max_pcrs', checkU16(response.maxPcrs, 'max_pcrs')],
          // A BTreeSet: ascending, no duplicates.
          ['locked_pcrs', [...new Set(response.lockedPcrs)].sort((a, b) => a - b)],
          ['digest', response.digest],
        ]),
      );
    case 'Attestation':
      return encodeCbor(variant('Attestation', [['document', response.document]]));
    case 'GetRandom':
      return encodeCbor(variant('GetRandom', [['random', response.random]]));
    case 'Error':
      return encodeCbor(new Map([['Error', response.error]]));
  }
}

// ---- decoding ----

const u16 = z.number().int().min(0).max(MAX_U16);
/** Copied out of the input so that callers never hold views into a reused buffer. */
const bytes = z.instanceof(Uint8Array).transform((b) => new Uint8Array(b));
/** serde reads a missing `Option` field as None, like null. */
const nullableBytes = bytes
  .nullable()
  .optional()
  .transform((b) => b ?? null);

/** How one variant is read: either it has no fields, or its content passes `decode` (which may throw). */
type VariantReader<T> =
  | { readonly unit: true; readonly value: T }
  | { readonly unit: false; read(content: unknown): T };

function unit<T>(value: T): VariantReader<T> {
  return { unit: true, value };
}

/** A struct variant. Unknown fields are ignored, as serde does, so a newer NSM's extra fields do not break us. */
function struct<S extends z.ZodObject, T>(schema: S, build: (fields: z.output<S>) => T): VariantReader<T> {
  return {
    unit: false,
    read(content) {
      if (!(content instanceof Map) || ![...content.keys()].every((k) => typeof k === 'string')) {
        throw new TypeError('its fields must be a map with text keys');
      }
      return build(schema.parse(Object.fromEntries(content)));
    },
  };
}

const REQUEST_READERS: Readonly<Record<NsmRequest['type'], VariantReader<NsmRequest>>> = {
  DescribePCR: struct(z.object({ index: u16 }), (f) => ({ type: 'DescribePCR', index: f.index })),
  ExtendPCR: struct(z.object({ index: u16, data: bytes }), (f) => ({
    type: 'ExtendPCR',
    index: f.index,
    data: f.data,
  })),
  LockPCR: struct(z.object({ index: u16 }), (f) => ({ type: 'LockPCR', index: f.index })),
  LockPCRs: struct(z.object({ range: u16 }), (f) => ({ type: 'LockPCRs', range: f.range })),
  DescribeNSM: unit({ type: 'DescribeNSM' }),
  Attestation: struct(
    z.object({ user_data: nullableBytes, nonce: nullableBytes, public_key: nullableBytes }),
    (f) => ({ type: 'Attestation', userData: f.user_data, nonce: f.nonce, publicKey: f.public_key }),
  ),
  GetRandom: unit({ type: 'GetRandom' }),
};

const RESPONSE_READERS: Readonly<Record<NsmResponse['type'], VariantReader<NsmResponse>>> = {
  DescribePCR: struct(z.object({ lock: z.boolean(), data: bytes }), (f) => ({
    type: 'DescribePCR',
    lock: f.lock,
    data: f.data,
  })),
  ExtendPCR: struct(z.object({ data: bytes }), (f) => ({ type: 'ExtendPCR', data: f.data })),
  LockPCR: unit({ type: 'LockPCR' }),
  LockPCRs: unit({ type: 'LockPCRs' }),
  DescribeNSM: struct(
    z.object({
      version_major: u16,
      version_minor: u16,
      version_patch: u16,
      module_id: z.string(),
      max_pcrs: u16,
      locked_pcrs: z.array(u16),
      digest: z.enum(['SHA256', 'SHA384', 'SHA512']),
    }),
    (f) => ({
      type: 'DescribeNSM',
      versionMajor: f.version_major,
      versionMinor: f.version_minor,
      versionPatch: f.version_patch,
      moduleId: f.module_id,
      maxPcrs: f.max_pcrs,
      lockedPcrs: f.locked_pcrs,
      digest: f.digest,
    }),
  ),
  Attestation: struct(z.object({ document: bytes }), (f) => ({ type: 'Attestation', document: f.document })),
  GetRandom: struct(z.object({ random: bytes }), (f) => ({ type: 'GetRandom', random: f.random })),
  // A newtype variant: its content is the ErrorCode variant name itself.
  Error: {
    unit: false,
    read: (content) => ({ type: 'Error', error: z.enum(NSM_ERROR_NAMES).parse(content) }),
  },
};

function reason(cause: unknown): string {
  if (cause instanceof z.ZodError) {
    const issue = cause.issues[0];
    return issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'schema mismatch';
  }
  return cause instanceof Error ? cause.message : String(cause);
}

/** A bare text string is a variant without content; a one-entry map holds a variant's name and content. */
function splitVariant(value: unknown): { name: string; content: unknown; bare: boolean } | undefined {
  if (typeof value === 'string') return { name: value, content: undefined, bare: true };
  if (!(value instanceof Map) || value.size !== 1) return undefined;
  const [name, content] = [...value][0] as [unknown, unknown];
  return typeof name === 'string' ? { name, content, bare: false } : undefined;
}

function decodeVariant<T>(
  bytes: Uint8Array,
  readers: Readonly<Record<string, VariantReader<T>>>,
  what: string,
  code: NsmErrorCode,
): T {
  const fail = (why: string, cause?: unknown): NsmError =>
    new NsmError(code, `${what} is malformed: ${why}`, cause === undefined ? undefined : { cause });
  if (!(bytes instanceof Uint8Array)) throw fail('expected bytes');
  let value: unknown;
  try {
    value = decodeStrictCbor(bytes, { maxDepth: MAX_DEPTH });
  } catch (cause) {
    throw fail(`not strict CBOR (${reason(cause)})`, cause);
  }
  const variantOf = splitVariant(value);
  if (variantOf === undefined) {
    throw fail('expected a variant name, or a one-entry map from a variant name');
  }
  const { name, content, bare } = variantOf;
  const reader = Object.hasOwn(readers, name) ? readers[name] : undefined;
  if (reader === undefined) throw fail(`unknown variant ${JSON.stringify(name.slice(0, 40))}`);
  if (reader.unit !== bare) {
    throw fail(
      `variant ${name} ${reader.unit ? 'has no fields but came as a map' : 'needs fields but came bare'}`,
    );
  }
  if (reader.unit) return reader.value;
  try {
    return reader.read(content);
  } catch (cause) {
    throw fail(`${name}: ${reason(cause)}`, cause);
  }
}

/** Decodes what the NSM answered. Throws `NSM_MALFORMED_RESPONSE` for anything that is not a valid response. */
export function decodeNsmResponse(bytes: Uint8Array): NsmResponse {
  return decodeVariant(bytes, RESPONSE_READERS, 'NSM response', 'NSM_MALFORMED_RESPONSE');
}

/** Decodes a request (the simulator's side). Throws `NSM_INVALID_ARGUMENT` for anything that is not one. */
export function decodeNsmRequest(bytes: Uint8Array): NsmRequest {
  return decodeVariant(bytes, REQUEST_READERS, 'NSM request', 'NSM_INVALID_ARGUMENT');
}
