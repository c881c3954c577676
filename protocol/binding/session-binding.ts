import { z } from 'zod';
import { decodeProtocolValue, encodeProtocolValue } from '../codec/canonical.js';
import { CONTEXTS } from '../codec/contexts.js';
import { parseWith, sessionIdSchema } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import { hpkePublicKeySchema } from '../hpke/keys.js';
import { signingPublicKeySchema } from '../signing/keys.js';

/** The NSM accepts at most 1024 bytes of user_data. */
export const MAX_USER_DATA_BYTES = 1024;

/**
 * The attestation document's `user_data`: canonical CBOR of
 * `{ctx: "nitro-mpc/v1/session-binding", v: 1, sessionId: bstr(32), hpkePublicKey: {kem: "X25519", key: b64},
 * signingKey: {alg: "Ed25519"|"ES256", spki: b64}}` (about 200 bytes with a P-256 key). The keys themselves are
 * carried, not a hash of them, so a party learns them from the document alone.
 */
export const sessionBindingSchema = z.strictObject({
  ctx: z.literal(CONTEXTS.sessionBinding),
  v: z.literal(1),
  sessionId: sessionIdSchema,
  hpkePublicKey: hpkePublicKeySchema,
  signingKey: signingPublicKeySchema,
});
export type SessionBinding = z.infer<typeof sessionBindingSchema>;
export type SessionBindingFields = Omit<SessionBinding, 'ctx' | 'v'>;

/** The exact user_data bytes the enclave asks the NSM to attest for a session. */
export function encodeSessionBinding(fields: SessionBindingFields): Uint8Array {
  const binding = parseWith(
    sessionBindingSchema,
    { ctx: CONTEXTS.sessionBinding, v: 1, ...fields },
    'ATTESTATION_BINDING_INVALID',
    'session binding',
  );
  const bytes = encodeProtocolValue(binding);
  if (bytes.byteLength > MAX_USER_DATA_BYTES) {
    throw new ProtocolError(
      'ATTESTATION_BINDING_INVALID',
      `session binding exceeds ${MAX_USER_DATA_BYTES} bytes`,
    );
  }
  return bytes;
}

/** Reads user_data as a session binding; anything else (absent, foreign, non-canonical) is refused. */
export function decodeSessionBinding(userData: Uint8Array | undefined): SessionBinding {
  if (userData === undefined) {
    throw new ProtocolError(
      'ATTESTATION_BINDING_INVALID',
      'the attestation document carries no user_data: it binds no session',
    );
  }
  const value = decodeProtocolValue(userData, 'attestation user_data', 'ATTESTATION_BINDING_INVALID');
  return parseWith(sessionBindingSchema, value, 'ATTESTATION_BINDING_INVALID', 'attestation user_data');
}
