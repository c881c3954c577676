import type { AttestationPolicy } from '../../attestation/policy.js';
import {
  type VerifiedAttestationDocument,
  verifyAttestationDocument,
} from '../../attestation/verify-document.js';
import { bytesEqual, bytesToHex } from '../../common/bytes.js';
import { ProtocolError } from '../errors.js';
import type { HpkePublicKey } from '../hpke/keys.js';
import { importHpkePublicKey } from '../hpke/keys.js';
import { type Manifest, manifestPcrPolicy, sessionIdOf } from '../manifest/manifest.js';
import { importSigningPublicKey, type SigningPublicKey } from '../signing/keys.js';
import { decodeSessionBinding } from './session-binding.js';

/** Attestation options a caller may set; PCRs come from the manifest, user_data is checked as a binding. */
export type SessionAttestationPolicy = Omit<AttestationPolicy, 'pcrs' | 'userData' | 'nonce' | 'publicKey'>;

export interface VerifySessionAttestationOptions extends SessionAttestationPolicy {
  readonly manifest: Manifest;
  /** The nonce the party sent with its attest request (hex or bytes). */
  readonly nonce: string | Uint8Array;
}

export interface VerifiedSessionAttestation {
  readonly sessionId: Uint8Array;
  /** The session key parties seal inputs to. */
  readonly hpkePublicKey: HpkePublicKey;
  /** The key that signs this session's results and destruction certificate. */
  readonly enclaveSigningKey: SigningPublicKey;
  readonly document: VerifiedAttestationDocument;
}

/**
 * Verifies an attestation document for a session, before any input is sent: provenance, signature, the
 * manifest's PCRs and the party's nonce (`attestation/`, whose `AttestationError`s pass through unchanged), then
 * that user_data binds this manifest's session id and well-formed keys (`ATTESTATION_BINDING_INVALID`).
 */
export async function verifySessionAttestation(
  document: Uint8Array,
  options: VerifySessionAttestationOptions,
): Promise<VerifiedSessionAttestation> {
  const { manifest, nonce, ...policy } = options;
  return verifyBoundAttestation(document, sessionIdOf(manifest), {
    ...policy,
    pcrs: manifestPcrPolicy(manifest),
    nonce,
  });
}

/** The shared core: any attestation policy, plus the binding to `sessionId`. Used by receipts (no nonce). */
export async function verifyBoundAttestation(
  document: Uint8Array,
  sessionId: Uint8Array,
  policy: Omit<AttestationPolicy, 'userData'>,
): Promise<VerifiedSessionAttestation> {
  const verified = await verifyAttestationDocument(document, policy);
  const binding = decodeSessionBinding(verified.userData);
  if (!bytesEqual(binding.sessionId, sessionId)) {
    throw new ProtocolError(
      'ATTESTATION_BINDING_INVALID',
      'the attestation document binds another session: do not send inputs to this enclave for this session',
      { details: { expected: bytesToHex(sessionId), actual: bytesToHex(binding.sessionId) } },
    );
  }
  // Refuse keys that parse as the wrong type now, not when the first input is sealed.
  importSigningPublicKey(binding.signingKey);
  await importHpkePublicKey(binding.hpkePublicKey);
  return {
    sessionId: new Uint8Array(binding.sessionId),
    hpkePublicKey: binding.hpkePublicKey,
    enclaveSigningKey: binding.signingKey,
    document: verified,
  };
}
