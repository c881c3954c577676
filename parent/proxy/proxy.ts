/**
 * The parent's proxy: ingress (parties → enclave) and egress (enclave → allow-listed remotes), with an admin
 * server for metrics and health. Everything that can be checked is checked before the first byte is relayed:
 * the allow-list parses, every allow-listed host and egress remote resolves, every egress remote is allowed, and
 * every port binds; otherwise `startProxy` rejects with a ProxyError and nothing stays open.
 *
 * Egress picks its target as vsock-proxy does: one listener per allow-listed remote (`<listen>=<host>:<port>`),
 * so the proxy reads no byte of the stream (no CONNECT preamble to parse) and the enclave's TLS session to KMS
 * runs end to end through it; the parent sees only ciphertext.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { formatTransportAddress, type TransportAddress } from '../../protocol/transport/index.js';
import { type AdminServer, startAdminServer } from './admin-server.js';
import { type AllowedRemote, isAllowed, normalHost, parseAllowlist } from './allowlist.js';
import { formatRemote, type ProxyConfig } from './config.js';
import { type ConnectionBudget, planConnections } from './connection-budget.js';
import { enclaveReachable } from './enclave-probe.js';
import { ProxyError } from './errors.js';
import { fdsNeeded, openFileLimit } from './fd-limit.js';
import { createProxyMetrics, type ProxyMetrics } from './metrics.js';
import { resolveHosts } from './resolve-hosts.js';
import { Route } from './route.js';

const HEALTH_PROBE_TIMEOUT_MS = 2000;

export interface RunningProxy {
  readonly ingress: TransportAddress;
  readonly egress: readonly { readonly listen: TransportAddress; readonly remote: string }[];
  readonly admin: TransportAddress | undefined;
  readonly metrics: ProxyMetrics;
  /** The connection limits in force (the default ingress limit lowered to the descriptor limit, if it had to be). */
  readonly limits: ConnectionBudget;
  /** Stops accepting, drains open connections up to the configured deadline, then cuts the rest. */
  shutdown(): Promise<{ drained: number; cut: number }>;
}

async function loadAllowlist(path: string): Promise<AllowedRemote[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ProxyError(
      'PROXY_ALLOWLIST_INVALID',
      `cannot read the allow-list ${path}: ${(cause as Error).message}`,
      {
        cause,
        details: { path },
      },
    );
  }
  return parseAllowlist(text, path);
}

/** Fails loudly on any egress remote the allow-list does not admit (after resolving every name once). */
async function checkEgress(config: ProxyConfig, logger: Logger): Promise<void> {
  if (config.egress.length === 0 || config.allowFile === undefined) return;
  const allowlist = await loadAllowlist(config.allowFile);
  const resolved = await resolveHosts([
    ...allowlist.map((entry) => entry.address),
    ...config.egress.map((route) => normalHost(route.remote.host)),
  ]);
  const addressesOf = (host: string): readonly string[] => resolved.get(host) ?? [];
  for (const route of config.egress) {
    const remote = formatRemote(route.remote);
    if (!isAllowed(allowlist, route.remote.host, route.remote.port, addressesOf)) {
      logger.error(
        { route: 'egress', remote, reason: 'not_allowlisted', allowlist: config.allowFile },
        'refused',
      );
      throw new ProxyError(
        'PROXY_EGRESS_REFUSED',
        `egress to ${remote} is not on the allow-list ${config.allowFile}`,
        { details: { remote, allowlist: config.allowFile } },
      );
    }
  }
}

export async function startProxy(config: ProxyConfig, logger: Logger): Promise<RunningProxy> {
  const limits = planConnections(config, openFileLimit());
  if (limits.lowered) {
    logger.warn(
      {
        maxConnections: limits.ingress,
        asDefault: config.maxConnections,
        fdLimit: limits.fdLimit,
        fdsNeededForDefault: fdsNeeded(config.maxConnections + limits.egress * config.egress.length),
      },
      'connection limit lowered to fit the open-file limit: raise it (systemd LimitNOFILE=) to hold more parties',
    );
  }
  await checkEgress(config, logger);
  const routes: Route[] = [];
  const metrics = createProxyMetrics(() => routes.reduce((sum, route) => sum + route.bufferedBytes(), 0));
  let admin: AdminServer | undefined;
  let draining = false;
  const common = {
    idleTimeoutMs: config.idleTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    logger,
    metrics,
  };
  try {
    routes.push(
      await Route.start({
        ...common,
        kind: 'ingress',
        maxConnections: limits.ingress,
        listen: config.listen,
        upstream: config.enclave,
        remote: formatTransportAddress(config.enclave),
      }),
    );
    for (const route of config.egress) {
      routes.push(
        await Route.start({
          ...common,
          kind: 'egress',
          maxConnections: limits.egress,
          listen: route.listen,
          upstream: route.remote,
          remote: formatRemote(route.remote),
        }),
      );
    }
    if (config.metrics !== undefined) {
      admin = await startAdminServer(config.metrics, {
        registry: metrics.registry,
        health: async () => {
          const enclave = await enclaveReachable(config.enclave, HEALTH_PROBE_TIMEOUT_MS);
          return { ready: !draining && enclave, listening: !draining, enclaveReachable: enclave };
        },
      });
    }
  } catch (error) {
    await Promise.all(routes.map((route) => route.drain(0)));
    throw error;
  }
  const [ingress, ...egress] = routes;
  if (ingress === undefined) throw new Error('unreachable: the ingress route is always first');
  return {
    ingress: ingress.address,
    egress: egress.map((route) => ({ listen: route.address, remote: route.remote })),
    admin: admin?.address,
    metrics,
    limits,
    async shutdown() {
      draining = true;
      const results = await Promise.all(routes.map((route) => route.drain(config.drainTimeoutMs)));
      await admin?.close();
      return results.reduce((sum, r) => ({ drained: sum.drained + r.drained, cut: sum.cut + r.cut }), {
        drained: 0,
        cut: 0,
      });
    },
  };
}
