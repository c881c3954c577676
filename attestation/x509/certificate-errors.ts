/** Why a certificate could not be parsed. The chain validator turns it into an attestation error. */
export class CertificateParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateParseError';
  }
}
