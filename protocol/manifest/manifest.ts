import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { bytesEqual } from '../../common/bytes.js';
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

/**
 * What a parsed manifest encodes to, computed once: a 1,000-party manifest is ~300 KB of canonical CBOR and took
 * ~90 ms to validate and encode, which every approval, attestation check and submission used to pay again. Only
 * manifests `parseManifest` returned are remembered, and those are frozen (all but `parameters`, which the schema
 * passes through by reference and which are re-encoded and compared on every use), so a remembered encoding
 * cannot go stale.
 */
interface ManifestEncoding {
  readonly bytes: Uint8Array;
  readonly parameters: Uint8Array;
  sessionId: Uint8Array | undefined;
}
const encodings = new WeakMap<Manifest, ManifestEncoding>();

function deepFreeze(value: unknown, skip: unknown): void {
  if (value === skip || typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child, skip);
}

function encodeParameters(parameters: unknown): Uint8Array {
  try {
    return encodeProtocolValue(parameters);
  } catch (error) {
    throw new ProtocolError('MANIFEST_INVALID', 'manifest parameters are not canonical-CBOR encodable', {
      cause: error,
    });
  }
}

/** The remembered encoding of a parsed manifest whose parameters have not changed since, else undefined. */
function rememberedEncoding(manifest: Manifest): ManifestEncoding | undefined {
  const known = encodings.get(manifest);
  if (known === undefined) return undefined;
  let parameters: Uint8Array;
  try {
    parameters = encodeProtocolValue(manifest.parameters);
  } catch {
    return undefined;
  }
  return bytesEqual(parameters, known.parameters) ? known : undefined;
}

/**
 * Validates a manifest built in code (shape and references); `MANIFEST_INVALID` names the problems. The result is
 * frozen (a manifest is an agreement: change it and it is another one), except `parameters`.
 */
export function parseManifest(value: unknown): Manifest {
  if (encodings.has(value as Manifest) && rememberedEncoding(value as Manifest)) return value as Manifest;
  const manifest = parseWith(manifestSchema, value, 'MANIFEST_INVALID', 'manifest');
  const parameters = encodeParameters(manifest.parameters);
  deepFreeze(manifest, manifest.parameters);
  encodings.set(manifest, { bytes: encodeProtocolValue(manifest), parameters, sessionId: undefined });
  return manifest;
}

function encodingOf(manifest: Manifest): ManifestEncoding {
  const known = rememberedEncoding(manifest);
  if (known !== undefined) return known;
  const parsed = parseManifest(manifest);
  const encoding = encodings.get(parsed);
  if (encoding === undefined) throw new Error('unreachable: parseManifest remembers every encoding');
  return encoding;
}

/** The canonical CBOR of a valid manifest: the bytes parties hash and sign. */
export function encodeManifest(manifest: Manifest): Uint8Array {
  return encodingOf(manifest).bytes.slice();
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
  const encoding = encodingOf(manifest instanceof Uint8Array ? decodeManifest(manifest) : manifest);
  encoding.sessionId ??= new Uint8Array(createHash('sha256').update(encoding.bytes).digest());
  return encoding.sessionId.slice();
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
