import { z } from 'zod';
import { bytesEqual, bytesToHex } from '../../common/bytes.js';
import { encodeProtocolValue } from '../codec/canonical.js';
import { CONTEXTS } from '../codec/contexts.js';
import { identifierSchema, sessionIdSchema } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';

/** Rounds are numbered from 1; inputs provided once are bound to round 1. */
export const roundSchema = z.int().min(1).max(1_000_000);

/** Where an input belongs. Bound into the HPKE `info`, so a ciphertext opens only where it was sealed for. */
export const inputBindingSchema = z.strictObject({
  sessionId: sessionIdSchema,
  inputName: identifierSchema,
  partyId: identifierSchema,
  round: roundSchema,
});
export type InputBinding = z.infer<typeof inputBindingSchema>;

/** Part of the `info` (or AAD): a ciphertext sealed one way never opens as another. */
export type InputSealMode = 'single' | 'stream' | 'kms';

/** HPKE `info`: canonical CBOR of [context, {sessionId, inputName, partyId, round, mode}]. */
export function inputInfo(binding: InputBinding, mode: InputSealMode): Uint8Array {
  return encodeProtocolValue([
    CONTEXTS.inputInfo,
    {
      sessionId: binding.sessionId,
      inputName: binding.inputName,
      partyId: binding.partyId,
      round: binding.round,
      mode,
    },
  ]);
}

/** `BINDING_MISMATCH` unless the envelope claims exactly the expected session, input, party and round. */
export function assertBindingMatches(actual: InputBinding, expected: InputBinding, what: string): void {
  const differing: string[] = [];
  if (!bytesEqual(actual.sessionId, expected.sessionId)) differing.push('sessionId');
  if (actual.inputName !== expected.inputName) differing.push('inputName');
  if (actual.partyId !== expected.partyId) differing.push('partyId');
  if (actual.round !== expected.round) differing.push('round');
  if (differing.length > 0) {
    throw new ProtocolError(
      'BINDING_MISMATCH',
      `${what} is bound to another ${differing.join(', ')} than expected (replayed or misrouted); refuse it`,
      { details: { fields: differing, expectedSessionId: bytesToHex(expected.sessionId) } },
    );
  }
}
