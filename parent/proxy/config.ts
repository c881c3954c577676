/** The proxy's configuration, validated from what the CLI (or a program) passes. */
import { isIP } from 'node:net';
import { z } from 'zod';
import {
  formatTransportAddress,
  parseTransportAddress,
  type TcpAddress,
  type TransportAddress,
} from '../../protocol/transport/index.js';
import { ProxyError } from './errors.js';

/** One egress route: the enclave connects to `listen`, the proxy relays to `remote` (which must be allow-listed). */
export interface EgressRoute {
  readonly listen: TransportAddress;
  readonly remote: TcpAddress;
}

export interface ProxyConfig {
  readonly listen: TransportAddress;
  readonly enclave: TransportAddress;
  readonly egress: readonly EgressRoute[];
  readonly allowFile: string | undefined;
  readonly metrics: TransportAddress | undefined;
  /** Party connections relayed at once (ingress); `startProxy` lowers a default one to what file descriptors allow. */
  readonly maxConnections: number;
  /** Whether `maxConnections` was asked for (then too few file descriptors refuse the start) or is the default. */
  readonly maxConnectionsGiven: boolean;
  /** Connections relayed at once per egress route (the enclave's KMS calls: few). */
  readonly maxEgressConnections: number;
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly drainTimeoutMs: number;
}

/** What a caller gives: addresses as text, durations in seconds. */
export interface ProxyOptions {
  readonly listen: string;
  readonly enclave: string;
  readonly egress?: readonly string[];
  readonly allow?: string;
  readonly metrics?: string;
  readonly maxConnections?: string | number;
  readonly maxEgressConnections?: string | number;
  readonly idleTimeout?: string | number;
  readonly connectTimeout?: string | number;
  readonly drainTimeout?: string | number;
}

function invalid(message: string, details: Record<string, unknown> = {}): ProxyError {
  return new ProxyError('PROXY_CONFIG_INVALID', message, { details });
}

function address(flag: string, text: string): TransportAddress {
  try {
    return parseTransportAddress(text);
  } catch (cause) {
    throw new ProxyError('PROXY_CONFIG_INVALID', `--${flag}: ${(cause as Error).message}`, {
      cause,
      details: { flag },
    });
  }
}

/** `<listen>=<host>:<port>`: split at the last `=` (a host:port never holds one). */
export function parseEgressRoute(text: string): EgressRoute {
  const at = text.lastIndexOf('=');
  if (at <= 0) throw invalid(`--egress ${JSON.stringify(text)} must be <listen address>=<host>:<port>`);
  const listen = address('egress', text.slice(0, at));
  const remote = address('egress', `tcp://${text.slice(at + 1)}`);
  if (remote.kind !== 'tcp' || remote.port === 0)
    throw invalid(`--egress ${JSON.stringify(text)}: the remote needs a host and a non-zero port`);
  return { listen, remote };
}

const seconds = (flag: string, fallback: number, max: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^[0-9]+(\.[0-9]+)?$/, 'must be a number of seconds')
        .transform(Number),
    ])
    .optional()
    .transform((value) => value ?? fallback)
    .pipe(z.number().positive(`--${flag} must be positive`).max(max, `--${flag} must be at most ${max}`))
    .transform((value) => Math.round(value * 1000));

/** Party connections held at once by default: the issue's 10,000 idle parties, if file descriptors allow. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const DEFAULT_MAX_EGRESS_CONNECTIONS = 256;

const count = (fallback: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^[0-9]+$/, 'must be an integer')
        .transform(Number),
    ])
    .optional()
    .transform((value) => value ?? fallback)
    .pipe(z.number().int().min(1).max(1_000_000));

const optionsSchema = z.object({
  listen: z.string(),
  enclave: z.string(),
  egress: z.array(z.string()).max(64).optional(),
  allow: z.string().min(1).optional(),
  metrics: z.string().optional(),
  maxConnections: count(DEFAULT_MAX_CONNECTIONS),
  maxEgressConnections: count(DEFAULT_MAX_EGRESS_CONNECTIONS),
  idleTimeout: seconds('idle-timeout', 300, 86_400),
  connectTimeout: seconds('connect-timeout', 5, 600),
  drainTimeout: seconds('drain-timeout', 30, 3600),
});

/** Validates options; throws PROXY_CONFIG_INVALID naming the flag. */
export function parseProxyConfig(options: ProxyOptions): ProxyConfig {
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalid(issue ? `--${issue.path.join('.')}: ${issue.message}` : 'invalid options');
  }
  const raw = result.data;
  const egress = (raw.egress ?? []).map(parseEgressRoute);
  if (egress.length > 0 && raw.allow === undefined)
    throw invalid('--egress needs --allow <allowlist.yaml>: egress is refused unless allow-listed');
  const listens = [raw.listen, ...egress.map((route) => formatTransportAddress(route.listen))];
  if (new Set(listens).size !== listens.length) throw invalid('two routes listen on the same address');
  const metrics = raw.metrics === undefined ? undefined : address('metrics', raw.metrics);
  if (metrics?.kind === 'vsock') throw invalid('--metrics must be a tcp:// or unix:// address');
  return {
    listen: address('listen', raw.listen),
    enclave: address('enclave', raw.enclave),
    egress,
    allowFile: raw.allow,
    metrics,
    maxConnections: raw.maxConnections,
    maxConnectionsGiven: options.maxConnections !== undefined,
    maxEgressConnections: raw.maxEgressConnections,
    idleTimeoutMs: raw.idleTimeout,
    connectTimeoutMs: raw.connectTimeout,
    drainTimeoutMs: raw.drainTimeout,
  };
}

/** `host:port` as people write it (IPv6 in brackets). */
export function formatRemote(remote: TcpAddress): string {
  return `${isIP(remote.host) === 6 ? `[${remote.host}]` : remote.host}:${remote.port}`;
}
