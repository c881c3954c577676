/**
 * nitro-mpc/protocol: what crosses the wire between parties and the enclave, shared by both sides. The manifest
 * (the agreement and session id), approvals, HPKE input sealing, the attestation binding, messages, receipts.
 */
export * from './binding/index.js';
export * from './codec/index.js';
export * from './errors.js';
export * from './hpke/index.js';
export * from './kms/index.js';
export * from './manifest/index.js';
export * from './messages/index.js';
export * from './receipts/index.js';
export * from './set-items/index.js';
export * from './signing/index.js';
export * from './store/index.js';
