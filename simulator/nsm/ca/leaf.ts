import { KeyObject } from 'node:crypto';
import type { CaHierarchy } from './hierarchy.js';
import { extensionsOf, LEAF_BACKDATE_MS, LIFETIME_MS, leafSerial, subjectOf } from './profiles.js';
import { generateP384KeyPair, issueCertificate } from './x509.js';

export interface DocumentSigner {
  /** The leaf certificate (DER): the document's `certificate`. */
  readonly certificate: Uint8Array;
  /** Its private key, for ES384 over the document; never stored. */
  readonly signingKey: KeyObject;
}

/**
 * A fresh document-signing certificate, issued by the instance CA: valid three hours from three seconds before
 * `now`, serial = enclave id || issue time, subject naming the module.
 */
export async function issueDocumentSigner(
  hierarchy: CaHierarchy,
  moduleId: string,
  enclaveId: string,
  now: number,
): Promise<DocumentSigner> {
  const keys = await generateP384KeyPair(false);
  const issuedAt = Math.floor(now / 1000);
  const certificate = await issueCertificate({
    serial: leafSerial(enclaveId, issuedAt),
    subject: subjectOf('leaf', { region: hierarchy.region, instanceId: hierarchy.instanceId, moduleId }),
    issuer: hierarchy.instance.certificate,
    publicKey: keys.publicKey,
    signingKey: hierarchy.instance.privateKey,
    notBefore: new Date(issuedAt * 1000 - LEAF_BACKDATE_MS),
    notAfter: new Date(issuedAt * 1000 + LIFETIME_MS.leaf),
    extensions: await extensionsOf('leaf', keys.publicKey, hierarchy.instance.certificate),
  });
  return { certificate: new Uint8Array(certificate.rawData), signingKey: KeyObject.from(keys.privateKey) };
}
