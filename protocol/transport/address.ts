/**
 * Transport addresses: `vsock://<cid>:<port>`, `unix:///absolute/path`, `tcp://host:port`. Parsed by hand rather
 * than with `URL`, which would normalise paths and hosts that must reach the socket call unchanged.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { TransportError } from './errors.js';

/** VMADDR_CID_ANY: listen on every CID of this machine. Written `any` in an address. */
export const VSOCK_CID_ANY = 0xffff_ffff;
/** The longest path `sun_path` holds on Linux, without its NUL. */
export const UNIX_PATH_MAX_BYTES = 107;

export type VsockAddress = { readonly kind: 'vsock'; readonly cid: number; readonly port: number };
export type UnixAddress = { readonly kind: 'unix'; readonly path: string };
export type TcpAddress = { readonly kind: 'tcp'; readonly host: string; readonly port: number };
export type TransportAddress = VsockAddress | UnixAddress | TcpAddress;

const decimal = (max: number) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,9})$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.number().int().min(0).max(max));

// Port 0 means "any free port" when listening, for vsock (VMADDR_PORT_ANY) as for TCP.
const vsockSchema = z.object({
  cid: z.union([z.literal('any').transform(() => VSOCK_CID_ANY), decimal(0xffff_fffe)]),
  port: decimal(0xffff_fffe),
});

const hostname =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const tcpSchema = z.object({
  host: z
    .string()
    .refine((host) => isIP(host) !== 0 || hostname.test(host), 'must be a host name or an IP address'),
  port: decimal(65535),
});

const unixSchema = z.object({
  path: z
    .string()
    .startsWith('/', 'must be absolute')
    .refine((path) => !path.includes('\0'), 'must not contain NUL')
    .refine(
      (path) => Buffer.byteLength(path) <= UNIX_PATH_MAX_BYTES,
      `must be at most ${UNIX_PATH_MAX_BYTES} bytes`,
    ),
});

const FORMS = '`vsock://<cid|any>:<port>`, `unix:///absolute/path` or `tcp://<host>:<port>`';

function invalid(text: string, why: string): TransportError {
  return new TransportError(
    'TRANSPORT_ADDRESS_INVALID',
    `transport address ${JSON.stringify(text)} ${why}; use ${FORMS}`,
    {
      details: { address: text.slice(0, 200) },
    },
  );
}

function checked<T>(text: string, schema: z.ZodType<T>, parts: unknown): T {
  const result = schema.safeParse(parts);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw invalid(text, `is invalid: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'bad form'}`);
}

/** Parses and validates an address; throws `TRANSPORT_ADDRESS_INVALID` saying what is wrong. */
export function parseTransportAddress(text: unknown): TransportAddress {
  if (typeof text !== 'string' || text.length > 1024)
    throw invalid(String(text).slice(0, 64), 'is not a string of at most 1024 characters');
  const scheme = /^([a-z]+):\/\/(.*)$/s.exec(text);
  if (scheme === null) throw invalid(text, 'has no scheme');
  const [, kind = '', rest = ''] = scheme;
  if (kind === 'unix') return { kind, ...checked(text, unixSchema, { path: rest }) };
  if (kind === 'vsock') {
    const parts = /^([^:]*):([^:]*)$/.exec(rest);
    if (parts === null) throw invalid(text, 'must be vsock://<cid>:<port>');
    return { kind, ...checked(text, vsockSchema, { cid: parts[1], port: parts[2] }) };
  }
  if (kind === 'tcp') {
    // IPv6 hosts come in brackets, as in URLs: tcp://[::1]:7000.
    const parts = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(rest);
    if (parts === null) throw invalid(text, 'must be tcp://<host>:<port>');
    const host = parts[1] ?? parts[2];
    if (parts[1] !== undefined && isIP(parts[1]) !== 6)
      throw invalid(text, 'has a bracketed host that is not IPv6');
    return { kind, ...checked(text, tcpSchema, { host, port: parts[3] }) };
  }
  throw invalid(text, `has an unknown scheme ${JSON.stringify(kind)}`);
}

/** The canonical text of an address (what `parseTransportAddress` reads back to the same value). */
export function formatTransportAddress(address: TransportAddress): string {
  switch (address.kind) {
    case 'vsock':
      return `vsock://${address.cid === VSOCK_CID_ANY ? 'any' : address.cid}:${address.port}`;
    case 'unix':
      return `unix://${address.path}`;
    case 'tcp':
      return `tcp://${isIP(address.host) === 6 ? `[${address.host}]` : address.host}:${address.port}`;
  }
}
