/** The proxy's Prometheus metrics, in a registry of its own (no global state shared with the host program). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type RouteKind = 'ingress' | 'egress';

/** Adds relayed bytes to `nitro_mpc_proxy_bytes_total` for one set of labels. */
export type ByteTally = (count: number) => void;

export interface ProxyMetrics {
  readonly registry: Registry;
  readonly connectionsActive: Gauge<'route' | 'remote'>;
  readonly connectionsTotal: Counter<'route' | 'remote'>;
  /** The tally for these labels (one per route and direction: take it once, call it per chunk). */
  bytesTally(labels: { route: RouteKind; remote: string; direction: 'in' | 'out' }): ByteTally;
  readonly refusals: Counter<'route' | 'remote' | 'reason'>;
  readonly connectSeconds: Histogram<'route' | 'remote'>;
}

/** `bufferedBytes` is read at each scrape: what the relay holds in memory right now. */
export function createProxyMetrics(bufferedBytes: () => number): ProxyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'nitro_mpc_proxy_' });
  const routeLabels = ['route', 'remote'] as const;
  new Gauge({
    name: 'nitro_mpc_proxy_buffered_bytes',
    help: 'Bytes the relay holds in stream buffers across all connections',
    registers: [registry],
    collect() {
      this.set(bufferedBytes());
    },
  });
  // Bytes are counted per chunk relayed (twice per request and response): a plain number per label set, added to
  // the counter at each scrape, instead of prom-client hashing and validating the labels on every chunk.
  const tallies = new Map<string, { readonly labels: Record<string, string>; pending: number }>();
  new Counter({
    name: 'nitro_mpc_proxy_bytes_total',
    help: 'Bytes relayed; direction in = from the accepted side to the upstream, out = back',
    labelNames: [...routeLabels, 'direction'],
    registers: [registry],
    collect() {
      for (const tally of tallies.values()) {
        if (tally.pending === 0) continue;
        this.inc(tally.labels, tally.pending);
        tally.pending = 0;
      }
    },
  });
  return {
    registry,
    bytesTally(labels) {
      const key = `${labels.route}\u0000${labels.remote}\u0000${labels.direction}`;
      let tally = tallies.get(key);
      if (!tally) {
        tally = { labels: { ...labels }, pending: 0 };
        tallies.set(key, tally);
      }
      const counted = tally;
      return (count) => {
        counted.pending += count;
      };
    },
    connectionsActive: new Gauge({
      name: 'nitro_mpc_proxy_connections_active',
      help: 'Relayed connections open now',
      labelNames: routeLabels,
      registers: [registry],
    }),
    connectionsTotal: new Counter({
      name: 'nitro_mpc_proxy_connections_total',
      help: 'Connections accepted and relayed',
      labelNames: routeLabels,
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'nitro_mpc_proxy_refusals_total',
      help: 'Connections refused or cut, by reason',
      labelNames: [...routeLabels, 'reason'],
      registers: [registry],
    }),
    connectSeconds: new Histogram({
      name: 'nitro_mpc_proxy_connect_seconds',
      help: 'Time to connect to the upstream (enclave or allow-listed remote)',
      labelNames: routeLabels,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
