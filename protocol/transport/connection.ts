import type { Duplex } from 'node:stream';
import type { TransportAddress } from './address.js';

/**
 * One connected byte stream, whatever the address kind: a Node `Duplex` (a `net.Socket` for unix and tcp, a
 * `NativeSocketStream` for vsock). `end()` half-closes (the peer reads end of stream); `destroy()` drops it.
 */
export type TransportConnection = Duplex;

export type ConnectionHandler = (connection: TransportConnection) => void;

/** A listening socket. */
export interface TransportListener {
  /** Where it listens, with a port chosen by the system filled in (tcp port 0, vsock port 0). */
  readonly address: TransportAddress;
  /** Stops accepting and destroys the connections it accepted that are still open. Idempotent. */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Pending connections the kernel queues before accepting them (default 128). */
  readonly backlog?: number;
  /** Told about failures after listening started (e.g. out of descriptors while accepting). */
  readonly onError?: (error: Error) => void;
}

export interface ConnectOptions {
  /** Give up connecting after this long (default 10 s): TRANSPORT_CONNECT_FAILED. */
  readonly timeoutMs?: number;
}

export const DEFAULT_BACKLOG = 128;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
