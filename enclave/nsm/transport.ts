/**
 * Carries one encoded NSM request to an NSM and brings back its encoded response: the device ioctl on Nitro, the
 * simulated NSM elsewhere. The client above it (client.ts) is the same for both, so the simulator exercises the
 * real encoding.
 */
export interface NsmTransport {
  /** Sends CBOR request bytes; resolves with the CBOR response bytes. Rejects with `NsmError`. */
  exchange(request: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}
