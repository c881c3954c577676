/** nitro-mpc/client: the party SDK. */
export {
  type AttestationRecord,
  type AttestationTrust,
  attestationRecordFromJson,
  attestationRecordJsonSchema,
  attestationRecordToJson,
  requestAttestation,
  verifyAttestationRecord,
} from './attestation-record.js';
export { type DraftManifestOptions, draftManifest, type ManifestParty } from './draft-manifest.js';
export { EnclaveConnection } from './enclave-connection.js';
export {
  EnclaveRefusal,
  SESSION_STATE_ERROR_CODES,
  SessionStateError,
  type SessionStateErrorCode,
} from './errors.js';
export { expectResponse } from './expect-response.js';
export { type SendInputOptions, sendInput } from './input-sender.js';
export { PartyClient, type PartyClientOptions, type PartyIdentity } from './party-client.js';
export {
  decodePartyKeyFile,
  encodePartyKeyFile,
  generatePartyKeys,
  PartyKeyFileError,
  type PartyKeyFileJson,
  type PartyKeys,
  partyKeyFileSchema,
  partyPublicEntry,
} from './party-key-file.js';
