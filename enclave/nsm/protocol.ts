/**
 * The NSM's request/response protocol as aws-nitro-enclaves-nsm-api defines it (`src/api/mod.rs`), in
 * TypeScript terms. On the wire each message is the serde "externally tagged" CBOR form of the crate's enums
 * (see codec.ts); the driver (`src/driver/mod.rs`, Linux `uapi/linux/nsm.h`) carries one request and one response
 * per ioctl.
 */
import type { NsmErrorCode } from './errors.js';

export const NSM_DEVICE_PATH = '/dev/nsm';
/** The driver refuses longer requests (EMSGSIZE). */
export const NSM_REQUEST_MAX_SIZE = 0x1000;
/** The driver's response buffer; a longer response would be cut. */
export const NSM_RESPONSE_MAX_SIZE = 0x3000;
/** `_IOWR(0x0A, 0, struct nsm_message)` where the message is two 16-byte (address, length) pairs. */
export const NSM_IOCTL_RAW = 0xc0200a00;

/** The crate's `ErrorCode` variants, in declaration order. */
export const NSM_ERROR_NAMES = [
  'Success',
  'InvalidArgument',
  'InvalidIndex',
  'InvalidResponse',
  'ReadOnlyIndex',
  'InvalidOperation',
  'BufferTooSmall',
  'InputTooLarge',
  'InternalError',
] as const;

export type NsmErrorName = (typeof NSM_ERROR_NAMES)[number];

/** Our code for each NSM error. `Success` inside an `Error` response is itself a protocol violation. */
export const NSM_ERROR_CODE_BY_NAME: Readonly<Record<NsmErrorName, NsmErrorCode>> = {
  Success: 'NSM_INVALID_RESPONSE',
  InvalidArgument: 'NSM_INVALID_ARGUMENT',
  InvalidIndex: 'NSM_INVALID_INDEX',
  InvalidResponse: 'NSM_INVALID_RESPONSE',
  ReadOnlyIndex: 'NSM_PCR_LOCKED',
  InvalidOperation: 'NSM_INVALID_OPERATION',
  BufferTooSmall: 'NSM_BUFFER_TOO_SMALL',
  InputTooLarge: 'NSM_INPUT_TOO_LARGE',
  InternalError: 'NSM_INTERNAL_ERROR',
};

export type NsmDigest = 'SHA256' | 'SHA384' | 'SHA512';

/** The crate's `Request` enum. Field names follow TypeScript; the codec writes the crate's snake_case names. */
export type NsmRequest =
  | { readonly type: 'DescribePCR'; readonly index: number }
  | { readonly type: 'ExtendPCR'; readonly index: number; readonly data: Uint8Array }
  | { readonly type: 'LockPCR'; readonly index: number }
  | { readonly type: 'LockPCRs'; readonly range: number }
  | { readonly type: 'DescribeNSM' }
  | {
      readonly type: 'Attestation';
      readonly userData: Uint8Array | null;
      readonly nonce: Uint8Array | null;
      readonly publicKey: Uint8Array | null;
    }
  | { readonly type: 'GetRandom' };

/** The crate's `Response` enum. */
export type NsmResponse =
  | { readonly type: 'DescribePCR'; readonly lock: boolean; readonly data: Uint8Array }
  | { readonly type: 'ExtendPCR'; readonly data: Uint8Array }
  | { readonly type: 'LockPCR' }
  | { readonly type: 'LockPCRs' }
  | {
      readonly type: 'DescribeNSM';
      readonly versionMajor: number;
      readonly versionMinor: number;
      readonly versionPatch: number;
      readonly moduleId: string;
      readonly maxPcrs: number;
      readonly lockedPcrs: readonly number[];
      readonly digest: NsmDigest;
    }
  | { readonly type: 'Attestation'; readonly document: Uint8Array }
  | { readonly type: 'GetRandom'; readonly random: Uint8Array }
  | { readonly type: 'Error'; readonly error: NsmErrorName };

export type NsmRequestType = NsmRequest['type'];
export type NsmResponseType = NsmResponse['type'];
