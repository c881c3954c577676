/**
 * How many connections the proxy's file descriptors allow. Every relayed connection holds two descriptors (the
 * accepted socket and its upstream: vsock or socket), so a connection limit above half the descriptor limit is a
 * promise the proxy cannot keep: past it, accept() fails with EMFILE for everyone. Node raises its soft
 * RLIMIT_NOFILE to the hard limit at start, so the hard limit (systemd `LimitNOFILE=`, `ulimit -Hn`) is what counts.
 */
import { readFileSync } from 'node:fs';

/** Descriptors kept for everything but relayed connections: stdio, listeners, the admin server, epoll, DNS. */
export const RESERVED_FDS = 64;

/** Descriptors each relayed connection holds. */
export const FDS_PER_CONNECTION = 2;

/** The soft limit on open files of this process (Linux: /proc/self/limits); undefined where it cannot be read. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line === undefined ? undefined : /^Max open files\s+(\S+)/.exec(line)?.[1];
  if (soft === undefined) return undefined;
  if (soft === 'unlimited') return Number.POSITIVE_INFINITY;
  const value = Number(soft);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** Descriptors needed to hold `connections` relayed connections at once. */
export function fdsNeeded(connections: number): number {
  return connections * FDS_PER_CONNECTION + RESERVED_FDS;
}

/** The most relayed connections `fdLimit` descriptors allow (0 when not even the reserve fits). */
export function connectionsAllowedBy(fdLimit: number): number {
  if (!Number.isFinite(fdLimit)) return Number.MAX_SAFE_INTEGER;
  return Math.max(0, Math.floor((fdLimit - RESERVED_FDS) / FDS_PER_CONNECTION));
}
