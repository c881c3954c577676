/**
 * The egress allow-list, in the format of AWS's vsock-proxy (`/etc/nitro_enclaves/vsock-proxy.yaml`):
 * `allowlist: [{address: kms.us-east-1.amazonaws.com, port: 443}, ...]`. Matching follows vsock-proxy: same port,
 * and the same host name, or an allow-listed name that resolves to an address the target resolves to.
 */
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ProxyError } from './errors.js';

export interface AllowedRemote {
  readonly address: string;
  readonly port: number;
}

const allowlistSchema = z.object({
  allowlist: z
    .array(
      z.object({
        address: z.string().min(1).max(253),
        port: z.number().int().min(1).max(65535),
      }),
    )
    .max(1024),
});

/** Parses the YAML text of an allow-list; throws PROXY_ALLOWLIST_INVALID saying what is wrong. */
export function parseAllowlist(text: string, source = 'allow-list'): AllowedRemote[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (cause) {
    throw new ProxyError(
      'PROXY_ALLOWLIST_INVALID',
      `${source} is not valid YAML: ${(cause as Error).message}`,
      {
        cause,
        details: { source },
      },
    );
  }
  const result = allowlistSchema.safeParse(document);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'bad form';
    throw new ProxyError(
      'PROXY_ALLOWLIST_INVALID',
      `${source} must be {allowlist: [{address, port}, ...]} as vsock-proxy reads it (${where})`,
      { details: { source } },
    );
  }
  return result.data.allowlist.map(({ address, port }) => ({ address: normalHost(address), port }));
}

/** Host names compare case-insensitively and without a trailing dot; IPs as written. */
export function normalHost(host: string): string {
  return isIP(host) === 0 ? host.toLowerCase().replace(/\.$/, '') : host;
}

/**
 * Whether `host:port` is allowed. `addressesOf` gives the resolved addresses of a host (resolved once at start),
 * for vsock-proxy's match by address.
 */
export function isAllowed(
  allowlist: readonly AllowedRemote[],
  host: string,
  port: number,
  addressesOf: (host: string) => readonly string[],
): boolean {
  const name = normalHost(host);
  const candidates = allowlist.filter((entry) => entry.port === port);
  if (candidates.some((entry) => entry.address === name)) return true;
  const targetAddresses = new Set(addressesOf(name));
  return candidates.some((entry) => addressesOf(entry.address).some((ip) => targetAddresses.has(ip)));
}
