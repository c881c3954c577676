import type { NsmDigest } from './protocol.js';

/** What `describe()` reports: the NSM's version, its module id and its PCR bank. */
export interface NsmDescription {
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly versionPatch: number;
  /** The enclave's id, `i-<instance>-enc<enclave>`, as in its attestation documents. */
  readonly moduleId: string;
  /** How many PCRs the NSM has (32 on Nitro). */
  readonly maxPcrs: number;
  /** Indexes of the read-only PCRs, ascending (PCR0..15 from boot, plus any locked since). */
  readonly lockedPcrs: readonly number[];
  readonly digest: NsmDigest;
}

export interface PcrState {
  /** True once the PCR is read-only: extending it fails with `NSM_PCR_LOCKED`. */
  readonly locked: boolean;
  readonly value: Uint8Array;
}

/** What the enclave binds into an attestation document. Each field is at most 1024 bytes. */
export interface AttestOptions {
  /** Data for the verifier, e.g. a hash of the session transcript. */
  readonly userData?: Uint8Array;
  /** The verifier's challenge, echoed so that it can tell the document is fresh. */
  readonly nonce?: Uint8Array;
  /** A key the verifier encrypts to (DER SubjectPublicKeyInfo), e.g. for KMS `Recipient`. */
  readonly publicKey?: Uint8Array;
}

/**
 * The Nitro Secure Module as the enclave app uses it: the real one (`openNsmDevice`) and the simulated one
 * (`createSimulatedNsm` in simulator/nsm) behave the same. Every method rejects with `NsmError`.
 */
export interface Nsm {
  describe(): Promise<NsmDescription>;
  describePcr(index: number): Promise<PcrState>;
  /** PCR[index] = SHA-384(PCR[index] || data); resolves with the new value. Locked PCRs refuse. */
  extendPcr(index: number, data: Uint8Array): Promise<Uint8Array>;
  /** Makes PCR[index] read-only. PCR0..15 are locked from boot and refuse this with `NSM_PCR_LOCKED`. */
  lockPcr(index: number): Promise<void>;
  /** Makes PCR0..range-1 read-only. */
  lockPcrs(range: number): Promise<void>;
  /** `length` bytes from the NSM's random source (it gives at most 256 per request; this asks as often as needed). */
  getRandom(length: number): Promise<Uint8Array>;
  /** A signed attestation document: COSE_Sign1 bytes as the NSM returns them. */
  attest(options?: AttestOptions): Promise<Uint8Array>;
  /** Releases the device. Later calls fail with `NSM_CLOSED`. Safe to call twice. */
  close(): Promise<void>;
}
