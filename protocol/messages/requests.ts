import { z } from 'zod';
import { bytesSchema, sessionIdSchema } from '../codec/schema.js';
import { roundSchema } from '../hpke/binding.js';
import { validatedInputEnvelopeSchema } from '../hpke/envelope.js';
import { inputChunkSchema, inputStreamHeaderSchema } from '../hpke/stream.js';
import { kmsInputSchema } from '../kms/kms-input.js';
import { manifestApprovalSchema } from '../manifest/approval.js';
import { requestAuthSchema } from './signed-request.js';

/**
 * Bounds what an unauthenticated create request can make the enclave parse. Most manifests are a few KiB; one of
 * MAX_PARTIES parties, each providing and receiving, is ~300-400 KiB; this still fits the transport's 1 MiB frame.
 */
export const MAX_MANIFEST_BYTES = 768 * 1024;

export const createSessionRequestSchema = z.strictObject({
  type: z.literal('create-session'),
  /** The canonical manifest bytes (decoded with `decodeManifest`). */
  manifest: bytesSchema(1, MAX_MANIFEST_BYTES),
});

export const approveRequestSchema = z.strictObject({
  type: z.literal('approve'),
  approval: manifestApprovalSchema,
});

export const attestRequestSchema = z.strictObject({
  type: z.literal('attest'),
  sessionId: sessionIdSchema,
  /** The party's fresh random nonce; the document must carry it back. */
  nonce: bytesSchema(16, 64),
});

export const submitInputRequestSchema = z.strictObject({
  type: z.literal('submit-input'),
  sessionId: sessionIdSchema,
  input: z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('hpke'), envelope: validatedInputEnvelopeSchema }),
    kmsInputSchema,
  ]),
});

/** Starts a chunked input; its chunks follow as `submit-input-chunk`, in order. */
export const submitInputStreamRequestSchema = z.strictObject({
  type: z.literal('submit-input-stream'),
  sessionId: sessionIdSchema,
  header: inputStreamHeaderSchema,
});

export const submitInputChunkRequestSchema = z.strictObject({
  type: z.literal('submit-input-chunk'),
  sessionId: sessionIdSchema,
  inputName: inputStreamHeaderSchema.shape.inputName,
  partyId: inputStreamHeaderSchema.shape.partyId,
  round: roundSchema,
  chunk: inputChunkSchema,
});

export const statusRequestSchema = z.strictObject({
  type: z.literal('status'),
  sessionId: sessionIdSchema,
  auth: requestAuthSchema,
});

export const evaluateRequestSchema = z.strictObject({
  type: z.literal('evaluate'),
  sessionId: sessionIdSchema,
  round: roundSchema,
  auth: requestAuthSchema,
});

export const resultRequestSchema = z.strictObject({
  type: z.literal('get-result'),
  sessionId: sessionIdSchema,
  round: roundSchema,
  auth: requestAuthSchema,
});

export const destroyRequestSchema = z.strictObject({
  type: z.literal('destroy'),
  sessionId: sessionIdSchema,
  auth: requestAuthSchema,
});

/** Everything a party (or the SDK) sends to the enclave. */
export const partyRequestSchema = z.discriminatedUnion('type', [
  createSessionRequestSchema,
  approveRequestSchema,
  attestRequestSchema,
  submitInputRequestSchema,
  submitInputStreamRequestSchema,
  submitInputChunkRequestSchema,
  statusRequestSchema,
  evaluateRequestSchema,
  resultRequestSchema,
  destroyRequestSchema,
]);
export type PartyRequest = z.infer<typeof partyRequestSchema>;
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;
export type ApproveRequest = z.infer<typeof approveRequestSchema>;
export type AttestRequest = z.infer<typeof attestRequestSchema>;
export type SubmitInputRequest = z.infer<typeof submitInputRequestSchema>;
export type SubmitInputStreamRequest = z.infer<typeof submitInputStreamRequestSchema>;
export type SubmitInputChunkRequest = z.infer<typeof submitInputChunkRequestSchema>;
export type StatusRequest = z.infer<typeof statusRequestSchema>;
export type EvaluateRequest = z.infer<typeof evaluateRequestSchema>;
export type ResultRequest = z.infer<typeof resultRequestSchema>;
export type DestroyRequest = z.infer<typeof destroyRequestSchema>;
