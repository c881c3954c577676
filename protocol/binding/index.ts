export {
  decodeSessionBinding,
  encodeSessionBinding,
  MAX_USER_DATA_BYTES,
  type SessionBinding,
  type SessionBindingFields,
  sessionBindingSchema,
} from './session-binding.js';
export {
  type SessionAttestationPolicy,
  type VerifiedSessionAttestation,
  type VerifySessionAttestationOptions,
  verifyBoundAttestation,
  verifySessionAttestation,
} from './verify-session-attestation.js';
