import {
  CHUNK_ENVELOPE_OVERHEAD_BYTES,
  DEFAULT_UPLOAD_CHUNK_BYTES,
  FrameChannel,
  type FrameChannelStats,
  listen,
  TransportError,
  type TransportListener,
} from '../protocol/transport/index.js';
import type { SessionService } from './sessions/index.js';

/** What the server holds now and the most it held: what a flood or a slowloris could grow. */
export interface SessionServerStats {
  readonly connections: number;
  readonly peakConnections: number;
  /** Requests being handled now, over all connections. */
  readonly incomingRequests: number;
  /** The most requests one connection ever had in flight at once. */
  readonly peakIncomingRequestsPerConnection: number;
  /** The most bytes one connection's frame decoder ever held (at most the maximum frame size). */
  readonly peakFrameBytesBuffered: number;
  /** Connections the server ended, by the code that ended them (FRAME_TIMEOUT, FRAME_TOO_LARGE, ...). */
  readonly dropped: Readonly<Record<string, number>>;
}

export interface SessionServer {
  /** Where it listens (a port the system chose filled in). */
  readonly listener: TransportListener;
  stats(): SessionServerStats;
  /** Stops accepting, drops open connections. */
  close(): Promise<void>;
}

export interface SessionServerOptions {
  /** Largest frame accepted from a party (default: the transport's 1 MiB); larger inputs stream in chunks. */
  readonly maxFrameBytes?: number;
  /** Requests one connection may have in flight before the server stops reading it (default 32). */
  readonly maxIncomingRequests?: number;
  /** A frame must arrive whole within this once started (default 30 s): slowloris connections are dropped. */
  readonly frameTimeoutMs?: number;
  /** A connection with nothing in flight is closed after this (default 5 minutes). */
  readonly idleTimeoutMs?: number;
  /** A connection whose party reads no responses for this long is dropped (default 60 s). */
  readonly drainTimeoutMs?: number;
  /** Told the code each time the server ends a connection on its side (for logs; never given any content). */
  readonly onDropped?: (code: string) => void;
}

const TIMEOUT_VARIABLES = {
  frameTimeoutMs: 'NITRO_MPC_FRAME_TIMEOUT_MS',
  idleTimeoutMs: 'NITRO_MPC_IDLE_TIMEOUT_MS',
  drainTimeoutMs: 'NITRO_MPC_DRAIN_TIMEOUT_MS',
} as const;

/** The timeouts an operator (or a test) sets in the enclave's environment; unset ones keep their defaults. */
export function serverTimeoutsFromEnv(
  env: NodeJS.ProcessEnv,
): Pick<SessionServerOptions, keyof typeof TIMEOUT_VARIABLES> {
  const options: { -readonly [K in keyof typeof TIMEOUT_VARIABLES]?: number } = {};
  for (const [option, variable] of Object.entries(TIMEOUT_VARIABLES) as [
    keyof typeof TIMEOUT_VARIABLES,
    string,
  ][]) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const ms = Number(text);
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new TransportError(
        'TRANSPORT_OPTIONS_INVALID',
        `${variable} must be a whole number of ms, not "${text}"`,
      );
    }
    options[option] = ms;
  }
  return options;
}

const PARTY_LEFT = new Set(['TRANSPORT_CLOSED', 'TRANSPORT_CONNECTION_LOST']);

export const DEFAULT_SERVER_IDLE_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_SERVER_DRAIN_TIMEOUT_MS = 60_000;

/**
 * Serves the session service on a transport address: each connection is a frame channel whose requests go to
 * `service.handle` and whose responses go back under the same request id. A hostile connection can only hurt
 * itself: frame limits and schemas stop it before it reaches any session, at most `maxIncomingRequests` of its
 * requests are held (then it is not read: its flood waits in its own socket), and one that stalls mid-frame, sits
 * idle or stops reading is dropped after its timeout.
 */
export async function serveSessions(
  address: string,
  service: SessionService,
  options: SessionServerOptions = {},
): Promise<SessionServer> {
  const channels = new Set<FrameChannel>();
  const dropped: Record<string, number> = {};
  let peakConnections = 0;
  let peak = { incoming: 0, frameBytes: 0 };
  const notePeaks = (stats: FrameChannelStats): void => {
    peak = {
      incoming: Math.max(peak.incoming, stats.peakIncomingRequests),
      frameBytes: Math.max(peak.frameBytes, stats.peakFrameBytesBuffered),
    };
  };
  const listener = await listen(address, (connection) => {
    const channel = new FrameChannel(connection, {
      handler: (request) => service.handle(request.body),
      ...(options.maxFrameBytes === undefined
        ? {}
        : {
            maxFrameBytes: options.maxFrameBytes,
            // Below 64 KiB frames the default upload chunk would not fit: the channel refused every connection.
            uploadChunkBytes: Math.min(
              DEFAULT_UPLOAD_CHUNK_BYTES,
              options.maxFrameBytes - CHUNK_ENVELOPE_OVERHEAD_BYTES,
            ),
          }),
      ...(options.maxIncomingRequests === undefined
        ? {}
        : { maxIncomingRequests: options.maxIncomingRequests }),
      ...(options.frameTimeoutMs === undefined ? {} : { frameTimeoutMs: options.frameTimeoutMs }),
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_SERVER_IDLE_TIMEOUT_MS,
      drainTimeoutMs: options.drainTimeoutMs ?? DEFAULT_SERVER_DRAIN_TIMEOUT_MS,
    });
    channels.add(channel);
    peakConnections = Math.max(peakConnections, channels.size);
    void channel.closed.then((reason) => {
      notePeaks(channel.stats);
      channels.delete(channel);
      // A party that left is not a refusal; everything else is the server ending a connection it would not keep.
      if (reason instanceof TransportError && !PARTY_LEFT.has(reason.code)) {
        dropped[reason.code] = (dropped[reason.code] ?? 0) + 1;
        options.onDropped?.(reason.code);
      }
    });
  });
  return {
    listener,
    stats() {
      let incomingRequests = 0;
      for (const channel of channels) {
        const stats = channel.stats;
        notePeaks(stats);
        incomingRequests += stats.incomingRequests;
      }
      return {
        connections: channels.size,
        peakConnections,
        incomingRequests,
        peakIncomingRequestsPerConnection: peak.incoming,
        peakFrameBytesBuffered: peak.frameBytes,
        dropped: { ...dropped },
      };
    },
    async close() {
      await listener.close();
      for (const channel of channels) channel.destroy();
    },
  };
}
