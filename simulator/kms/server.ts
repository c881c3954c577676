import type { IncomingMessage, ServerResponse } from 'node:http';
import { KmsServiceError, kmsError } from './errors.js';
import type { KmsFaultInjector } from './faults.js';
import type { OperationContext } from './operations/index.js';
import { KMS_OPERATIONS } from './operations/index.js';
import { JSON_CONTENT_TYPE, sendJson, TARGET_PREFIX } from './protocol.js';
import type { SigV4Verifier } from './sigv4.js';

export interface KmsRequestListenerOptions {
  readonly verifier: SigV4Verifier;
  /** The operation context for a verified caller. */
  readonly contextFor: (accessKeyId: string) => OperationContext;
  /** Told about failures that are the simulator's fault (answered as KMSInternalException). */
  readonly onInternalError: (error: unknown) => void;
  readonly now: () => number;
  /** Counts requests and, when a test asks, fails the next ones. */
  readonly faults?: KmsFaultInjector;
}

/** Larger than any valid KMS request (a Recipient document is at most 256 KiB, base64 in JSON). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    // Keep draining so that the connection stays usable, but keep nothing past the limit.
    if (size <= MAX_REQUEST_BYTES) chunks.push(buffer);
  }
  return size <= MAX_REQUEST_BYTES ? Buffer.concat(chunks) : undefined;
}

function parseJsonObject(body: Buffer): unknown {
  if (body.byteLength === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw kmsError.serialization('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw kmsError.serialization('The request body must be a JSON object.');
  }
  return value;
}

async function answer(request: IncomingMessage, options: KmsRequestListenerOptions): Promise<object> {
  const body = await readBody(request);
  if (body === undefined)
    throw kmsError.serialization(`The request body is larger than ${MAX_REQUEST_BYTES} bytes.`);
  // AWS authenticates before it looks at what is asked.
  const accessKeyId = await options.verifier.verify(
    { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body },
    options.now(),
  );
  const target = request.headers['x-amz-target'];
  const operation =
    typeof target === 'string' && target.startsWith(TARGET_PREFIX)
      ? KMS_OPERATIONS.get(target.slice(TARGET_PREFIX.length))
      : undefined;
  if (request.method !== 'POST' || !operation) throw kmsError.unknownOperation();
  const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== JSON_CONTENT_TYPE) {
    throw kmsError.serialization(`The request Content-Type must be ${JSON_CONTENT_TYPE}.`);
  }
  return operation.handle(parseJsonObject(body), options.contextFor(accessKeyId));
}

/** The HTTP request listener of the simulated KMS endpoint. */
export function createKmsRequestListener(
  options: KmsRequestListenerOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const fault = options.faults?.take();
    if (fault === 'connection-reset') {
      request.socket.destroy();
      return;
    }
    if (fault !== undefined) {
      request.resume();
      request.once('end', () => sendJson(response, fault.status, fault.toBody()));
      return;
    }
    answer(request, options).then(
      (result) => sendJson(response, 200, result),
      (error: unknown) => {
        if (error instanceof KmsServiceError) {
          sendJson(response, error.status, error.toBody());
          return;
        }
        // A client that went away mid-request gets no answer and is not the simulator's failure.
        if (!request.complete) {
          response.destroy();
          return;
        }
        options.onInternalError(error);
        const internal = kmsError.internal();
        sendJson(response, internal.status, internal.toBody());
      },
    );
  };
}
