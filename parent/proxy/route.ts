/**
 * One relay route: a listening address whose every connection is relayed to one upstream (ingress: the enclave;
 * egress: one allow-listed remote). Enforces the connection limit, the connect timeout and the idle timeout,
 * counts bytes, and drains on shutdown.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { TransportAddress } from '../../protocol/transport/index.js';
import type { ByteTally, ProxyMetrics, RouteKind } from './metrics.js';
import { type Relay, relay } from './relay.js';
import { dialStream, failureReason, listenStreams, type StreamListener } from './streams.js';

export interface RouteOptions {
  readonly kind: RouteKind;
  readonly listen: TransportAddress;
  readonly upstream: TransportAddress;
  /** The upstream as written in logs and metric labels (egress: the allow-listed host:port). */
  readonly remote: string;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
}

/** Connections accepted and not yet ended: relaying, or still dialing the upstream (relay undefined). */
interface Tracked {
  relay: Relay | undefined;
  readonly accepted: Duplex;
  readonly id: string;
  readonly peer: string | undefined;
  /** When it was accepted (hrtime, ns). */
  readonly started: bigint;
}

/**
 * Dials to the upstream in flight at once; the rest wait their turn, oldest first. A burst of parties (a thousand
 * connecting at a session's start) would otherwise overflow the enclave's listen backlog (128 in
 * protocol/transport), and a full unix or vsock backlog refuses at once instead of queueing.
 */
export const MAX_CONCURRENT_DIALS = 64;

/** Before the upstream answers, an error on the accepted side only ends that side (it is then skipped or cut). */
function earlyError(this: Duplex): void {
  this.destroy();
}

function peerOf(stream: Duplex): string | undefined {
  const socket = stream as { remoteAddress?: unknown; remotePort?: unknown };
  return typeof socket.remoteAddress === 'string'
    ? `${socket.remoteAddress}:${String(socket.remotePort)}`
    : undefined;
}

export class Route {
  readonly #options: RouteOptions;
  readonly #labels: { route: RouteKind; remote: string };
  readonly #bytesIn: ByteTally;
  readonly #bytesOut: ByteTally;
  readonly #open = new Set<Tracked>();
  /** Accepted, waiting for a dial slot: a Set keeps arrival order and removes in O(1). */
  readonly #waiting = new Set<Tracked>();
  #dialing = 0;
  #listener: StreamListener | undefined;
  #nextId = 1;
  #draining = false;
  #idle: (() => void) | undefined;

  private constructor(options: RouteOptions) {
    this.#options = options;
    this.#labels = { route: options.kind, remote: options.remote };
    this.#bytesIn = options.metrics.bytesTally({ ...this.#labels, direction: 'in' });
    this.#bytesOut = options.metrics.bytesTally({ ...this.#labels, direction: 'out' });
  }

  /** Listens; rejects with PROXY_LISTEN_FAILED. */
  static async start(options: RouteOptions): Promise<Route> {
    const route = new Route(options);
    route.#listener = await listenStreams(
      options.listen,
      (stream) => route.#accept(stream),
      (error) => options.logger.error({ route: options.kind, err: failureReason(error) }, 'accept failed'),
    );
    route.#options.metrics.connectionsActive.set(route.#labels, 0);
    return route;
  }

  get address(): TransportAddress {
    if (this.#listener === undefined) throw new Error('route not started');
    return this.#listener.address;
  }

  /** The upstream as written in logs. */
  get remote(): string {
    return this.#options.remote;
  }

  get active(): number {
    return this.#open.size;
  }

  bufferedBytes(): number {
    let total = 0;
    for (const tracked of this.#open)
      total += tracked.relay?.bufferedBytes() ?? tracked.accepted.readableLength;
    return total;
  }

  #refuse(stream: Duplex, id: string, reason: string): void {
    const { logger, metrics, kind } = this.#options;
    metrics.refusals.inc({ ...this.#labels, reason });
    logger.warn(
      { conn: id, route: kind, peer: peerOf(stream), remote: this.#options.remote, reason },
      'refused',
    );
    stream.destroy();
  }

  #accept(accepted: Duplex): void {
    const { kind, metrics, maxConnections } = this.#options;
    const id = `${kind}-${this.#nextId++}`;
    const refusal = this.#draining
      ? 'shutting_down'
      : this.#open.size >= maxConnections
        ? 'connection_limit'
        : undefined;
    if (refusal !== undefined) {
      this.#refuse(accepted, id, refusal);
      return;
    }
    const tracked: Tracked = {
      relay: undefined,
      accepted,
      id,
      peer: peerOf(accepted),
      started: process.hrtime.bigint(),
    };
    this.#open.add(tracked);
    metrics.connectionsActive.inc(this.#labels);
    // Until the upstream answers, an error on the accepted side just ends it.
    accepted.on('error', earlyError);
    this.#waiting.add(tracked);
    this.#startDials();
  }

  #startDials(): void {
    for (const tracked of this.#waiting) {
      if (this.#dialing >= MAX_CONCURRENT_DIALS) return;
      this.#waiting.delete(tracked);
      if (tracked.accepted.destroyed) {
        tracked.accepted.off('error', earlyError);
        this.#ended(tracked, tracked.id, 'client_gone');
        continue;
      }
      this.#dialing += 1;
      this.#dial(tracked).finally(() => {
        this.#dialing -= 1;
        this.#startDials();
      });
    }
  }

  async #dial(tracked: Tracked): Promise<void> {
    const { kind, logger, metrics } = this.#options;
    const { accepted, id, peer, started } = tracked;
    let upstream: Duplex;
    try {
      upstream = await dialStream(this.#options.upstream, this.#options.connectTimeoutMs);
    } catch (error) {
      accepted.off('error', earlyError);
      const reason = 'upstream_unreachable';
      metrics.refusals.inc({ ...this.#labels, reason });
      logger.warn(
        { conn: id, route: kind, peer, remote: this.#options.remote, reason, err: failureReason(error) },
        'refused',
      );
      accepted.destroy();
      this.#ended(tracked);
      return;
    }
    accepted.off('error', earlyError);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.connectSeconds.observe(this.#labels, seconds);
    if (accepted.destroyed) {
      upstream.destroy();
      this.#ended(tracked, id, 'client_gone');
      return;
    }
    metrics.connectionsTotal.inc(this.#labels);
    logger.info(
      { conn: id, route: kind, peer, remote: this.#options.remote, connectMs: seconds * 1000 },
      'open',
    );
    tracked.relay = relay(accepted, upstream, {
      idleTimeoutMs: this.#options.idleTimeoutMs,
      onBytes: (direction, count) => (direction === 'in' ? this.#bytesIn : this.#bytesOut)(count),
      onEnd: (result) => {
        if (result.reason === 'idle' || result.reason === 'shutdown')
          metrics.refusals.inc({ ...this.#labels, reason: result.reason });
        logger.info(
          {
            conn: id,
            route: kind,
            peer,
            remote: this.#options.remote,
            reason: result.reason,
            bytesIn: result.bytesIn,
            bytesOut: result.bytesOut,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'close',
        );
        this.#ended(tracked);
      },
    });
  }

  #ended(tracked: Tracked, id?: string, reason?: string): void {
    if (id !== undefined) this.#options.logger.info({ conn: id, route: this.#options.kind, reason }, 'close');
    if (!this.#open.delete(tracked)) return;
    this.#options.metrics.connectionsActive.dec(this.#labels);
    if (this.#open.size === 0) this.#idle?.();
  }

  /** Stops accepting, waits for open connections to end until `deadlineMs`, then cuts the rest. */
  async drain(deadlineMs: number): Promise<{ drained: number; cut: number }> {
    this.#draining = true;
    await this.#listener?.stopAccepting();
    const before = this.#open.size;
    if (before > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((done) => {
        this.#idle = done;
        timer = setTimeout(done, deadlineMs);
      });
      clearTimeout(timer);
    }
    const cut = this.#open.size;
    for (const tracked of this.#open) {
      if (tracked.relay) tracked.relay.destroy('shutdown');
      else tracked.accepted.destroy();
    }
    await this.#listener?.close();
    return { drained: before - cut, cut };
  }
}
