/** A Nitro attestation document, decoded. Byte fields are views into the input; copy them to keep them longer. */
export interface AttestationDocument {
  /** The enclave's id, `i-<instance>-enc<enclave>`. */
  readonly moduleId: string;
  readonly digest: 'SHA384';
  /** When the NSM produced the document, milliseconds since the Unix epoch. */
  readonly timestamp: number;
  /** PCR index to value; real documents hold PCR0..15. */
  readonly pcrs: ReadonlyMap<number, Uint8Array>;
  /** The leaf certificate (DER) whose key signed the document. */
  readonly certificate: Uint8Array;
  /** Issuing CAs (DER), root first as the NSM lists them. Untrusted: only a pinned root is trusted. */
  readonly cabundle: readonly Uint8Array[];
  readonly publicKey: Uint8Array | undefined;
  readonly userData: Uint8Array | undefined;
  readonly nonce: Uint8Array | undefined;
}
