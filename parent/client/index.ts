export { EnclaveConnection } from './enclave-connection.js';
