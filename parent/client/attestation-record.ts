import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Cert } from '../../attestation/index.js';
import {
  type Manifest,
  sessionIdOf,
  type VerifiedSessionAttestation,
  verifySessionAttestation,
} from '../../protocol/index.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { expectResponse } from './expect-response.js';

/**
 * An attestation a party asked for (the document and the nonce it sent), kept so that a later process can send
 * inputs. Only ever trusted after `verifyAttestationRecord` passes again: a stored file is outside input.
 */
export interface AttestationRecord {
  readonly document: Uint8Array;
  readonly nonce: Uint8Array;
}

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

/** The JSON form stored on disk: one object, base64 fields. */
export const attestationRecordJsonSchema = z.strictObject({
  version: z.literal(1),
  sessionId: z.string().regex(/^[0-9a-f]{64}$/),
  document: b64.min(1).max(64 * 1024),
  nonce: b64.min(1).max(1024),
});
export type AttestationRecordJson = z.infer<typeof attestationRecordJsonSchema>;

export function attestationRecordToJson(
  sessionId: Uint8Array,
  record: AttestationRecord,
): AttestationRecordJson {
  return {
    version: 1,
    sessionId: Buffer.from(sessionId).toString('hex'),
    document: Buffer.from(record.document).toString('base64'),
    nonce: Buffer.from(record.nonce).toString('base64'),
  };
}

export function attestationRecordFromJson(json: AttestationRecordJson): AttestationRecord {
  return {
    document: new Uint8Array(Buffer.from(json.document, 'base64')),
    nonce: new Uint8Array(Buffer.from(json.nonce, 'base64')),
  };
}

export interface AttestationTrust {
  /** Trust anchors: default the AWS Nitro root; the simulator's root in tests. */
  readonly roots?: readonly Cert[];
}

/** Verifies a (possibly stored) record against the manifest: provenance, PCRs, nonce and session binding. */
export function verifyAttestationRecord(
  record: AttestationRecord,
  manifest: Manifest,
  trust: AttestationTrust = {},
): Promise<VerifiedSessionAttestation> {
  return verifySessionAttestation(record.document, {
    manifest,
    nonce: record.nonce,
    ...(trust.roots === undefined ? {} : { roots: trust.roots }),
  });
}

/** Asks the enclave for an attestation with a fresh nonce and verifies it; returns both the record and the verdict. */
export async function requestAttestation(
  connection: EnclaveConnection,
  manifest: Manifest,
  trust: AttestationTrust = {},
): Promise<{ record: AttestationRecord; verified: VerifiedSessionAttestation }> {
  const nonce = new Uint8Array(randomBytes(32));
  const { document } = expectResponse(
    await connection.send({ type: 'attest', sessionId: sessionIdOf(manifest), nonce }),
    'attestation',
  );
  const record = { document, nonce };
  return { record, verified: await verifyAttestationRecord(record, manifest, trust) };
}
