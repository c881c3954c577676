/**
 * Test PKI: certificates with exactly the extensions a test wants (including broken ones), a Nitro-shaped chain
 * (root, regional, zonal, instance, leaf on P-384), and attestation documents signed by such a chain.
 */
import 'reflect-metadata';
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ES384 } from '../../attestation/cose/algorithms.js';
import { signCoseSign1 } from '../../attestation/cose/sign.js';
import { encodeAttestationPayload } from '../../attestation/document/encode.js';
import type { AttestationDocument } from '../../attestation/document/types.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-384' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-384' } as const;

export interface TestCert {
  readonly cert: x509.X509Certificate;
  readonly der: Uint8Array;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly privateKey: KeyObject;
}

export interface IssueOptions {
  readonly subject: string;
  /** Signs the certificate; self-signed when absent. */
  readonly issuer?: TestCert;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** basicConstraints: `undefined` to leave the extension out. */
  readonly ca?: boolean;
  readonly pathLength?: number;
  /** KeyUsage flags (x509.KeyUsageFlags); `undefined` to leave the extension out. */
  readonly keyUsage?: number;
  readonly extensions?: readonly x509.Extension[];
  /** Reuse a key pair (e.g. to re-issue a CA). */
  readonly keys?: webcrypto.CryptoKeyPair;
}

let serial = 1;

export async function issueCertificate(options: IssueOptions): Promise<TestCert> {
  const keys =
    options.keys ??
    ((await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair);
  const extensions: x509.Extension[] = [];
  if (options.ca !== undefined) {
    extensions.push(new x509.BasicConstraintsExtension(options.ca, options.pathLength, true));
  }
  if (options.keyUsage !== undefined) extensions.push(new x509.KeyUsagesExtension(options.keyUsage, true));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  extensions.push(...(options.extensions ?? []));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(4, '0'),
    subject: options.subject,
    issuer: options.issuer ? options.issuer.cert.subject : options.subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: options.issuer ? options.issuer.keys.privateKey : keys.privateKey,
    extensions,
  });
  return {
    cert,
    der: new Uint8Array(cert.rawData),
    keys,
    privateKey: KeyObject.from(keys.privateKey as unknown as webcrypto.CryptoKey),
  };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CA_USAGE =
  x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;

export interface NitroLikeChain {
  readonly root: TestCert;
  readonly regional: TestCert;
  readonly zonal: TestCert;
  readonly instance: TestCert;
  readonly leaf: TestCert;
  /** As a document carries it: root first. */
  readonly cabundle: readonly Uint8Array[];
}

/** A chain shaped like AWS's (subjects, pathLen, key usages, lifetimes) around `at`. */
export async function nitroLikeChain(at: number): Promise<NitroLikeChain> {
  const root = await issueCertificate({
    subject: 'C=US, O=Amazon, OU=AWS, CN=test.nitro-enclaves',
    notBefore: new Date(at - 365 * DAY),
    notAfter: new Date(at + 30 * 365 * DAY),
    ca: true,
    keyUsage: CA_USAGE,
  });
  const regional = await issueCertificate({
    subject: 'C=US, O=Amazon, OU=AWS, CN=0123456789abcdef.us-east-1.test.nitro-enclaves',
    issuer: root,
    notBefore: new Date(at - 2 * DAY),
    notAfter: new Date(at + 18 * DAY),
    ca: true,
    pathLength: 2,
    keyUsage: CA_USAGE,
  });
  const zonal = await issueCertificate({
    subject:
      'C=US, ST=WA, L=Seattle, O=Amazon, OU=AWS, CN=fedcba9876543210.zonal.us-east-1.test.nitro-enclaves',
    issuer: regional,
    notBefore: new Date(at - DAY),
    notAfter: new Date(at + 5 * DAY),
    ca: true,
    pathLength: 1,
    keyUsage: CA_USAGE,
  });
  const instance = await issueCertificate({
    subject:
      'C=US, ST=Washington, L=Seattle, O=Amazon, OU=AWS, CN=i-0123456789abcdef0.us-east-1.test.nitro-enclaves',
    issuer: zonal,
    notBefore: new Date(at - HOUR),
    notAfter: new Date(at + DAY),
    ca: true,
    pathLength: 0,
    keyUsage: CA_USAGE,
  });
  const leaf = await issueCertificate({
    subject:
      'C=US, ST=Washington, L=Seattle, O=Amazon, OU=AWS, CN=i-0123456789abcdef0-enc0123456789abcdef.us-east-1.test',
    issuer: instance,
    notBefore: new Date(at - 60_000),
    notAfter: new Date(at + 3 * HOUR),
    ca: false,
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
  });
  return {
    root,
    regional,
    zonal,
    instance,
    leaf,
    cabundle: [root.der, regional.der, zonal.der, instance.der],
  };
}

export interface SignDocumentOptions {
  readonly chain: NitroLikeChain;
  readonly timestamp: number;
  readonly pcrs?: ReadonlyMap<number, Uint8Array>;
  readonly publicKey?: Uint8Array;
  readonly userData?: Uint8Array;
  readonly nonce?: Uint8Array;
  readonly indefiniteLength?: boolean;
  readonly tagged?: boolean;
  /** Sign with this key instead of the leaf's. */
  readonly signingKey?: KeyObject;
}

/** Sixteen PCRs of 48 bytes, PCR0..2 non-zero (a production enclave), the rest zero, as real documents. */
export function productionPcrs(seed = 1): Map<number, Uint8Array> {
  const pcrs = new Map<number, Uint8Array>();
  for (let i = 0; i < 16; i++) pcrs.set(i, new Uint8Array(48).fill(i < 3 ? seed + i : 0));
  return pcrs;
}

export function signTestDocument(options: SignDocumentOptions): Uint8Array {
  const doc: Omit<AttestationDocument, 'digest'> = {
    moduleId: 'i-0123456789abcdef0-enc0123456789abcdef',
    timestamp: options.timestamp,
    pcrs: options.pcrs ?? productionPcrs(),
    certificate: options.chain.leaf.der,
    cabundle: options.chain.cabundle,
    publicKey: options.publicKey,
    userData: options.userData,
    nonce: options.nonce,
  };
  const payload = encodeAttestationPayload(doc, { indefiniteLength: options.indefiniteLength ?? false });
  return signCoseSign1(payload, options.signingKey ?? options.chain.leaf.privateKey, ES384, {
    tagged: options.tagged ?? false,
  });
}
