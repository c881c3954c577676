/**
 * Relays one accepted stream to its upstream, byte for byte, in both directions. `pipe` keeps backpressure: when
 * a side's writable buffer is full the other side stops reading, so bytes wait in the kernel, not in this process.
 * End of stream is forwarded (half-close); an error or abrupt close on either side destroys both.
 */
import type { Duplex } from 'node:stream';

/** `in`: from the accepted side toward the upstream; `out`: back. */
export type RelayDirection = 'in' | 'out';

export type RelayEndReason = 'completed' | 'idle' | 'error' | 'shutdown';

export interface RelayResult {
  readonly reason: RelayEndReason;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface RelayOptions {
  /** Both sides silent this long: destroy. */
  readonly idleTimeoutMs: number;
  readonly onBytes: (direction: RelayDirection, count: number) => void;
  readonly onEnd: (result: RelayResult) => void;
}

export interface Relay {
  /** Bytes this process holds for the connection right now (stream buffers on both sides). */
  bufferedBytes(): number;
  /** Cuts the connection now. */
  destroy(reason: RelayEndReason): void;
}

export function relay(accepted: Duplex, upstream: Duplex, options: RelayOptions): Relay {
  let bytesIn = 0;
  let bytesOut = 0;
  let reason: RelayEndReason | undefined;
  let closed = 0;
  const cut = (why: RelayEndReason): void => {
    reason ??= why;
    accepted.destroy();
    upstream.destroy();
  };
  const idle = setTimeout(() => cut('idle'), options.idleTimeoutMs);

  accepted.on('data', (chunk: Buffer) => {
    bytesIn += chunk.length;
    options.onBytes('in', chunk.length);
    idle.refresh();
  });
  upstream.on('data', (chunk: Buffer) => {
    bytesOut += chunk.length;
    options.onBytes('out', chunk.length);
    idle.refresh();
  });
  accepted.on('error', () => cut('error'));
  upstream.on('error', () => cut('error'));

  const onClose = (side: Duplex, other: Duplex) => (): void => {
    // A side that closed without reading its end of stream went away abruptly: nothing more can cross.
    if (!side.readableEnded) cut('error');
    else if (!other.destroyed) other.end();
    closed += 1;
    if (closed === 2) {
      clearTimeout(idle);
      options.onEnd({ reason: reason ?? 'completed', bytesIn, bytesOut });
    }
  };
  accepted.once('close', onClose(accepted, upstream));
  upstream.once('close', onClose(upstream, accepted));

  accepted.pipe(upstream);
  upstream.pipe(accepted);
  accepted.resume();

  return {
    bufferedBytes: () =>
      accepted.readableLength + accepted.writableLength + upstream.readableLength + upstream.writableLength,
    destroy: cut,
  };
}
