import { createPublicKey, type KeyObject } from 'node:crypto';
import { AttestationError, type Cert, verifyAttestationDocument } from '../../../attestation/index.js';
import { bytesToHex } from '../../../common/bytes.js';
import { kmsError } from '../errors.js';

/**
 * The `Recipient` request parameter: an NSM attestation document whose `public_key` is the enclave's RSA key.
 * KMS checks the document's signature chain (to the AWS Nitro root; here, to the simulator's NSM root), then
 * offers its PCRs to the key policy as `kms:RecipientAttestation:*` condition keys, and encrypts the response to
 * the public key instead of returning plaintext.
 */
export interface RecipientParameter {
  readonly attestationDocument: Uint8Array;
  readonly keyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256';
}

export interface AttestedRecipient {
  readonly publicKey: KeyObject;
  readonly publicKeyDer: Uint8Array;
  /** Condition keys (lower-cased) and their hex values, e.g. `kms:recipientattestation:pcr0`. */
  readonly conditionValues: ReadonlyMap<string, string>;
}

export interface RecipientVerificationOptions {
  readonly roots: readonly Cert[];
  readonly at: number;
  readonly maxAgeMs: number;
}

/** PCRs KMS offers as condition keys (KMS Developer Guide, "Condition keys for Nitro Enclaves"). */
const CONDITION_PCRS = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 4096;

function conditionValuesOf(pcrs: ReadonlyMap<number, Uint8Array>): Map<string, string> {
  const values = new Map<string, string>();
  const pcr0 = pcrs.get(0);
  // ImageSha384 is PCR0, the enclave image's measurement.
  if (pcr0) values.set('kms:recipientattestation:imagesha384', bytesToHex(pcr0));
  for (const index of CONDITION_PCRS) {
    const value = pcrs.get(index);
    if (value) values.set(`kms:recipientattestation:pcr${index}`, bytesToHex(value));
  }
  return values;
}

function rsaPublicKey(publicKeyDer: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  } catch {
    throw kmsError.validation(
      'The public key in the attestation document is not a DER SubjectPublicKeyInfo.',
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    throw kmsError.validation(
      'The public key in the attestation document must be an RSA key (2048 to 4096 bits) for RSAES_OAEP_SHA_256.',
    );
  }
  return key;
}

/** Verifies the document; a document that does not verify is a denial, as KMS's conditions cannot hold. */
export async function verifyRecipient(
  recipient: RecipientParameter,
  options: RecipientVerificationOptions,
): Promise<AttestedRecipient> {
  let document: Awaited<ReturnType<typeof verifyAttestationDocument>>;
  try {
    document = await verifyAttestationDocument(recipient.attestationDocument, {
      roots: options.roots,
      at: options.at,
      maxAgeMs: options.maxAgeMs,
      // KMS accepts debug-mode documents; a policy on PCR0 is what keeps debug enclaves out.
      allowDebug: true,
    });
  } catch (error) {
    if (!(error instanceof AttestationError)) throw error;
    throw kmsError.accessDenied(
      `The attestation document in the Recipient parameter is not valid (${error.code}): ${error.message}`,
    );
  }
  if (!document.publicKey) {
    throw kmsError.validation('The attestation document in the Recipient parameter has no public key.');
  }
  const publicKeyDer = new Uint8Array(document.publicKey);
  return {
    publicKey: rsaPublicKey(publicKeyDer),
    publicKeyDer,
    conditionValues: conditionValuesOf(document.pcrs),
  };
}
