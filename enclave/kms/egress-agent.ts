import { Agent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { connect } from '../../protocol/transport/index.js';

type CreateConnectionCallback = (error: Error | null, socket?: Duplex) => void;

/**
 * An HTTPS agent whose connections leave the enclave through the parent's egress relay (`vsock://3:8000` on
 * Nitro) and run TLS *inside* the enclave over that stream: the parent relays ciphertext and never sees a KMS
 * request or response. The relay forwards to one allow-listed host (as AWS's vsock-proxy), so every request
 * through this agent must be for that host; TLS checks its certificate and name as usual.
 */
export function egressHttpsAgent(egress: string, options: AgentOptions = {}): Agent {
  class EgressAgent extends Agent {
    override createConnection(
      connectOptions: { host?: string | null; servername?: string },
      callback: CreateConnectionCallback,
    ): undefined {
      connect(egress).then(
        (stream) => {
          const servername = connectOptions.servername ?? connectOptions.host ?? undefined;
          const secure = tlsConnect({
            ...(options.ca === undefined ? {} : { ca: options.ca }),
            socket: stream,
            ...(servername ? { servername } : {}),
            ALPNProtocols: ['http/1.1'],
          });
          callback(null, secure);
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
      return undefined;
    }
  }
  return new EgressAgent({ keepAlive: true, ...options });
}
