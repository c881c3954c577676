import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RunningKmsSimulator } from '../../../simulator/kms/index.js';

export interface RawRequest {
  readonly target: string;
  readonly body: string;
  /** Sign with these instead of the simulator's credentials. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly region?: string;
  readonly service?: string;
  readonly signingDate?: Date;
  /** Change the request after it is signed. */
  readonly tamper?: (request: { headers: Record<string, string>; body: string }) => void;
  /** Do not sign at all. */
  readonly unsigned?: boolean;
}

export interface RawResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Sends a KMS JSON 1.1 request signed (or not) as the test says, bypassing the SDK. */
export async function rawKmsRequest(
  simulator: RunningKmsSimulator,
  request: RawRequest,
): Promise<RawResponse> {
  const url = new URL(simulator.endpoint);
  let headers: Record<string, string> = {
    host: url.host,
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `TrentService.${request.target}`,
  };
  if (!request.unsigned) {
    const signer = new SignatureV4({
      credentials: request.credentials ?? simulator.credentials,
      region: request.region ?? simulator.region,
      service: request.service ?? 'kms',
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        path: '/',
        query: {},
        headers,
        body: request.body,
      },
      { signingDate: request.signingDate ?? new Date() },
    );
    headers = signed.headers as Record<string, string>;
  }
  const mutable = { headers: { ...headers }, body: request.body };
  request.tamper?.(mutable);
  const { host: _host, ...sent } = mutable.headers;
  const response = await fetch(simulator.endpoint, { method: 'POST', headers: sent, body: mutable.body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
