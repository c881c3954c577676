import { verify as cryptoVerify } from 'node:crypto';
import type { ParsedCertificate } from './certificate.js';

/**
 * Checks that `issuer`'s key signed `subject`. ECDSA and RSA with SHA-2 go through `crypto.verify` on the
 * signed bytes, which also runs on libuv's thread pool (the async form); anything else falls back to OpenSSL's
 * own certificate verify.
 */
export function verifyCertificateSignatureSync(
  subject: ParsedCertificate,
  issuer: ParsedCertificate,
): boolean {
  const scheme = subject.signatureScheme;
  if (scheme === undefined) return subject.x509.verify(issuer.publicKey);
  if (issuer.publicKey.asymmetricKeyType !== scheme.keyType) return false;
  try {
    return cryptoVerify(scheme.hash, subject.tbs, issuer.publicKey, subject.signature);
  } catch {
    return false;
  }
}

/** The same check off the main thread, so that the several signatures of a path are verified in parallel. */
export function verifyCertificateSignature(
  subject: ParsedCertificate,
  issuer: ParsedCertificate,
): Promise<boolean> {
  const scheme = subject.signatureScheme;
  if (scheme === undefined || issuer.publicKey.asymmetricKeyType !== scheme.keyType) {
    return Promise.resolve(verifyCertificateSignatureSync(subject, issuer));
  }
  return new Promise((resolve) => {
    try {
      cryptoVerify(scheme.hash, subject.tbs, issuer.publicKey, subject.signature, (error, ok) =>
        resolve(!error && ok),
      );
    } catch {
      resolve(false);
    }
  });
}
