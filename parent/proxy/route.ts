/**
 * One relay route: a listening address whose every connection is relayed to one upstream (ingress: the enclave;
 * egress: one allow-listed remote). Enforces the connection limit, the connect timeout and the idle timeout,
 * counts bytes, and drains on shutdown.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { TransportAddress } from '../../protocol/transport/index.js';
import type { ProxyMetrics, RouteKind } from './metrics.js';
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
  readonly #open = new Set<Tracked>();
  #listener: StreamListener | undefined;
  #nextId = 1;
  #draining = false;
  #idle: (() => void) | undefined;

  private constructor(options: RouteOptions) {
    this.#options = options;
    this.#labels = { route: options.kind, remote: options.remote };
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
    const { kind, logger, metrics, maxConnections } = this.#options;
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
    const tracked: Tracked = { relay: undefined, accepted };
    this.#open.add(tracked);
    metrics.connectionsActive.inc(this.#labels);
    // Until the upstream answers, an error on the accepted side just ends it.
    const earlyError = (): void => {
      accepted.destroy();
    };
    accepted.on('error', earlyError);
    const started = process.hrtime.bigint();
    const peer = peerOf(accepted);
    dialStream(this.#options.upstream, this.#options.connectTimeoutMs).then(
      (upstream) => {
        accepted.off('error', earlyError);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.connectSeconds.observe(this.#labels, seconds);
        if (accepted.destroyed) {
          upstream.destroy();
          return this.#ended(tracked, id, 'client_gone');
        }
        metrics.connectionsTotal.inc(this.#labels);
        logger.info(
          { conn: id, route: kind, peer, remote: this.#options.remote, connectMs: seconds * 1000 },
          'open',
        );
        tracked.relay = relay(accepted, upstream, {
          idleTimeoutMs: this.#options.idleTimeoutMs,
          onBytes: (direction, count) => metrics.bytes.inc({ ...this.#labels, direction }, count),
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
      },
      (error: unknown) => {
        accepted.off('error', earlyError);
        const reason = 'upstream_unreachable';
        metrics.refusals.inc({ ...this.#labels, reason });
        logger.warn(
          {
            conn: id,
            route: kind,
            peer,
            remote: this.#options.remote,
            reason,
            err: failureReason(error),
          },
          'refused',
        );
        accepted.destroy();
        this.#ended(tracked);
      },
    );
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
