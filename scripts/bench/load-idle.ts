/**
 * Idle parties: connections opened through the proxy that each make one exchange with the enclave (so the proxy
 * has dialed the enclave for it and the enclave holds a frame channel for it), then stay silent.
 */
import { EnclaveConnection } from '../../parent/client/index.js';
import { inPool } from './pool.js';

export interface IdleParties {
  readonly connections: readonly EnclaveConnection[];
  readonly openSeconds: number;
  close(): void;
}

export async function openIdleParties(
  address: string,
  count: number,
  concurrency: number,
): Promise<IdleParties> {
  const started = performance.now();
  const connections = await inPool(count, concurrency, async () => {
    const connection = await EnclaveConnection.open(address);
    // No session has this id: the enclave's refusal proves the relay reaches it.
    const answer = await connection.send({
      type: 'attest',
      sessionId: new Uint8Array(32),
      nonce: new Uint8Array(32),
    });
    if (answer.type !== 'error' || answer.code !== 'SESSION_UNKNOWN')
      throw new Error(`an idle party expected SESSION_UNKNOWN, got ${answer.type}`);
    return connection;
  });
  return {
    connections,
    openSeconds: (performance.now() - started) / 1000,
    close() {
      for (const connection of connections) connection.close();
    },
  };
}
