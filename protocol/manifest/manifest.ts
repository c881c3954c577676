import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { decodeProtocolValue, encodeProtocolValue } from '../codec/canonical.js';
import { parseWith } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import { manifestProblems } from './consistency.js';
import { manifestShape } from './schema.js';

/** The session manifest: every rule the parties agree on. Its canonical CBOR's SHA-256 is the session id. */
export const manifestSchema = manifestShape.superRefine((m, ctx) => {
  for (const problem of manifestProblems(m)) {
    ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  }
});
export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestParty = Manifest['parties'][number];
export type ManifestInput = Manifest['inputs'][number];
export type ManifestRecipient = Manifest['recipients'][number];
export type ResultView = ManifestRecipient['view'];

/** Validates a manifest built in code (shape and references); `MANIFEST_INVALID` names the problems. */
export function parseManifest(value: unknown): Manifest {
  const manifest = parseWith(manifestSchema, value, 'MANIFEST_INVALID', 'manifest');
  try {
    encodeProtocolValue(manifest.parameters);
  } catch (error) {
    throw new ProtocolError('MANIFEST_INVALID', 'manifest parameters are not canonical-CBOR encodable', {
      cause: error,
    });
  }
  return manifest;
}

/** The canonical CBOR of a valid manifest: the bytes parties hash and sign. */
export function encodeManifest(manifest: Manifest): Uint8Array {
  return encodeProtocolValue(parseManifest(manifest));
}

/**
 * Reads manifest bytes from outside. Refuses non-canonical bytes (`MANIFEST_NOT_CANONICAL`: their hash would not
 * be the session id others compute), unknown fields and inconsistent references (`MANIFEST_INVALID`).
 */
export function decodeManifest(bytes: Uint8Array): Manifest {
  const value = decodeProtocolValue(bytes, 'manifest', 'MANIFEST_INVALID', 'MANIFEST_NOT_CANONICAL');
  return parseManifest(value);
}

/** SHA-256 of the manifest's canonical CBOR. Bytes are decoded first, so non-canonical bytes are refused. */
export function sessionIdOf(manifest: Manifest | Uint8Array): Uint8Array {
  const bytes =
    manifest instanceof Uint8Array ? encodeManifest(decodeManifest(manifest)) : encodeManifest(manifest);
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** The PCR policy for `verifyAttestationDocument`, from the manifest's expected PCRs. */
export function manifestPcrPolicy(manifest: Manifest): Record<number, readonly string[]> {
  const pcrs: Record<number, readonly string[]> = {};
  for (const pcr of manifest.enclave.pcrs) pcrs[pcr.index] = pcr.allowed;
  return pcrs;
}

export function findParty(manifest: Manifest, partyId: string): ManifestParty | undefined {
  return manifest.parties.find((p) => p.id === partyId);
}
