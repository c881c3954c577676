/**
 * The one place the simulator touches @peculiar/x509: P-384 keys and ECDSA-SHA384 certificates through Node's
 * WebCrypto, passed explicitly so that no global provider is changed.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export { x509 };

export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const provider = webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0];

const P384 = { name: 'ECDSA', namedCurve: 'P-384' } as const;
const ECDSA_SHA384 = { name: 'ECDSA', hash: 'SHA-384' } as const;

/** A fresh P-384 key pair. CA keys are extractable (they are stored); a document's leaf key is not. */
export async function generateP384KeyPair(extractable: boolean): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(P384, extractable, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function importP384PrivateKey(pkcs8: Uint8Array): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', pkcs8, P384, true, ['sign']);
}

export async function exportPkcs8(key: webcrypto.CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', key));
}

export interface IssueParams {
  /** Big-endian serial number bytes. */
  readonly serial: Uint8Array;
  readonly subject: x509.Name;
  /** The issuing CA's certificate; self-signed when absent. */
  readonly issuer?: x509.X509Certificate;
  readonly publicKey: webcrypto.CryptoKey;
  readonly signingKey: webcrypto.CryptoKey;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** In the order they appear in the certificate. */
  readonly extensions: readonly x509.Extension[];
}

export async function issueCertificate(params: IssueParams): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: Buffer.from(params.serial).toString('hex'),
      subject: params.subject,
      // The issuer's subject as it parsed it, so that the bytes match for name chaining.
      issuer: params.issuer ? params.issuer.subjectName : params.subject,
      notBefore: params.notBefore,
      notAfter: params.notAfter,
      signingAlgorithm: ECDSA_SHA384,
      publicKey: params.publicKey,
      signingKey: params.signingKey,
      extensions: [...params.extensions],
    },
    provider,
  );
}
