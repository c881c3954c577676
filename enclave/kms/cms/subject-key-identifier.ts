import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';

/**
 * How KMS names the recipient in `CiphertextForRecipient`: a 32-byte subjectKeyIdentifier. 32 bytes is a SHA-256
 * digest; the SubjectPublicKeyInfo DER is what KMS receives (the attestation document's `public_key`), and
 * RFC 7093 §2 method 4 defines a key identifier as the full hash of that DER. The AWS Nitro Enclaves SDK does not
 * check the identifier, and no real vector comes with its key, so the enclave also accepts SHA-256 of the bare
 * subjectPublicKey bits (the other plausible reading). Both are derived from our own public key: accepting either
 * lets no one else's envelope through.
 */
export function subjectKeyIdentifier(spkiDer: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(spkiDer).digest());
}

/** The identifiers an envelope addressed to this key may carry, preferred first. */
export function acceptedSubjectKeyIdentifiers(spkiDer: Uint8Array): readonly Uint8Array[] {
  const info = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  const keyBits = new Uint8Array(createHash('sha256').update(new Uint8Array(info.subjectPublicKey)).digest());
  return [subjectKeyIdentifier(spkiDer), keyBits];
}
