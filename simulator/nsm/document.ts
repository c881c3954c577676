import { ES384 } from '../../attestation/cose/algorithms.js';
import { signCoseSign1 } from '../../attestation/cose/sign.js';
import { encodeAttestationPayload } from '../../attestation/document/encode.js';
import type { DocumentSigner } from './ca/leaf.js';

export interface DocumentContent {
  readonly moduleId: string;
  readonly timestamp: number;
  readonly pcrs: ReadonlyMap<number, Uint8Array>;
  readonly userData: Uint8Array | null;
  readonly nonce: Uint8Array | null;
  readonly publicKey: Uint8Array | null;
}

export type PayloadEncoding = 'definite' | 'indefinite';

/**
 * An attestation document as the NSM returns it: an untagged COSE_Sign1 with protected header {1: -35}, an empty
 * unprotected header, the payload map in NSM's key order and a raw 96-byte ES384 signature by the leaf.
 */
export function signAttestationDocument(
  content: DocumentContent,
  signer: DocumentSigner & { readonly cabundle: readonly Uint8Array[] },
  encoding: PayloadEncoding,
): Uint8Array {
  const payload = encodeAttestationPayload(
    {
      moduleId: content.moduleId,
      timestamp: content.timestamp,
      pcrs: content.pcrs,
      certificate: signer.certificate,
      cabundle: signer.cabundle,
      publicKey: content.publicKey ?? undefined,
      userData: content.userData ?? undefined,
      nonce: content.nonce ?? undefined,
    },
    { indefiniteLength: encoding === 'indefinite' },
  );
  return signCoseSign1(payload, signer.signingKey, ES384, { tagged: false });
}
