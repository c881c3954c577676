/** The real AWS vectors in ../shared/vectors, with their index. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const VECTORS_DIR = resolve(import.meta.dirname, '../../../shared/vectors');

export interface AttestationVector {
  readonly file: string;
  readonly expect: string;
  readonly module_id: string;
  readonly timestamp_ms: number;
  readonly leaf_not_before: string;
  readonly leaf_not_after: string;
  readonly pcrs: Readonly<Record<string, string>>;
  readonly nonce: string | null;
  readonly user_data: string | null;
  readonly public_key: string | null;
  readonly sha256: string;
}

export const attestationVectors: readonly AttestationVector[] = JSON.parse(
  readFileSync(join(VECTORS_DIR, 'attestation/index.json'), 'utf8'),
);

export function readVector(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(VECTORS_DIR, 'attestation', file)));
}

/** The real documents a correct verifier accepts (at their own time). */
export const validVectors = attestationVectors.filter((v) => v.expect.startsWith('valid'));
export const selfSignedVector = attestationVectors.find((v) => v.file === 'self-signed-not-aws.cbor');

/** Debug-mode documents (PCR0..2 zero) need allowDebug. */
export function isDebugVector(v: AttestationVector): boolean {
  return [0, 1, 2].every((i) => /^0+$/.test(v.pcrs[String(i)] ?? ''));
}
