/** nitro-mpc/client: the party SDK. */
export { EnclaveConnection } from './enclave-connection.js';
export { EnclaveRefusal, PartyClient, type PartyClientOptions, type PartyIdentity } from './party-client.js';
