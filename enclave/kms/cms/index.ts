export { type BerElement, BerFormatError, berChildren, readBerElement, readSingleBerElement } from './ber.js';
export { type KmsEnvelope, MAX_ENVELOPE_BYTES, parseKmsEnvelope } from './kms-envelope.js';
export { OID } from './oids.js';
export { type EnvelopeRecipient, openKmsEnvelope } from './open-envelope.js';
export { acceptedSubjectKeyIdentifiers, subjectKeyIdentifier } from './subject-key-identifier.js';
