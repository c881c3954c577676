import { FrameChannel, listen, type TransportListener } from '../protocol/transport/index.js';
import type { SessionService } from './sessions/index.js';

export interface SessionServer {
  /** Where it listens (a port the system chose filled in). */
  readonly listener: TransportListener;
  /** Stops accepting, drops open connections. */
  close(): Promise<void>;
}

export interface SessionServerOptions {
  /** Largest frame accepted from a party (default: the transport's 1 MiB); larger inputs stream in chunks. */
  readonly maxFrameBytes?: number;
}

/**
 * Serves the session service on a transport address: each connection is a frame channel whose requests go to
 * `service.handle` and whose responses go back under the same request id. A hostile connection can only hurt
 * itself: frame limits and schemas stop it before it reaches any session.
 */
export async function serveSessions(
  address: string,
  service: SessionService,
  options: SessionServerOptions = {},
): Promise<SessionServer> {
  const channels = new Set<FrameChannel>();
  const listener = await listen(address, (connection) => {
    const channel = new FrameChannel(connection, {
      handler: (request) => service.handle(request.body),
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
    });
    channels.add(channel);
    void channel.closed.then(() => channels.delete(channel));
  });
  return {
    listener,
    async close() {
      await listener.close();
      for (const channel of channels) channel.destroy();
    },
  };
}
