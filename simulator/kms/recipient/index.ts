export {
  type AttestedRecipient,
  type RecipientParameter,
  type RecipientVerificationOptions,
  verifyRecipient,
} from './attested-recipient.js';
export {
  type EnvelopeRecipientKey,
  encodeKmsEnvelope,
  type KmsEnvelopeParts,
  recipientKeyIdentifier,
  sealForRecipient,
} from './kms-envelope.js';
