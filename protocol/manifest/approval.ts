import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { bytesEqual } from '../../common/bytes.js';
import { CONTEXTS } from '../codec/contexts.js';
import { bytesSchema, identifierSchema, parseWith, sessionIdSchema } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import type { HpkePublicKey } from '../hpke/keys.js';
import { signingPublicKeyOf } from '../signing/keys.js';
import { assertProtocolSignature, SIGNATURE_BYTES, signProtocolValue } from '../signing/signatures.js';
import { findParty, type Manifest, sessionIdOf } from './manifest.js';

/**
 * A party's approval of a manifest. Wire form: canonical CBOR map {sessionId, partyId, signature}; the signature
 * is over [CONTEXTS.manifestApproval, {sessionId, partyId}] with the signing key the manifest lists for the party.
 */
export const manifestApprovalSchema = z.strictObject({
  sessionId: sessionIdSchema,
  partyId: identifierSchema,
  signature: bytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
});
export type ManifestApproval = z.infer<typeof manifestApprovalSchema>;

/**
 * Signs `partyId`'s approval, refusing (`APPROVAL_INVALID`) a manifest that lists another signing key for it, or,
 * given the party's own HPKE key, another HPKE key: whoever holds a key listed for a party could read its
 * encrypted results and send inputs in its name (HPKE auth mode), so a party approves only its own keys.
 */
export function signApproval(
  manifest: Manifest,
  partyId: string,
  privateKey: KeyObject,
  ownHpkePublicKey?: HpkePublicKey,
): ManifestApproval {
  const party = findParty(manifest, partyId);
  if (party === undefined) {
    throw new ProtocolError('APPROVAL_INVALID', `"${partyId}" is not a party of this manifest`);
  }
  const own = signingPublicKeyOf(privateKey);
  if (own.alg !== party.signingKey.alg || own.spki !== party.signingKey.spki) {
    throw new ProtocolError(
      'APPROVAL_INVALID',
      `this key is not the one the manifest lists for "${partyId}"`,
    );
  }
  if (
    ownHpkePublicKey !== undefined &&
    party.hpkePublicKey !== undefined &&
    party.hpkePublicKey.key !== ownHpkePublicKey.key
  ) {
    throw new ProtocolError(
      'APPROVAL_INVALID',
      `the manifest lists an HPKE key for "${partyId}" that is not yours: its holder could read your results ` +
        'and send inputs in your name; do not approve, ask for a manifest with your key',
    );
  }
  const sessionId = sessionIdOf(manifest);
  const signature = signProtocolValue(CONTEXTS.manifestApproval, { sessionId, partyId }, privateKey);
  return { sessionId, partyId, signature };
}

/**
 * Checks one approval: for this manifest's session (`APPROVAL_INVALID`), from one of its parties
 * (`APPROVAL_INVALID`), signed with that party's key (`SIGNATURE_INVALID`). Returns the approving party id.
 */
export function verifyApproval(manifest: Manifest, approval: unknown, sessionId?: Uint8Array): string {
  const parsed = parseWith(manifestApprovalSchema, approval, 'APPROVAL_INVALID', 'approval');
  const expectedSessionId = sessionId ?? sessionIdOf(manifest);
  if (!bytesEqual(parsed.sessionId, expectedSessionId)) {
    throw new ProtocolError('APPROVAL_INVALID', 'the approval is for another manifest (session id differs)');
  }
  const party = findParty(manifest, parsed.partyId);
  if (party === undefined) {
    throw new ProtocolError('APPROVAL_INVALID', `"${parsed.partyId}" is not a party of this manifest`);
  }
  assertProtocolSignature(
    CONTEXTS.manifestApproval,
    { sessionId: parsed.sessionId, partyId: parsed.partyId },
    parsed.signature,
    party.signingKey,
    `approval by "${parsed.partyId}"`,
  );
  return parsed.partyId;
}

/** Parties that have not yet given a valid approval. Throws on any approval that does not verify. */
export function pendingApprovals(manifest: Manifest, approvals: readonly unknown[]): string[] {
  const sessionId = sessionIdOf(manifest);
  const approved = new Set(approvals.map((a) => verifyApproval(manifest, a, sessionId)));
  return manifest.parties.map((p) => p.id).filter((id) => !approved.has(id));
}

/** True when every party has approved; the session opens only then. Throws on any approval that does not verify. */
export function allApproved(manifest: Manifest, approvals: readonly unknown[]): boolean {
  return pendingApprovals(manifest, approvals).length === 0;
}
