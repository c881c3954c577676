import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { authError, type KmsServiceError } from './errors.js';

/**
 * Checks AWS Signature Version 4 on a request the way AWS's front end does, and answers failures with AWS's error
 * names. The signature itself is recomputed by `@smithy/signature-v4` (the SDK's own signer) over exactly the
 * headers the client says it signed; this file only parses the Authorization header and checks scope and time.
 */

export interface SignedRequest {
  readonly method: string;
  /** The request target as received, e.g. `/` or `/?a=b`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SigV4VerifierOptions {
  readonly region: string;
  readonly service: string;
  /** The secret for an access key id, or undefined when the key is unknown. */
  readonly lookup: (accessKeyId: string) => SigningCredentials | undefined;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
/** AWS accepts requests signed up to five minutes before or after its own clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

interface AuthorizationHeader {
  readonly credential: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAuthorization(header: string): AuthorizationHeader {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw authError.incomplete(`Unsupported AWS 'algorithm': '${algorithm}'. Authorization=${header}`);
  }
  const params = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !params.get(name));
  if (missing.length > 0) {
    const required = missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ');
    throw authError.incomplete(`${required} Authorization=${header}`);
  }
  return {
    credential: params.get('Credential') as string,
    signedHeaders: (params.get('SignedHeaders') as string).split(';'),
    signature: params.get('Signature') as string,
  };
}

function parseAmzDate(text: string): Date {
  const fields = AMZ_DATE_RE.exec(text)?.slice(1).map(Number);
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = fields ?? [];
  const date = fields ? new Date(Date.UTC(year, month - 1, day, hour, minute, second)) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw authError.incomplete(
      `Date must be in ISO-8601 'basic format'. Got '${text}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  return date;
}

function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function checkClock(signedAt: Date, amzDateText: string, now: number): void {
  const at = signedAt.getTime();
  if (at < now - MAX_CLOCK_SKEW_MS) {
    throw authError.invalidSignature(
      `Signature expired: ${amzDateText} is now earlier than ${amzDate(now - MAX_CLOCK_SKEW_MS)} ` +
        `(${amzDate(now)} - 5 min.)`,
    );
  }
  if (at > now + MAX_CLOCK_SKEW_MS) {
    throw authError.invalidSignature(
      `Signature not yet current: ${amzDateText} is still later than ${amzDate(now + MAX_CLOCK_SKEW_MS)} ` +
        `(${amzDate(now)} + 5 min.)`,
    );
  }
}

function splitUrl(url: string): { path: string; query: Record<string, string | string[]> } {
  const parsed = new URL(url, 'http://localhost');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of parsed.searchParams) {
    const previous = query[name];
    query[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return { path: parsed.pathname, query };
}

function sameSignature(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SigV4Verifier {
  readonly #options: SigV4VerifierOptions;

  constructor(options: SigV4VerifierOptions) {
    this.#options = options;
  }

  /** Resolves to the access key id that signed the request; rejects with a `KmsServiceError`. */
  async verify(request: SignedRequest, now = Date.now()): Promise<string> {
    const header = headerValue(request.headers, 'authorization');
    if (header === undefined) throw authError.missingToken();
    const authorization = parseAuthorization(header);

    const scope = authorization.credential.split('/');
    if (scope.length !== 5) {
      throw authError.incomplete(
        'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, ' +
          `got '${authorization.credential}'`,
      );
    }
    const [accessKeyId, scopeDate, region, service, terminator] = scope as [
      string,
      string,
      string,
      string,
      string,
    ];
    const credentials = this.#options.lookup(accessKeyId);
    // Temporary credentials are not issued here, so a session token cannot belong to any key.
    if (!credentials || headerValue(request.headers, 'x-amz-security-token') !== undefined) {
      throw authError.unrecognizedClient();
    }
    if (!authorization.signedHeaders.includes('host')) {
      throw authError.incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const amzDateText = headerValue(request.headers, 'x-amz-date');
    if (amzDateText === undefined) {
      throw authError.incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
          `Authorization=${header}`,
      );
    }
    const signedAt = parseAmzDate(amzDateText);
    this.#checkScope(scopeDate, region, service, terminator, amzDateText);
    checkClock(signedAt, amzDateText, now);

    const payloadHash = headerValue(request.headers, 'x-amz-content-sha256');
    if (
      payloadHash !== undefined &&
      payloadHash !== createHash('sha256').update(request.body).digest('hex')
    ) {
      throw authError.invalidSignature();
    }
    const expected = await this.#signature(request, authorization.signedHeaders, credentials, signedAt);
    if (!sameSignature(expected, authorization.signature)) throw authError.invalidSignature();
    return accessKeyId;
  }

  #checkScope(date: string, region: string, service: string, terminator: string, amzDateText: string): void {
    const fail = (message: string): KmsServiceError => authError.invalidSignature(message);
    if (date !== amzDateText.slice(0, 8)) {
      throw fail(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != ` +
          `'${amzDateText.slice(0, 8)}', from '${amzDateText}'.`,
      );
    }
    if (region !== this.#options.region)
      throw fail(`Credential should be scoped to a valid region, not '${region}'.`);
    if (service !== this.#options.service) {
      throw fail(`Credential should be scoped to correct service: '${this.#options.service}'.`);
    }
    if (terminator !== TERMINATOR) {
      throw fail(
        `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'.`,
      );
    }
  }

  async #signature(
    request: SignedRequest,
    signedHeaders: readonly string[],
    credentials: SigningCredentials,
    signedAt: Date,
  ): Promise<string> {
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = headerValue(request.headers, name);
      if (value !== undefined) headers[name] = value;
    }
    const host = headers['host'] ?? '';
    const { path, query } = splitUrl(request.url);
    const signer = new SignatureV4({
      credentials,
      region: this.#options.region,
      service: this.#options.service,
      sha256: Hash.bind(null, 'sha256'),
      applyChecksum: false,
    });
    const signed = await signer.sign(
      { method: request.method, protocol: 'http:', hostname: host, path, query, headers, body: request.body },
      // Sign exactly what the client listed, including headers the SDK itself would never sign.
      { signingDate: signedAt, signableHeaders: new Set(signedHeaders) },
    );
    const match = /Signature=([0-9a-f]+)$/.exec(String(signed.headers['authorization']));
    return match?.[1] ?? '';
  }
}
