import { z } from 'zod';
import { bytesSchema, epochMsSchema, identifierSchema, sessionIdSchema } from '../codec/schema.js';
import { roundSchema } from '../hpke/binding.js';
import { MAX_INPUTS, MAX_PARTIES, submissionWindowSchema } from '../manifest/schema.js';
import {
  destructionCertificateSchema,
  MAX_ATTESTATION_BYTES,
  resultReceiptSchema,
} from '../receipts/schema.js';
import { SIGNATURE_BYTES } from '../signing/signatures.js';

const partyIds = z.array(identifierSchema).max(MAX_PARTIES);

export const sessionCreatedResponseSchema = z.strictObject({
  type: z.literal('session-created'),
  sessionId: sessionIdSchema,
  pendingApprovals: partyIds,
});

export const approvalRecordedResponseSchema = z.strictObject({
  type: z.literal('approval-recorded'),
  sessionId: sessionIdSchema,
  partyId: identifierSchema,
  pendingApprovals: partyIds,
  /** True once every party approved: inputs may be submitted from now (within the window). */
  open: z.boolean(),
});

export const attestationResponseSchema = z.strictObject({
  type: z.literal('attestation'),
  sessionId: sessionIdSchema,
  /** Verify with `verifySessionAttestation` before sending anything. */
  document: bytesSchema(1, MAX_ATTESTATION_BYTES),
});

export const inputAcceptedResponseSchema = z.strictObject({
  type: z.literal('input-accepted'),
  sessionId: sessionIdSchema,
  inputName: identifierSchema,
  partyId: identifierSchema,
  round: roundSchema,
  /** The commitment that receipts and the destruction certificate will list for this input. */
  commitment: bytesSchema(32, 32),
  /**
   * Records in the session's journal once this input was recorded. Keep the largest seen: a signed status with a
   * smaller counter means the session's state was rolled back (`STATE_ROLLBACK`).
   */
  stateCounter: z.int().min(1),
});

/** The session's durable state, signed by its attested key over [stateProof, {sessionId, counter, nonce}]. */
export const stateProofSchema = z.strictObject({
  counter: z.int().min(0),
  signature: bytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
});
export type StateProofWire = z.infer<typeof stateProofSchema>;

export const chunkAcceptedResponseSchema = z.strictObject({
  type: z.literal('chunk-accepted'),
  sessionId: sessionIdSchema,
  index: z.int().min(0),
});

export const SESSION_PHASES = ['awaiting-approvals', 'open', 'evaluating', 'completed', 'destroyed'] as const;

export const statusResponseSchema = z.strictObject({
  type: z.literal('status'),
  sessionId: sessionIdSchema,
  phase: z.enum(SESSION_PHASES),
  round: roundSchema,
  window: submissionWindowSchema,
  pendingApprovals: partyIds,
  inputs: z
    .array(
      z.strictObject({
        inputName: identifierSchema,
        partyId: identifierSchema,
        provided: z.boolean(),
      }),
    )
    .max(MAX_INPUTS),
  at: epochMsSchema,
  /** Signed with the status request's nonce: fresh, and from the enclave (the parent cannot forge it). */
  state: stateProofSchema,
});

export const evaluationStartedResponseSchema = z.strictObject({
  type: z.literal('evaluation-started'),
  sessionId: sessionIdSchema,
  round: roundSchema,
});

export const resultResponseSchema = z.strictObject({
  type: z.literal('result'),
  receipt: resultReceiptSchema,
});

export const destroyedResponseSchema = z.strictObject({
  type: z.literal('destroyed'),
  certificate: destructionCertificateSchema,
});

/** A refusal: `code` is a `NitroMpcError` code (e.g. `BINDING_MISMATCH`); the message never holds secrets. */
export const errorResponseSchema = z.strictObject({
  type: z.literal('error'),
  code: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/),
  message: z.string().max(1024),
});

/** Everything the enclave answers. */
export const enclaveResponseSchema = z.discriminatedUnion('type', [
  sessionCreatedResponseSchema,
  approvalRecordedResponseSchema,
  attestationResponseSchema,
  inputAcceptedResponseSchema,
  chunkAcceptedResponseSchema,
  statusResponseSchema,
  evaluationStartedResponseSchema,
  resultResponseSchema,
  destroyedResponseSchema,
  errorResponseSchema,
]);
export type EnclaveResponse = z.infer<typeof enclaveResponseSchema>;
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
export type StatusResponse = z.infer<typeof statusResponseSchema>;
export type InputAcceptedResponse = z.infer<typeof inputAcceptedResponseSchema>;
