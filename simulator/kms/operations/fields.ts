import { z } from 'zod';

/**
 * Request members shared by operations, with KMS's constraints (KMS API Reference) and its constraint wording.
 * Blobs arrive base64-encoded in JSON and leave here as bytes.
 */

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function blob(min: number, max: number) {
  return z
    .string()
    .regex(BASE64_RE, 'Member must be base64-encoded binary data')
    .transform((text) => new Uint8Array(Buffer.from(text, 'base64')))
    .refine((bytes) => bytes.byteLength >= min, `Member must have length greater than or equal to ${min}`)
    .refine((bytes) => bytes.byteLength <= max, `Member must have length less than or equal to ${max}`);
}

export function text(min: number, max: number) {
  return z
    .string()
    .min(min, `Member must have length greater than or equal to ${min}`)
    .max(max, `Member must have length less than or equal to ${max}`);
}

export function integer(min: number, max: number) {
  return z
    .int()
    .min(min, `Member must have value greater than or equal to ${min}`)
    .max(max, `Member must have value less than or equal to ${max}`);
}

export const keyIdField = text(1, 2048);
export const encryptionContextField = z.record(z.string(), z.string()).optional();
export const grantTokensField = z.array(text(1, 8192)).max(10).optional();
export const encryptionAlgorithmField = z
  .enum(['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'])
  .optional();
export const dryRunField = z.boolean().optional();

export const recipientField = z
  .strictObject({
    AttestationDocument: blob(1, 262_144),
    KeyEncryptionAlgorithm: z.enum(['RSAES_OAEP_SHA_256']).optional(),
  })
  .optional();
