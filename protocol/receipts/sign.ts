import type { KeyObject } from 'node:crypto';
import { decodeProtocolValue, encodeProtocolValue } from '../codec/canonical.js';
import { CONTEXTS } from '../codec/contexts.js';
import { parseWith } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import { signProtocolValue } from '../signing/signatures.js';
import {
  type DestructionCertificate,
  type DestructionCertificateBody,
  destructionCertificateBodySchema,
  destructionCertificateSchema,
  type Receipt,
  type ResultReceipt,
  type ResultReceiptBody,
  resultReceiptBodySchema,
  resultReceiptSchema,
} from './schema.js';

export function receiptContext(kind: Receipt['body']['kind']): string {
  return kind === 'result' ? CONTEXTS.resultReceipt : CONTEXTS.destructionCertificate;
}

/** Enclave side: signs a result receipt with the session's enclave key. */
export function signResultReceipt(
  body: Omit<ResultReceiptBody, 'kind' | 'v'>,
  enclaveSigningKey: KeyObject,
  attestation: Uint8Array,
): ResultReceipt {
  const full = parseWith(
    resultReceiptBodySchema,
    { ...body, kind: 'result', v: 1 },
    'RECEIPT_INVALID',
    'result receipt body',
  );
  return {
    body: full,
    attestation,
    signature: signProtocolValue(CONTEXTS.resultReceipt, full, enclaveSigningKey),
  };
}

/** Enclave side: signs a destruction certificate with the session's enclave key. */
export function signDestructionCertificate(
  body: Omit<DestructionCertificateBody, 'kind' | 'v'>,
  enclaveSigningKey: KeyObject,
  attestation: Uint8Array,
): DestructionCertificate {
  const full = parseWith(
    destructionCertificateBodySchema,
    { ...body, kind: 'destruction', v: 1 },
    'RECEIPT_INVALID',
    'destruction certificate body',
  );
  return {
    body: full,
    attestation,
    signature: signProtocolValue(CONTEXTS.destructionCertificate, full, enclaveSigningKey),
  };
}

export function encodeReceipt(receipt: Receipt): Uint8Array {
  return encodeProtocolValue(receipt);
}

/** Validates a receipt's shape (no signature check: that is `verifyReceipt`). */
export function parseReceipt(value: unknown): Receipt {
  const kind =
    typeof value === 'object' && value !== null && 'body' in value
      ? (value.body as { kind?: unknown } | null)?.kind
      : undefined;
  if (kind === 'result') return parseWith(resultReceiptSchema, value, 'RECEIPT_INVALID', 'result receipt');
  if (kind === 'destruction') {
    return parseWith(destructionCertificateSchema, value, 'RECEIPT_INVALID', 'destruction certificate');
  }
  throw new ProtocolError('RECEIPT_INVALID', 'not a receipt: body.kind must be "result" or "destruction"');
}

/** Reads receipt bytes; refuses non-canonical bytes (signatures are over canonical encodings). */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  return parseReceipt(decodeProtocolValue(bytes, 'receipt', 'RECEIPT_INVALID'));
}
