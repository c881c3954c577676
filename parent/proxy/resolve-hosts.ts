/** Resolves host names at start, so a name that does not resolve stops the proxy there instead of at first use. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ProxyError } from './errors.js';

const RESOLVE_TIMEOUT_MS = 10_000;

async function resolveOne(host: string, timeoutMs: number): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })),
      timeoutMs,
    );
  });
  try {
    const found = await Promise.race([lookup(host, { all: true }), timeout]);
    if (found.length === 0) throw Object.assign(new Error('no addresses'), { code: 'ENODATA' });
    return found.map((entry) => entry.address);
  } catch (cause) {
    const errno = (cause as { code?: unknown }).code;
    throw new ProxyError(
      'PROXY_HOST_UNRESOLVED',
      `host ${JSON.stringify(host)} does not resolve (${typeof errno === 'string' ? errno : 'unknown error'}); fix the name or the allow-list`,
      { cause, details: { host } },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves every host (in parallel); the first failure rejects with PROXY_HOST_UNRESOLVED. */
export async function resolveHosts(
  hosts: Iterable<string>,
  timeoutMs = RESOLVE_TIMEOUT_MS,
): Promise<Map<string, string[]>> {
  const unique = [...new Set(hosts)];
  const resolved = await Promise.all(
    unique.map(async (host) => [host, await resolveOne(host, timeoutMs)] as const),
  );
  return new Map(resolved);
}
