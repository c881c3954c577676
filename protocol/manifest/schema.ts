import { z } from 'zod';
import { epochMsSchema, identifierSchema, lowerHexSchema } from '../codec/schema.js';
import { hpkePublicKeySchema } from '../hpke/keys.js';
import { signingPublicKeySchema } from '../signing/keys.js';

export const MANIFEST_VERSION = 1;
export const MAX_PARTIES = 1024;
export const MAX_INPUTS = 4096;
export const MAX_ROUNDS = 1000;

/** The function the enclave must run: its library id and version, and the SHA-256 of its code (hex). */
export const functionRefSchema = z.strictObject({
  id: identifierSchema,
  version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$/, 'expected a version such as 1.0.0'),
  measurement: lowerHexSchema(32),
});

export const partySchema = z.strictObject({
  id: identifierSchema,
  displayName: z.string().min(1).max(128),
  signingKey: signingPublicKeySchema,
  /** Where results for this party are encrypted to; needed only by recipients of encrypted results. */
  hpkePublicKey: hpkePublicKeySchema.optional(),
});

export const inputSpecSchema = z.strictObject({
  name: identifierSchema,
  provider: identifierSchema,
  /** A reference to the function's input schema (e.g. `numbers`), checked by the function library. */
  schema: z.string().min(1).max(128),
  maxBytes: z
    .int()
    .min(1)
    .max(2 ** 40),
  maxItems: z
    .int()
    .min(1)
    .max(2 ** 40)
    .optional(),
  /** `once`: kept across rounds (bound to round 1); `each-round`: provided again and cleared every round. */
  provide: z.enum(['once', 'each-round']),
});

/** `full` result, or a partial view the function defines by name. */
export const resultViewSchema = z.union([z.literal('full'), z.strictObject({ partial: identifierSchema })]);

export const recipientSchema = z.strictObject({
  party: identifierSchema,
  view: resultViewSchema,
  /** `encrypted` to the party's HPKE key, or `clear` (signed but readable by whoever relays it). */
  delivery: z.enum(['encrypted', 'clear']),
});

export const submissionWindowSchema = z.strictObject({ opensAt: epochMsSchema, closesAt: epochMsSchema });

export const evaluationTriggerSchema = z.discriminatedUnion('trigger', [
  /** Evaluate as soon as the threshold is met and the window has closed. */
  z.strictObject({ trigger: z.literal('auto') }),
  /** Evaluate when one of `requesters` asks (and the threshold is met). */
  z.strictObject({
    trigger: z.literal('on-request'),
    requesters: z.array(identifierSchema).min(1).max(MAX_PARTIES),
  }),
]);

/** PCR index → allowed values (SHA-384, lowercase hex). */
export const expectedPcrSchema = z.strictObject({
  index: z.int().min(0).max(31),
  allowed: z.array(lowerHexSchema(48)).min(1).max(16),
});

export const manifestShape = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  /** Random, so that two sessions with the same terms still get different ids. */
  salt: lowerHexSchema(16),
  function: functionRefSchema,
  /** Opaque, CBOR-encodable: validated by the function's own parameter schema. */
  parameters: z.unknown().refine((v) => v !== undefined, 'parameters are required (use null for none)'),
  parties: z.array(partySchema).min(1).max(MAX_PARTIES),
  inputs: z.array(inputSpecSchema).min(1).max(MAX_INPUTS),
  recipients: z.array(recipientSchema).min(1).max(MAX_PARTIES),
  /** m of the n declared inputs needed before evaluation. */
  threshold: z.int().min(1),
  window: submissionWindowSchema,
  resubmission: z.enum(['first-wins', 'last-wins', 'reject']),
  evaluation: evaluationTriggerSchema,
  rounds: z.int().min(1).max(MAX_ROUNDS),
  enclave: z.strictObject({ pcrs: z.array(expectedPcrSchema).min(1).max(32) }),
});
