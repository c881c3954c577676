import {
  AWS_NITRO_ROOT_G1_DER,
  type Cert,
  decodeAttestationDocument,
  NitroMpcError,
} from '../../attestation/index.js';
import { type ConditionContext, KmsServiceError, verifyRecipient } from '../../simulator/kms/index.js';
import { KmsPolicyError } from './errors.js';

export interface RecipientContext {
  /** The `kms:RecipientAttestation:*` condition keys KMS would offer the policy (lower-cased). */
  readonly context: ConditionContext;
  readonly documentTime: number;
}

/**
 * The condition keys a KMS request with this document as `Recipient` carries, computed by the same code the KMS
 * simulator enforces with. The document is verified at its own timestamp (an explanation is often asked about an
 * old document); KMS itself also refuses documents older than five minutes.
 */
export async function recipientConditionContext(
  document: Uint8Array,
  roots: readonly Cert[] = [AWS_NITRO_ROOT_G1_DER],
): Promise<RecipientContext> {
  let documentTime: number;
  try {
    documentTime = decodeAttestationDocument(document).document.timestamp;
  } catch (cause) {
    if (!(cause instanceof NitroMpcError)) throw cause;
    throw new KmsPolicyError(
      'KMS_POLICY_ATTESTATION_REJECTED',
      `the attestation document does not decode (${cause.code}): ${cause.message}`,
      { cause },
    );
  }
  try {
    const recipient = await verifyRecipient(
      { attestationDocument: document, keyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' },
      { roots, at: documentTime, maxAgeMs: 60_000 },
    );
    const context = new Map([...recipient.conditionValues].map(([key, value]) => [key, [value]]));
    return { context, documentTime };
  } catch (cause) {
    if (!(cause instanceof KmsServiceError)) throw cause;
    throw new KmsPolicyError(
      'KMS_POLICY_ATTESTATION_REJECTED',
      `KMS would refuse this Recipient document before reading the policy (${cause.type}): ${cause.message}`,
      { cause },
    );
  }
}
