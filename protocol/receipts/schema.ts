import { z } from 'zod';
import { bytesSchema, epochMsSchema, identifierSchema, sessionIdSchema } from '../codec/schema.js';
import { roundSchema } from '../hpke/binding.js';
import { HPKE_ENC_BYTES, HPKE_TAG_BYTES, hpkeSuiteIdsSchema } from '../hpke/suites.js';
import { resultViewSchema } from '../manifest/schema.js';
import { SIGNATURE_BYTES } from '../signing/signatures.js';

export const MAX_RESULT_BYTES = 16 * 1024 * 1024;
/** Real documents are about 4.5 KiB; `attestation/` caps them at 16 KiB too. */
export const MAX_ATTESTATION_BYTES = 16 * 1024;

/** A commitment to one input: SHA-256 of its envelope (or stream) bytes, never of its plaintext. */
export const inputCommitmentSchema = z.strictObject({
  inputName: identifierSchema,
  partyId: identifierSchema,
  round: roundSchema,
  commitment: bytesSchema(32, 32),
});
export type InputCommitment = z.infer<typeof inputCommitmentSchema>;

export const resultPayloadSchema = z.discriminatedUnion('delivery', [
  /** HPKE-sealed to the recipient's key; `info` binds session, round, recipient and view (see `sealResult`). */
  z.strictObject({
    delivery: z.literal('encrypted'),
    suite: hpkeSuiteIdsSchema,
    enc: bytesSchema(HPKE_ENC_BYTES, HPKE_ENC_BYTES),
    ciphertext: bytesSchema(HPKE_TAG_BYTES, MAX_RESULT_BYTES + HPKE_TAG_BYTES),
  }),
  z.strictObject({ delivery: z.literal('clear'), value: bytesSchema(0, MAX_RESULT_BYTES) }),
]);
export type ResultPayload = z.infer<typeof resultPayloadSchema>;

export const resultReceiptBodySchema = z.strictObject({
  kind: z.literal('result'),
  v: z.literal(1),
  sessionId: sessionIdSchema,
  round: roundSchema,
  recipient: identifierSchema,
  view: resultViewSchema,
  result: resultPayloadSchema,
  inputCommitments: z.array(inputCommitmentSchema).max(100_000),
  issuedAt: epochMsSchema,
});
export type ResultReceiptBody = z.infer<typeof resultReceiptBodySchema>;

export const DESTRUCTION_METHODS = ['zeroized-and-key-discarded'] as const;

export const destructionCertificateBodySchema = z.strictObject({
  kind: z.literal('destruction'),
  v: z.literal(1),
  sessionId: sessionIdSchema,
  destroyed: z.array(inputCommitmentSchema).max(100_000),
  destroyedAt: epochMsSchema,
  method: z.enum(DESTRUCTION_METHODS),
  /** Why the session ended. */
  reason: z.enum(['completed', 'aborted', 'expired']),
});
export type DestructionCertificateBody = z.infer<typeof destructionCertificateBodySchema>;

const signedParts = {
  /** An attestation document whose user_data binds this session and the key that signed `body`. */
  attestation: bytesSchema(1, MAX_ATTESTATION_BYTES),
  signature: bytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
};

/** Wire form: canonical CBOR map {body, attestation, signature}; signature over [context, body]. */
export const resultReceiptSchema = z.strictObject({ body: resultReceiptBodySchema, ...signedParts });
export type ResultReceipt = z.infer<typeof resultReceiptSchema>;

export const destructionCertificateSchema = z.strictObject({
  body: destructionCertificateBodySchema,
  ...signedParts,
});
export type DestructionCertificate = z.infer<typeof destructionCertificateSchema>;

export type Receipt = ResultReceipt | DestructionCertificate;
