/**
 * Splits the proxy's file descriptors between its routes before it listens: egress routes get what they are
 * configured for, ingress the rest up to its limit. A limit someone asked for that the descriptors cannot hold
 * refuses the start (PROXY_FD_LIMIT, saying what to raise); the default limit is lowered to fit, with a warning.
 */
import type { ProxyConfig } from './config.js';
import { ProxyError } from './errors.js';
import { connectionsAllowedBy, fdsNeeded } from './fd-limit.js';

export interface ConnectionBudget {
  /** Party connections relayed at once. */
  readonly ingress: number;
  /** Connections per egress route. */
  readonly egress: number;
  /** The descriptor limit it was planned for (undefined where unknown: nothing is checked then). */
  readonly fdLimit: number | undefined;
  /** True when the default ingress limit was lowered to fit the descriptor limit. */
  readonly lowered: boolean;
}

export function planConnections(config: ProxyConfig, fdLimit: number | undefined): ConnectionBudget {
  const egress = config.maxEgressConnections;
  const plan = { ingress: config.maxConnections, egress, fdLimit, lowered: false };
  if (fdLimit === undefined) return plan;
  const egressTotal = egress * config.egress.length;
  const needed = fdsNeeded(config.maxConnections + egressTotal);
  if (needed <= fdLimit) return plan;
  const room = connectionsAllowedBy(fdLimit) - egressTotal;
  if (config.maxConnectionsGiven || room < 1) {
    const advice =
      room < 1
        ? 'raise the limit'
        : `raise the limit to at least ${needed}, or lower --max-connections to ${room}`;
    throw new ProxyError(
      'PROXY_FD_LIMIT',
      `${config.maxConnections} party connections${egressTotal > 0 ? ` and ${egressTotal} egress connections` : ''} need ${needed} open files (two per relayed connection) but this process may open ${fdLimit}: ${advice} (systemd LimitNOFILE=, ulimit -Hn)`,
      { details: { needed, fdLimit, maxConnections: config.maxConnections, egressConnections: egressTotal } },
    );
  }
  return { ...plan, ingress: room, lowered: true };
}
