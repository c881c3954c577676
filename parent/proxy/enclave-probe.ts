/** Whether the enclave address accepts a connection now (for /healthz): connect, then close at once. */
import type { TransportAddress } from '../../protocol/transport/index.js';
import { dialStream } from './streams.js';

export async function enclaveReachable(address: TransportAddress, timeoutMs: number): Promise<boolean> {
  try {
    const stream = await dialStream(address, timeoutMs);
    stream.destroy();
    return true;
  } catch {
    return false;
  }
}
